"""Who a call is with: the caller's records (customers first, then contacts), a colleague on an
internal call, and the one rule for remembering a single match on the call."""

from dataclasses import dataclass

from django.utils import timezone

from crm.models import Resource
from crm.phones import CallerMatch, find_callers, primary_match
from telephony.ingest import events
from telephony.models import Call


@dataclass(frozen=True)
class Colleague:
    resource: Resource

    @property
    def label(self) -> str:
        number = self.resource.ringcentral_extension_number
        return f"{self.resource.display_name}" + (f" (ext. {number})" if number else "")


def colleague_for(call: Call) -> Colleague | None:
    if not call.other_extension_id:
        return None
    resource = (
        Resource.objects.filter(entity_id=call.entity_id, ringcentral_extension_id=call.other_extension_id)
        .exclude(pk=call.resource_id or 0)
        .first()
    )
    return Colleague(resource) if resource else None


def record_matches(call: Call) -> list[CallerMatch]:
    """The records of the other side's number: the number that called in, or the one the user
    dialled (from Arcadium, the desk phone or the RingCentral app): one lookup either way."""
    if not call.caller_number:
        return []
    return find_callers(call.entity, call.caller_number)


def apply_match(call: Call, match: CallerMatch) -> None:
    call.customer = match.customer
    call.contact = match.contact
    call.matched_on = match.source


def save_match(call: Call, match: CallerMatch) -> None:
    """Remember the one record a call is with (an update, so a concurrent save keeps its fields)."""
    apply_match(call, match)
    Call.objects.filter(pk=call.pk).update(
        customer=call.customer, contact=call.contact, matched_on=call.matched_on, updated_at=timezone.now()
    )


def choose_match(*, call: Call, kind: str, pk: int) -> bool:
    """The user picked one of several matching records; remember it on the call."""
    chosen = next((m for m in record_matches(call) if m.kind == kind and m.record.pk == pk), None)
    if chosen is None:
        return False
    save_match(call, chosen)
    return True


def _unpopped_and_unmatched(call: Call) -> bool:
    if call.popped_up_at is not None or call.customer_id or call.contact_id or call.other_extension_id:
        return False
    return call.direction != Call.Direction.INBOUND or call.is_ended


@events.concerned_with(_unpopped_and_unmatched)
def match_unpopped_call(call: Call) -> None:
    """ingest call listener: a call that pops no wizard is still logged on the account it is
    with, so recent calls and the account's history show who it was: an inbound call once over
    (it never rang here, or was over before we heard of it), a call the user placed from their
    phone at once (their setting may keep the wizard closed)."""
    if not _unpopped_and_unmatched(call):
        return
    chosen = primary_match(record_matches(call))
    if chosen is not None:
        save_match(call, chosen)

"""The transfer's part of the wizard: its region, the context that follows the call, and the
ingest listener that keeps both current. Registered in TelephonyConfig.ready.

Ordinary calls cost nothing here: a call is looked at only when it carries a transfer link
(`Call.transfer_id`, no query to read) or is an internal call that may be a consult call.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from telephony.ingest import events
from telephony.live import push
from telephony.models import Call, Transfer
from telephony.transfer.legs import consult_calls
from telephony.transfer.state import Phase, facts_of, newest_reason, phase
from telephony.wizard import composer

REGION = "telephony/transfer/_region.html"


@dataclass(frozen=True)
class TransferView:
    """What the region shows for one call of a transfer."""

    transfer: Transfer
    role: str  # "origin" (the call passed on), "received" (the colleague's), "consult" (theirs)
    phase: Phase
    consult: Call | None = None  # origin: our party of the consult call
    nudge_seconds: int = 0

    @property
    def record_name(self) -> str:
        call = self.transfer.call
        record = call.contact or call.customer
        return str(record) if record else (call.caller_name or "a caller")


def transfer_of(call: Call) -> Transfer | None:
    """The transfer a call takes part in; internal calls are looked up by their consult session."""
    transfers = Transfer.objects.select_related(
        "by", "to_resource", "call__customer", "call__contact__customer"
    )
    if call.transfer_id:
        return transfers.filter(pk=call.transfer_id).first()
    if call.other_extension_id and call.telephony_session_id:
        return transfers.filter(
            entity_id=call.entity_id, consult_session_id=call.telephony_session_id
        ).first()
    return None


def role_of(call: Call, transfer: Transfer) -> str:
    if call.pk == transfer.call_id:
        return "origin"
    if transfer.consult_session_id and call.telephony_session_id == transfer.consult_session_id:
        return "consult"
    if call.direction == Call.Direction.OUTBOUND and call.resource_id == transfer.by_id:
        return "consult"  # our consult party, before RingCentral told us its session
    return "received"


def view_for(call: Call, transfer: Transfer) -> TransferView:
    role = role_of(call, transfer)
    origin = call if role == "origin" else transfer.call
    ours, theirs = consult_calls(transfer) if transfer.kind == Transfer.Kind.WARM else (None, None)
    received = role == "received" or _colleague_reported(transfer)
    facts = facts_of(
        warm=transfer.kind == Transfer.Kind.WARM,
        call=origin,
        consult=ours,
        colleague=theirs,
        received=received,
    )
    return TransferView(
        transfer=transfer,
        role=role,
        phase=phase(facts),
        consult=ours,
        nudge_seconds=settings.TRANSFER_HOLD_NUDGE_SECONDS,
    )


def _colleague_reported(transfer: Transfer) -> bool:
    legs = Call.objects.filter(transfer=transfer, telephony_session_id=transfer.call.telephony_session_id)
    return legs.exclude(pk=transfer.call_id).exclude(party_sequences={}).exists()


def wizard_context(call: Call, fresh: bool) -> dict:
    """composer context provider: the transfer region's context (None for ordinary calls)."""
    context: dict = {"transfer": None, "can_transfer": _offers_transfer(call)}
    if not (call.transfer_id or call.other_extension_id):
        return context
    transfer = transfer_of(call)
    if transfer is not None:
        context["transfer"] = view_for(call, transfer)
    return context


def _offers_transfer(call: Call) -> bool:
    resource = call.resource
    return bool(
        resource is not None and resource.ringcentral_active and call.is_live and call.telephony_session_id
    )


def region_context(call: Call) -> dict:
    transfer = transfer_of(call)
    return {
        "transfer": view_for(call, transfer) if transfer else None,
        "can_transfer": _offers_transfer(call),
    }


def push_region(call: Call) -> None:
    composer.push_fragment(call, f"{REGION}#region", region_context(call))


def push_transfer(transfer: Transfer) -> None:
    """Show every wizard of the transfer its current region: the call passed on, and the
    colleague's consult call (its first events may have come before we knew its session)."""
    transfer = Transfer.objects.select_related("call__resource", "call__entity").get(pk=transfer.pk)
    push_region(transfer.call)
    _, theirs = consult_calls(transfer)
    if theirs is not None and theirs.popped_up_at is not None:
        theirs.transfer = transfer
        composer.push_fragment(theirs, f"{REGION}#region", region_context(theirs))


def _may_be_a_transfer_leg(call: Call) -> bool:
    return bool(call.transfer_id or call.other_extension_id)


@events.concerned_with(_may_be_a_transfer_leg)
def call_changed(call: Call) -> None:
    """ingest call listener (under the call's row lock): link the row to its transfer (this
    same row: the lock ingest holds) and, after commit, push the transfer's regions."""
    if not _may_be_a_transfer_leg(call):
        return
    transfer = transfer_of(call)
    if transfer is None:
        return
    if call.transfer_id is None:
        Call.objects.filter(pk=call.pk).update(transfer=transfer)
        call.transfer_id = transfer.pk
    transfer_pk, call_pk = transfer.pk, call.pk
    transaction.on_commit(lambda: _after_change(transfer_pk, call_pk))


def _after_change(transfer_pk: int, call_pk: int) -> None:
    # After commit, in a transaction of its own: reads only, then pushes (sent after it commits).
    with transaction.atomic():
        transfer = Transfer.objects.filter(pk=transfer_pk).select_related("by", "to_resource").first()
        call = Call.objects.filter(pk=call_pk).select_related("resource", "entity").first()
        if transfer is None or call is None:
            return
        push_transfer(transfer)
        role = role_of(call, transfer)
        theirs = role == "consult" and call.resource_id != transfer.by_id and call.popped_up_at is not None
        if theirs and call.is_ended and newest_reason(call) == "attendedtransfer":
            composer.push_closed(call)  # the caller's call opens in its place, with the notes
        if role == "origin" and call.is_ended:
            _transferred(transfer)


def _transferred(transfer: Transfer) -> None:
    origin = Call.objects.select_related("resource", "entity", "customer", "contact").get(pk=transfer.call_id)
    view = view_for(origin, transfer)
    by = origin.resource
    if view.phase != Phase.TRANSFERRED or by is None or not by.close_wizard_on_hangup:
        return
    html = render_to_string(f"{REGION}#toast", {"call": origin, "transfer": view})
    push.send_html(user_id=by.user_id, html=html)
    composer.push_closed(origin)

"""Click-to-dial: placing a call from a customer's or contact's page and following it.

The Call row is created (committed) *before* RingCentral is asked to dial, already matched to
the record it was dialled from, so the wizard shows at once and the first telephony events of
the call, which can arrive before RingCentral's answer to our request, find it: `claim_dialled_call`
links them to the row by our extension and the dialled number (one call, one row).
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models import Contact, Customer, Entity, Resource
from crm.numbers import display, normalize
from telephony import plain_errors
from telephony import ringcentral as rc
from telephony.connect.devices import softphone_device_id
from telephony.ingest.notifications import PartyChange, TelephonyNotification
from telephony.models import Call
from telephony.webphone.credentials import webphone_device_id
from telephony.wizard import composer

CLAIM_WITHIN = timedelta(minutes=2)  # events of a dialled call come seconds after the request

# RingOut statuses that mean the call cannot go through (API.md §9), in plain words.
RING_OUT_FAILURES = {
    "InternationalDisabled": "International calling is disabled for your RingCentral user.",
    "DestinationBlocked": "RingCentral blocks calls to this number.",
    "NotEnoughFunds": "Your RingCentral account has no funds left for this call.",
    "Invalid": "RingCentral says this number is not valid.",
    "RingOutFromThisNumberIsNotSupported": "RingCentral cannot ring your phone for this call.",
    "NosuchUser": "RingCentral does not know your user.",
    "CannotReach": "RingCentral could not reach the number.",
    "Rejected": "The call was rejected.",
    "GenericError": "RingCentral could not place the call.",
    "Error": "RingCentral could not place the call.",
}


class DialError(Exception):
    """Something the user should read in the confirm dialog."""


@dataclass(frozen=True)
class DialTarget:
    number: str  # E.164
    customer: Customer | None
    contact: Contact | None
    label: str  # which phone field it is, e.g. "Main phone"

    @property
    def display_number(self) -> str:
        return display(self.number)

    @property
    def name(self) -> str:
        if self.contact is not None:
            return self.contact.full_name
        return self.customer.name if self.customer is not None else ""


def dial_target(
    *, entity: Entity, number: str, customer: Customer | None, contact: Contact | None
) -> DialTarget:
    """Read the number to dial; DialError when it cannot be dialled as written."""
    try:
        phone = normalize(number, entity.default_region)
    except ValidationError as exc:
        raise DialError(" ".join(exc.messages)) from exc
    if customer is None and contact is not None:
        customer = contact.customer
    record = contact or customer
    record_numbers = list(record.phone_numbers.all()) if record is not None else []
    stored = next((p for p in record_numbers if p.e164 == phone.e164), None)
    label = f"{stored.get_label_display()} phone" if stored else "Phone"
    return DialTarget(number=phone.e164, customer=customer, contact=contact, label=label)


def ring_out_outcome(status: rc.RingOutStatus) -> tuple[str, str]:
    """(Call state, result) a RingOut status stands for; state "" while it is still in progress.

    `callStatus` is the whole call; the leg statuses say why it failed (busy, no answer…)."""
    call, callee, caller = status.call_status, status.callee_status, status.caller_status
    if call == "Success":
        ended = callee == "Finished" or caller == "Finished"
        return (Call.State.ENDED if ended else Call.State.ON_CALL), "Call connected"  # the call log's word
    if call == "InProgress" or (not call and callee in ("", "InProgress")):
        return (Call.State.RINGING if caller == "Success" else Call.State.DIALLING), ""
    for leg in (callee, caller, call):
        if leg == "Busy":
            return Call.State.ENDED, "Busy"
        if leg in ("NoAnswer", "NoAnsweringMachine"):
            return Call.State.ENDED, "No Answer"
    if call in RING_OUT_FAILURES or callee in RING_OUT_FAILURES:
        return Call.State.ENDED, "Failed"
    return Call.State.ENDED, "No Answer"


def ring_out_failure(status: rc.RingOutStatus) -> str:
    """The sentence for a RingOut that failed at once (international disabled, blocked…), else ""."""
    for value in (status.callee_status, status.call_status, status.caller_status):
        if value in RING_OUT_FAILURES and value not in ("Rejected", "CannotReach"):
            return RING_OUT_FAILURES[value]
    return ""


def explain(exc: rc.RingCentralError) -> str:
    if isinstance(exc, rc.InvalidRequest) and "international" in exc.message.lower():
        return "International calling is disabled for your RingCentral user."
    return plain_errors.explain(exc, failed="the call was not placed", refused="place this call")


def _new_call(resource: Resource, target: DialTarget) -> Call:
    now = timezone.now()
    with transaction.atomic():
        return Call.objects.create(
            entity=resource.entity,
            resource=resource,
            direction=Call.Direction.OUTBOUND,
            state=Call.State.DIALLING,
            to_number=target.number,
            to_name=target.name,
            extension_id=resource.ringcentral_extension_id,
            customer=target.customer,
            contact=target.contact,
            matched_on=f"{target.label} {target.display_number}",
            started_at=now,
            popped_up_at=now,
        )


def _dial(resource: Resource, number: str) -> tuple[str, str, str]:
    """Ask RingCentral to place the call: (telephony session id, our party id, RingOut id)."""
    with rc.session_for(resource) as session:
        if resource.answer_on in (Resource.AnswerOn.PC, Resource.AnswerOn.BROWSER):
            device_id = _calling_device(resource, session)
            placed = rc.call_out(session, device_id=device_id, to_number=number)
            ours = next(
                (p for p in placed.parties if p.extension_id == resource.ringcentral_extension_id), None
            )
            return placed.id, ours.id if ours else "", ""
        status = rc.ring_out(session, from_number="", to_number=number, play_prompt=False)
        failure = ring_out_failure(status)
        if failure:
            raise DialError(failure)
        return "", "", status.id


def _calling_device(resource: Resource, session: rc.Session) -> str:
    # "Answer in browser": RingCentral calls out from the browser's own WebPhone device, and the
    # browser's phone picks the call up by itself (an auto-answer INVITE), then rings the number.
    if resource.answer_on == Resource.AnswerOn.BROWSER:
        device_id = webphone_device_id(resource)
        if not device_id:
            raise DialError("Your browser phone is not ready yet: reload the page and try again.")
        return device_id
    device_id = softphone_device_id(resource, session)
    if not device_id:
        raise DialError("No RingCentral softphone is set up for you: switch Answer on to Fixed phone.")
    return device_id


def place_call(*, resource: Resource, target: DialTarget) -> Call:
    """Dial `target` for the resource (RingOut to the desk phone, or call-out from the softphone),
    show the wizard in every tab of the user, and return the call. DialError says why not."""
    if not resource.ringcentral_active:
        raise DialError("RingCentral is switched off for you: switch it on from the phone icon first.")
    call = _new_call(resource, target)
    try:
        session_id, party_id, ring_out_id = _dial(resource, target.number)
    except rc.RingCentralError as exc:
        call.delete()
        raise DialError(explain(exc)) from exc
    except DialError:
        call.delete()
        raise
    shown_before = call.popped_up_at
    call = _record_dialled(call, session_id=session_id, party_id=party_id, ring_out_id=ring_out_id)
    if call.popped_up_at != shown_before:  # its first events popped it already: show the record
        composer.push_chosen(call)
    else:
        composer.push_popup(call)
    return call


def _record_dialled(call: Call, *, session_id: str, party_id: str, ring_out_id: str) -> Call:
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        call.ring_out_id = ring_out_id
        call.party_id = call.party_id or party_id
        if session_id and not call.telephony_session_id:
            other = Call.objects.filter(
                entity_id=call.entity_id, telephony_session_id=session_id, extension_id=call.extension_id
            ).first()
            if other is not None:  # its events came first and made their own row: keep that one
                return _adopt(other, dialled=call)
            call.telephony_session_id = session_id
        call.save()
    return call


def _adopt(row: Call, *, dialled: Call) -> Call:
    row.customer, row.contact, row.matched_on = dialled.customer, dialled.contact, dialled.matched_on
    # Its events may have popped it already (a call placed from the phone pops): then it keeps that time.
    row.popped_up_at = row.popped_up_at or dialled.popped_up_at
    row.ring_out_id = dialled.ring_out_id
    dialled.delete()
    row.save()
    return row


def claim_dialled_call(
    *, resource: Resource, notification: TelephonyNotification, party: PartyChange
) -> Call | None:
    """The first event of a call we dialled: link it to the row made when the user clicked.

    Called under the ingest transaction before a new row would be created for the session. The
    dialled number on our party identifies it; a RingOut's first leg (RingCentral calling the
    user's own phone) may not show it yet, so a RingOut/call-out event with one call pending of
    this user is that call."""
    placed_by_us = notification.origin in ("RingOut", "CallOut")
    if party.direction.lower() != "outbound" and not placed_by_us:
        return None
    pending_calls = Call.objects.select_for_update().filter(
        entity=resource.entity,
        resource=resource,
        direction=Call.Direction.OUTBOUND,
        telephony_session_id="",
        state__in=Call.LIVE_STATES,
        created_at__gte=timezone.now() - CLAIM_WITHIN,
    )
    pending = pending_calls.filter(to_number=party.to_number).order_by("-created_at").first()
    first_leg = party.direction.lower() == "inbound" or not party.to_number or party.to_extension_id
    if pending is None and placed_by_us and first_leg:
        only = list(pending_calls[:2])
        pending = only[0] if len(only) == 1 else None
    if pending is None:
        return None
    pending.telephony_session_id = notification.telephony_session_id
    pending.session_id = notification.session_id
    pending.party_id = pending.party_id or party.party_id
    pending.from_number = pending.from_number or party.from_number
    pending.from_name = pending.from_name or party.from_name
    try:
        with transaction.atomic():
            pending.save()
    except IntegrityError:  # the session has its row already (claimed a moment ago)
        return None
    return pending


def refresh_ring_out(*, call: Call) -> bool:
    """A RingOut RingCentral has not reported through events yet (e.g. events are delayed or the
    subscription is down): ask for its status and follow it. Returns whether the call changed."""
    if not call.ring_out_id or call.telephony_session_id or not call.is_live or call.resource is None:
        return False
    with rc.session_for(call.resource) as session:
        status = rc.ring_out_status(session, call.ring_out_id)
    state, result = ring_out_outcome(status)
    if not state or state == call.state:
        return False
    with transaction.atomic():
        changes: dict[str, Any] = {"state": state, "result": result or call.result}
        if state == Call.State.ON_CALL and call.answered_at is None:
            changes["answered_at"] = timezone.now()
        if state == Call.State.ENDED:
            changes["ended_at"] = timezone.now()
            if call.answered_at:
                changes["duration_seconds"] = int((changes["ended_at"] - call.answered_at).total_seconds())
        # Only while no event has claimed the row: events, when they come, are the better source.
        if not Call.objects.filter(pk=call.pk, telephony_session_id="").update(**changes):
            return False
    call.refresh_from_db()
    return True

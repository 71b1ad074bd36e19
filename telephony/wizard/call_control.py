"""Driving a live call from the wizard through RingCentral's Call Control API.

We never change our Call's state here: RingCentral reports the new state in its events and the
wizard follows them. The one exception is a call still being placed that RingCentral has not
reported yet: hanging it up cancels the RingOut and ends our row, since no event ever will.
Errors come back as sentences a person can act on.
"""

from django.db import transaction
from django.utils import timezone

from crm.models import Resource
from telephony import plain_errors
from telephony import ringcentral as rc
from telephony.connect.devices import softphone_device_id
from telephony.models import Call
from telephony.webphone.credentials import webphone_device_id
from telephony.wizard import composer

ACTIONS = ("answer", "hangup", "mute", "unmute", "hold", "unhold")


class CallControlError(Exception):
    """Something the user should read in the wizard."""


def _explain(exc: rc.RingCentralError, action: str) -> str:
    if isinstance(exc, rc.InvalidRequest) and exc.error_code in ("TAS-102", "TAS-101"):
        return f"The call cannot be put {'on hold' if 'hold' in action else 'in that state'} right now."
    verb = action.replace("hangup", "hang up")
    if isinstance(exc, rc.RingCentralUnavailable):
        return "RingCentral is not answering right now. Try again in a moment, or use your phone."
    if isinstance(exc, rc.InvalidRequest | rc.NotFound | rc.RateLimited | rc.AuthExpired):
        return plain_errors.explain(exc, failed=f"the call was not {verb}", refused=f"{verb} this call")
    return f"RingCentral refused to {verb} this call: {exc.message}"


def call_control(*, call: Call, resource: Resource, action: str) -> None:
    """Perform one wizard button on the call. Raises CallControlError with a readable message."""
    if action not in ACTIONS:
        raise CallControlError("Unknown call action.")
    if not call.is_live:
        raise CallControlError("This call has already ended.")
    if not call.telephony_session_id:  # a call dialled a moment ago that RingCentral has not reported yet
        if action == "hangup":
            return cancel_dialled_call(call=call, resource=resource)
        raise CallControlError("The call is still being placed. Try again in a moment.")
    ids = {"telephony_session_id": call.telephony_session_id, "party_id": call.party_id}
    try:
        with rc.session_for(resource) as session:
            if action == "answer":
                rc.answer(session, device_id=_answering_device(resource, session), **ids)
            elif action == "hangup":
                rc.drop(session, telephony_session_id=call.telephony_session_id)
            elif action in ("mute", "unmute"):
                rc.set_muted(session, muted=action == "mute", **ids)
            elif action == "hold":
                rc.hold(session, **ids)
            else:
                rc.unhold(session, **ids)
    except rc.RingCentralError as exc:
        raise CallControlError(_explain(exc, action)) from exc


def _answering_device(resource: Resource, session: rc.Session) -> str:
    # With "Answer in browser" the browser tab holding the phone answers the SIP call itself
    # (static/js/phone.js); this path serves the others: RingCentral moves the call to the
    # browser's device, which picks it up on its own.
    if resource.answer_on == Resource.AnswerOn.BROWSER:
        device_id = webphone_device_id(resource)
        if not device_id:
            raise CallControlError(
                "Your browser phone is not ready: reload the page, or pick up your desk phone."
            )
        return device_id
    device_id = softphone_device_id(resource, session)
    if not device_id:
        raise CallControlError("No RingCentral softphone is set up for you: pick up your desk phone.")
    return device_id


def cancel_dialled_call(*, call: Call, resource: Resource) -> None:
    """Hang up a RingOut before RingCentral reported its call (DELETE ring-out), and end our row:
    no event will ever end it. Raises CallControlError with a readable message."""
    if call.ring_out_id:
        try:
            with rc.session_for(resource) as session:
                rc.cancel_ring_out(session, call.ring_out_id)
        except rc.NotFound:
            pass  # connected or over already: its events follow
        except rc.RingCentralError as exc:
            message = plain_errors.explain(
                exc, failed="the call was not cancelled", refused="cancel this call"
            )
            raise CallControlError(message) from exc
    with transaction.atomic():
        updated = Call.objects.filter(pk=call.pk, telephony_session_id="", state__in=Call.LIVE_STATES).update(
            state=Call.State.ENDED, result="Cancelled", ended_at=timezone.now()
        )
        if updated:
            call.refresh_from_db()
            composer.push_live_parts(call)

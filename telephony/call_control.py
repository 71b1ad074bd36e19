"""Driving a live call from the wizard through RingCentral's Call Control API.

We never change our Call's state here: RingCentral reports the new state in its events and the
wizard follows them. Errors come back as sentences a person can act on.
"""

from django.core.cache import cache

from crm.models import Resource
from telephony import ringcentral as rc
from telephony.models import Call

ACTIONS = ("answer", "hangup", "mute", "unmute", "hold", "unhold")
SOFTPHONE_TYPES = {"softphone", "webrtc", "otherphone"}


class CallControlError(Exception):
    """Something the user should read in the wizard."""


def softphone_device_id(resource: Resource, session: rc.Session) -> str:
    """The device 'Answer on PC' answers on: the resource's RingCentral softphone."""
    key = f"rc-softphone-{resource.pk}-{resource.ringcentral_extension_id}"
    device_id = cache.get(key)
    if device_id is None:
        devices = rc.list_devices(session, resource.ringcentral_extension_id or "~")
        softphones = [d for d in devices if d.type.lower() in SOFTPHONE_TYPES]
        device_id = softphones[0].id if softphones else ""
        cache.set(key, device_id, 3600)
    return device_id


def _explain(exc: rc.RingCentralError, action: str) -> str:
    if isinstance(exc, rc.NotFound):
        return "This call has already ended."
    if isinstance(exc, rc.RateLimited):
        return f"RingCentral asks us to slow down. Try again in {int(exc.retry_after) or 1} seconds."
    if isinstance(exc, rc.AuthExpired):
        return "Your RingCentral authorization has expired. Click the red phone icon to authorize again."
    if isinstance(exc, rc.RingCentralUnavailable):
        return "RingCentral is not answering right now. Try again in a moment, or use your phone."
    if isinstance(exc, rc.InvalidRequest) and exc.error_code in ("TAS-102", "TAS-101"):
        return f"The call cannot be put {'on hold' if 'hold' in action else 'in that state'} right now."
    return f"RingCentral refused to {action.replace('hangup', 'hang up')} this call: {exc.message}"


def call_control(*, call: Call, resource: Resource, action: str) -> None:
    """Perform one wizard button on the call. Raises CallControlError with a readable message."""
    if action not in ACTIONS:
        raise CallControlError("Unknown call action.")
    if not call.is_live:
        raise CallControlError("This call has already ended.")
    if not call.telephony_session_id:  # a call dialled a moment ago that RingCentral has not reported yet
        if action == "hangup":
            from telephony.outbound import cancel_dialled_call

            return cancel_dialled_call(call=call, resource=resource)
        raise CallControlError("The call is still being placed. Try again in a moment.")
    ids = {"telephony_session_id": call.telephony_session_id, "party_id": call.party_id}
    try:
        with rc.session_for(resource) as session:
            if action == "answer":
                device_id = softphone_device_id(resource, session)
                if not device_id:
                    raise CallControlError(
                        "No RingCentral softphone is set up for you: pick up your desk phone."
                    )
                rc.answer(session, device_id=device_id, **ids)
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

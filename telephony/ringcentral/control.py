"""Call Control (telephony sessions and parties) and RingOut."""

from telephony.ringcentral.errors import InvalidRequest
from telephony.ringcentral.session import Session, get_json, post_json, request
from telephony.ringcentral.transport import json_body
from telephony.ringcentral.types import CallParty, CallSession, RingOutStatus

SESSIONS_PATH = "/restapi/v1.0/account/~/telephony/sessions"
RING_OUT_PATH = "/restapi/v1.0/account/~/extension/~/ring-out"


def _party_path(telephony_session_id: str, party_id: str, action: str = "") -> str:
    path = f"{SESSIONS_PATH}/{telephony_session_id}/parties/{party_id}"
    return f"{path}/{action}" if action else path


def _party_action(
    session: Session, telephony_session_id: str, party_id: str, action: str, body: dict | None = None
) -> CallParty:
    return CallParty.from_api(
        post_json(session, _party_path(telephony_session_id, party_id, action), body=body)
    )


def get_call_session(session: Session, telephony_session_id: str) -> CallSession:
    return CallSession.from_api(get_json(session, f"{SESSIONS_PATH}/{telephony_session_id}"))


def answer(session: Session, *, telephony_session_id: str, party_id: str, device_id: str) -> CallParty:
    """Answer a ringing call on the given device (e.g. the user's softphone)."""
    return _party_action(session, telephony_session_id, party_id, "answer", {"deviceId": device_id})


def hold(session: Session, *, telephony_session_id: str, party_id: str) -> CallParty:
    return _party_action(session, telephony_session_id, party_id, "hold")


def unhold(session: Session, *, telephony_session_id: str, party_id: str) -> CallParty:
    return _party_action(session, telephony_session_id, party_id, "unhold")


def set_muted(session: Session, *, telephony_session_id: str, party_id: str, muted: bool) -> CallParty:
    # RingCentral's guide and its call-control SDK send {"muted": …}; the schema also allows
    # {"party": {…}}. The documented form is the one the real service is known to accept.
    response = request(
        session, "PATCH", _party_path(telephony_session_id, party_id), body={"muted": bool(muted)}
    )
    return CallParty.from_api(json_body(response, what="mute"))


def reject(session: Session, *, telephony_session_id: str, party_id: str) -> None:
    """Stop ringing here; the caller goes on to the next target or voicemail."""
    post_json(session, _party_path(telephony_session_id, party_id, "reject"))


def ignore(session: Session, *, telephony_session_id: str, party_id: str, device_id: str) -> None:
    """Call-queue agents: stop ringing on this device."""
    post_json(session, _party_path(telephony_session_id, party_id, "ignore"), body={"deviceId": device_id})


def drop(session: Session, *, telephony_session_id: str) -> None:
    """Hang up the whole call (DELETE session; party DELETE is only for supervised/parked parties)."""
    request(session, "DELETE", f"{SESSIONS_PATH}/{telephony_session_id}")


def _target(**kwargs: str) -> dict:
    given = {key: value for key, value in kwargs.items() if value}
    if len(given) != 1:
        raise InvalidRequest(f"Give exactly one destination ({', '.join(kwargs)}); got {len(given)}.")
    return given


def forward(
    session: Session,
    *,
    telephony_session_id: str,
    party_id: str,
    phone_number: str = "",
    extension_number: str = "",
    extension_id: str = "",
    voicemail: str = "",
) -> CallParty:
    """Send a still-ringing call elsewhere (exactly one destination). Returns the forwarded party,
    now `Disconnected` with reason `BlindTransfer`; the target's new party arrives by notification.
    A call that is not ringing any more: `InvalidRequest` (409 TAS-102)."""
    body = _target(
        phoneNumber=phone_number,
        extensionNumber=extension_number,
        extensionId=extension_id,
        voicemail=voicemail,
    )
    return _party_action(session, telephony_session_id, party_id, "forward", body)


def transfer(
    session: Session,
    *,
    telephony_session_id: str,
    party_id: str,
    phone_number: str = "",
    extension_number: str = "",
    extension_id: str = "",
    voicemail: str = "",
    park_orbit: str = "",
) -> CallParty:
    """Blind-transfer an answered (or held) call (exactly one destination). Returns the user's
    party, now `Disconnected` with reason `BlindTransfer`; the target's new party arrives by
    notification. A ringing or finished party: `InvalidRequest` (409 TAS-102); an ended call:
    `NotFound`."""
    body = _target(
        phoneNumber=phone_number,
        extensionNumber=extension_number,
        extensionId=extension_id,
        voicemail=voicemail,
        parkOrbit=park_orbit,
    )
    return _party_action(session, telephony_session_id, party_id, "transfer", body)


def bridge(
    session: Session,
    *,
    telephony_session_id: str,
    party_id: str,
    consult_session_id: str,
    consult_party_id: str,
) -> CallParty:
    """Complete a warm transfer: join the far end of the held call (`telephony_session_id`, the
    user's `party_id` in it) with the far end of the consult call (the user's party there); the
    user leaves both. Returns the user's party in the held call, `Gone` with reason
    `AttendedTransfer` and `peer_*` naming the consult party. Wrong states (consult not answered,
    call ended): `InvalidRequest` (409 TAS-102) or `NotFound`."""
    body = {"telephonySessionId": consult_session_id, "partyId": consult_party_id}
    return _party_action(session, telephony_session_id, party_id, "bridge", body)


def ring_out(
    session: Session, *, from_number: str, to_number: str, play_prompt: bool = False
) -> RingOutStatus:
    """Click-to-dial: RingCentral calls `from_number` first, then connects it to `to_number`."""
    body = {"to": {"phoneNumber": to_number}, "playPrompt": bool(play_prompt)}
    if from_number:
        body["from"] = {"phoneNumber": from_number}
    return RingOutStatus.from_api(post_json(session, RING_OUT_PATH, body=body))


def ring_out_status(session: Session, ring_out_id: str) -> RingOutStatus:
    return RingOutStatus.from_api(get_json(session, f"{RING_OUT_PATH}/{ring_out_id}"))


def cancel_ring_out(session: Session, ring_out_id: str) -> None:
    request(session, "DELETE", f"{RING_OUT_PATH}/{ring_out_id}")

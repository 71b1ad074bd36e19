"""Presence (available / busy / Do Not Disturb) and device-based call-out (API.md §4.5, §5)."""

from dataclasses import dataclass

from telephony.ringcentral.account import all_records
from telephony.ringcentral.errors import InvalidRequest
from telephony.ringcentral.session import Session, get_json, post_json, request
from telephony.ringcentral.transport import json_body
from telephony.ringcentral.types import CallSession, as_dict

CALL_OUT_PATH = "/restapi/v1.0/account/~/telephony/call-out"
ACCOUNT_PRESENCE_PATH = "/restapi/v1.0/account/~/presence"
DND_STATUSES = (
    "TakeAllCalls",
    "DoNotAcceptAnyCalls",
    "DoNotAcceptDepartmentCalls",
    "TakeDepartmentCallsOnly",
)


def presence_path(extension_id: str = "~") -> str:
    return f"/restapi/v1.0/account/~/extension/{extension_id or '~'}/presence"


@dataclass(frozen=True)
class Presence:
    extension_id: str
    presence_status: str  # Offline | Busy | Available
    telephony_status: str  # NoCall | Ringing | CallConnected | OnHold | ParkedCall
    user_status: str
    dnd_status: str  # TakeAllCalls | DoNotAcceptAnyCalls | …
    sequence: int | None = None

    @property
    def do_not_disturb(self) -> bool:
        return self.dnd_status == "DoNotAcceptAnyCalls"

    @classmethod
    def from_api(cls, data: dict) -> "Presence":
        extension = as_dict(data.get("extension"))
        sequence = data.get("sequence")
        return cls(
            extension_id=str(data.get("extensionId") or extension.get("id") or ""),
            presence_status=str(data.get("presenceStatus") or ""),
            telephony_status=str(data.get("telephonyStatus") or ""),
            user_status=str(data.get("userStatus") or ""),
            dnd_status=str(data.get("dndStatus") or ""),
            sequence=sequence if isinstance(sequence, int) and not isinstance(sequence, bool) else None,
        )


def get_presence(session: Session, extension_id: str = "~") -> Presence:
    """One user's presence (a colleague's too: any extension id of the account)."""
    return Presence.from_api(get_json(session, presence_path(extension_id)))


def list_presence(session: Session, *, per_page: int = 100) -> list[Presence]:
    """Every extension's presence in one paged read (Heavy group), e.g. for a colleague picker.
    Extensions that are not users come back `Offline` with no telephony or DND status."""
    return [Presence.from_api(r) for r in all_records(session, ACCOUNT_PRESENCE_PATH, {"perPage": per_page})]


def set_dnd_status(session: Session, *, dnd_status: str, extension_id: str = "~") -> Presence:
    """Do Not Disturb on (`DoNotAcceptAnyCalls`) or off (`TakeAllCalls`); returns the new presence."""
    if dnd_status not in DND_STATUSES:
        raise InvalidRequest(f"Unknown dndStatus {dnd_status!r}.")
    response = request(session, "PUT", presence_path(extension_id), body={"dndStatus": dnd_status})
    return Presence.from_api(json_body(response, what="presence update"))


def call_out(
    session: Session,
    *,
    to_number: str = "",
    to_extension_number: str = "",
    device_id: str = "",
    extension_id: str = "",
) -> CallSession:
    """Start a call from one of the user's devices (e.g. the softphone the caller is held on, for
    the consult call of a warm transfer) to a number or a colleague's extension number."""
    if bool(device_id) == bool(extension_id):
        raise InvalidRequest("Give exactly one of device_id or extension_id to call out from.")
    if bool(to_number) == bool(to_extension_number):
        raise InvalidRequest("Give exactly one of to_number or to_extension_number to call.")
    source = {"deviceId": device_id} if device_id else {"extensionId": extension_id}
    dest = {"phoneNumber": to_number} if to_number else {"extensionNumber": to_extension_number}
    body = post_json(session, CALL_OUT_PATH, body={"from": source, "to": dest})
    return CallSession.from_api(body.get("session") or {})

"""Notification shapes and event-filter matching — pure functions (API.md §0, §2.5, §4).

An event filter is resolved once, when a subscription is made (`~` → ids), and kept as text;
`matches()` decides per party whether a notification goes to a subscription.
"""

import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl

from .machine import CallSession, Event, iso_now

API = "/restapi/v1.0"
_TELEPHONY = re.compile(
    r"^/restapi/v1\.0/account/([^/?]+)(?:/extension/([^/?]+))?/telephony/sessions/?(?:\?(.*))?$"
)
_PRESENCE = re.compile(r"^/restapi/v1\.0/account/([^/?]+)(?:/extension/([^/?]+))?/presence/?(?:\?(.*))?$")
_MESSAGES = re.compile(r"^/restapi/v1\.0/account/([^/?]+)/extension/([^/?]+)/message-store/?(?:\?(.*))?$")
_VOICEMAIL = re.compile(r"^/restapi/v1\.0/account/([^/?]+)/extension/([^/?]+)/voicemail/?(?:\?(.*))?$")
_OTHER = re.compile(
    r"^/restapi/v1\.0/(?:account/([^/?]+)(?:/extension/([^/?]+))?"
    r"(?:/message-store(?:/instant)?|/presence/line(?:/presence)?|/favorite/presence|/directory/contacts"
    r"|/extension)?"
    r"|subscription/~)/?(?:\?(.*))?$"
)
TELEPHONY_PARAMS = {"direction", "missedCall", "phoneNumber", "sipData", "statusCode", "withRecordings"}


class InvalidFilter(ValueError):
    """A filter we cannot subscribe to; `error_code` follows API.md §2.1."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code


@dataclass(frozen=True)
class Filter:
    kind: str  # telephony | presence | messages | voicemail | other
    account_id: str
    extension_id: str
    params: dict
    text: str


def new_uuid() -> str:
    """Notification ids look like RingCentral's: a 19-digit decimal string."""
    return str(secrets.randbits(63) | (1 << 62))


def _classify(text: str) -> tuple[str, re.Match | None]:
    patterns = (
        ("telephony", _TELEPHONY),
        ("presence", _PRESENCE),
        ("messages", _MESSAGES),
        ("voicemail", _VOICEMAIL),
        ("other", _OTHER),
    )
    for kind, pattern in patterns:
        match = pattern.match(text)
        if match:
            return kind, match
    return "", None


def resolve_filter(raw: str, *, account_id: str, extension_id: str) -> Filter:
    """Replace `~` with the owner's ids; refuse filters RingCentral would refuse."""
    text = raw.strip()
    kind, match = _classify(text)
    if match is None:
        raise InvalidFilter("SUB-508", f"Invalid event filters: [{raw}]")
    acc, ext, query = match.group(1), match.group(2), match.group(3)
    acc = account_id if acc in (None, "~") else acc
    ext = extension_id if ext == "~" else (ext or "")
    if acc != account_id:
        raise InvalidFilter("SUB-406", "Not allowed to subscribe for extensions of other account")
    resolved = re.sub(r"/account/~", f"/account/{acc}", text)
    resolved = re.sub(r"/extension/~", f"/extension/{ext}", resolved)
    params = dict(parse_qsl(query or ""))
    return Filter(kind=kind, account_id=acc, extension_id=ext, params=params, text=resolved)


def telephony_event_path(account_id: str, extension_id: str) -> str:
    if extension_id:
        return f"{API}/account/{account_id}/extension/{extension_id}/telephony/sessions"
    return f"{API}/account/{account_id}/telephony/sessions"


def telephony_matches(flt: Filter, party: dict) -> bool:
    if flt.kind != "telephony" or flt.account_id != party.get("accountId"):
        return False
    if flt.extension_id and flt.extension_id != party.get("extensionId"):
        return False
    params = flt.params
    if "direction" in params and params["direction"] != party["direction"]:
        return False
    if params.get("missedCall") == "true" and not party.get("missedCall"):
        return False
    if "statusCode" in params and params["statusCode"].lower() != party["status"]["code"].lower():
        return False
    if "phoneNumber" in params:
        numbers = {party.get("from", {}).get("phoneNumber"), party.get("to", {}).get("phoneNumber")}
        if params["phoneNumber"].replace(" ", "+") not in numbers:
            return False
    return True


def presence_matches(flt: Filter, extension_id: str) -> bool:
    if flt.kind != "presence":
        return False
    return not flt.extension_id or flt.extension_id == extension_id


def message_matches(flt: Filter, *, extension_id: str, message_type: str, direction: str) -> bool:
    """A new or changed message of `extension_id`: `/message-store[?type=…&direction=…]` and
    `/voicemail` (voicemail only) filters of that extension match."""
    if flt.kind not in ("messages", "voicemail") or flt.extension_id != extension_id:
        return False
    if flt.kind == "voicemail":
        return message_type.lower() == "voicemail"
    wanted_type = flt.params.get("type") or flt.params.get("messageType")
    if wanted_type and wanted_type.lower() != message_type.lower():
        return False
    return not flt.params.get("direction") or flt.params["direction"].lower() == direction.lower()


def telephony_body(session: CallSession, event: Event) -> dict:
    return {
        "sequence": event.sequence,
        "sessionId": session.session_id,
        "telephonySessionId": session.telephony_session_id,
        "serverId": session.server_id,
        "eventTime": event.event_time,
        "parties": [event.party],
        "origin": {"type": session.origin_type},
    }


def envelope(*, event: str, body: dict, subscription_id: str, owner_id: str, uuid: str | None = None) -> dict:
    return {
        "uuid": uuid or new_uuid(),
        "event": event,
        "timestamp": iso_now(),
        "subscriptionId": subscription_id,
        "ownerId": str(owner_id),
        "body": body,
    }


TELEPHONY_STATUS = {
    "Setup": "Ringing",
    "Proceeding": "Ringing",
    "Answered": "CallConnected",
    "Hold": "OnHold",
    "VoiceMail": "CallConnected",
}


def extension_status(events: list[Event], extension_id: str) -> str:
    """The extension's presence `telephonyStatus` after these events (its parties' latest codes)."""
    latest: dict[str, str] = {}
    for event in events:
        if event.party.get("extensionId") == extension_id:
            latest[event.party["id"]] = event.party["status"]["code"]
    live = [TELEPHONY_STATUS[code] for code in latest.values() if code in TELEPHONY_STATUS]
    return live[-1] if live else "NoCall"


def presence_changes(session: CallSession, events: list[Event]) -> list[str]:
    """Extensions whose presence status changed with these (newest) events of the session."""
    earlier = session.events[: len(session.events) - len(events)]
    touched = dict.fromkeys(e.party["extensionId"] for e in events if e.party.get("extensionId"))
    return [ext for ext in touched if extension_status(earlier, ext) != extension_status(session.events, ext)]


def presence_body(
    *,
    extension_id: str,
    sessions: list[CallSession],
    sequence: int,
    dnd_status: str = "TakeAllCalls",
    user_status: str = "Available",
) -> dict:
    """Detailed presence of one extension, computed from its calls (e.g. the one that just changed)."""
    calls = []
    # Oldest call first, so the status is the newest live call's (a consult call over a held one).
    sessions = sorted(sessions, key=lambda s: s.creation_time)
    for session, party in ((s, p) for s in sessions for p in s.parties):
        if party.extension_id != extension_id:
            continue
        calls.append(
            {
                "id": party.id.removeprefix("p-"),
                "direction": party.direction,
                "from": party.from_.phone_number,
                "fromName": party.from_.name,
                "to": party.to.phone_number,
                "toName": party.to.name,
                "startTime": session.creation_time,
                "telephonyStatus": TELEPHONY_STATUS.get(party.status, "NoCall"),
                "sessionId": session.session_id,
                "telephonySessionId": session.telephony_session_id,
                "partyId": party.id,
                "queueCall": False,
                **({"terminationType": "final"} if not party.live else {}),
            }
        )
    live = [c for c in calls if c["telephonyStatus"] != "NoCall"]
    status = live[-1]["telephonyStatus"] if live else "NoCall"
    return {
        "extensionId": extension_id,
        "telephonyStatus": status,
        "activeCalls": calls,
        "sequence": sequence,
        "presenceStatus": "Busy" if live or user_status == "Busy" else user_status,
        "userStatus": user_status,
        "dndStatus": dnd_status,
        "meetingStatus": "Disconnected",
        "allowSeeMyPresence": True,
        "ringOnMonitoredCall": False,
        "pickUpCallsOnHold": False,
        "totalActiveCalls": len(live),
    }

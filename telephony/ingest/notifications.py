"""Reading RingCentral telephony-session notifications into plain, validated values.

RingCentral's envelope is `{uuid, event, timestamp, subscriptionId, ownerId, body}`; a telephony
body carries `sequence`, `telephonySessionId`, `sessionId`, `eventTime` and `parties` (one per
notification in practice, but we accept several). Anything else is a MalformedNotification.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from django.utils.dateparse import parse_datetime


class MalformedNotification(ValueError):
    """The payload is not a RingCentral notification we can read."""


@dataclass(frozen=True)
class PartyChange:
    party_id: str
    extension_id: str
    direction: str  # RingCentral's technical direction from the party's point of view
    status_code: str
    status_reason: str
    from_number: str
    from_name: str
    from_extension_id: str
    to_number: str
    to_name: str
    to_extension_id: str
    muted: bool
    missed_call: bool
    recording_ids: tuple[str, ...]


@dataclass(frozen=True)
class TelephonyNotification:
    uuid: str
    subscription_id: str
    owner_id: str
    telephony_session_id: str
    session_id: str
    sequence: int
    event_time: datetime | None
    origin: str
    parties: tuple[PartyChange, ...]


def _text(value: object, field: str, *, required: bool = False, limit: int = 200) -> str:
    if value is None or value == "":
        if required:
            raise MalformedNotification(f"missing {field}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedNotification(f"{field} must be a string")
    text = str(value)
    if len(text) > limit:
        raise MalformedNotification(f"{field} is too long")
    return text


def _endpoint(value: object, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedNotification(f"{field} must be an object")
    return value


def _party(raw: object) -> PartyChange:
    if not isinstance(raw, dict):
        raise MalformedNotification("a party must be an object")
    status = raw.get("status")
    if not isinstance(status, dict):
        raise MalformedNotification("party.status must be an object")
    source, target = _endpoint(raw.get("from"), "party.from"), _endpoint(raw.get("to"), "party.to")
    recordings = raw.get("recordings") or []
    if not isinstance(recordings, list):
        raise MalformedNotification("party.recordings must be a list")
    return PartyChange(
        party_id=_text(raw.get("id"), "party.id", required=True),
        extension_id=_text(raw.get("extensionId"), "party.extensionId", limit=32),
        direction=_text(raw.get("direction"), "party.direction", limit=16),
        status_code=_text(status.get("code"), "party.status.code", required=True, limit=40),
        status_reason=_text(status.get("reason"), "party.status.reason", limit=60),
        from_number=_text(source.get("phoneNumber"), "party.from.phoneNumber", limit=40),
        from_name=_text(source.get("name"), "party.from.name"),
        from_extension_id=_text(source.get("extensionId"), "party.from.extensionId", limit=32),
        to_number=_text(target.get("phoneNumber"), "party.to.phoneNumber", limit=40),
        to_name=_text(target.get("name"), "party.to.name"),
        to_extension_id=_text(target.get("extensionId"), "party.to.extensionId", limit=32),
        muted=raw.get("muted") is True,
        missed_call=raw.get("missedCall") is True,
        recording_ids=tuple(
            _text(r.get("id"), "recording.id", limit=40) for r in recordings if isinstance(r, dict)
        ),
    )


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class Envelope:
    """Any notification, read once at the door: its envelope fields and the raw payload."""

    uuid: str
    subscription_id: str
    event: str
    payload: dict

    @property
    def is_telephony(self) -> bool:
        return "/telephony/sessions" in self.event

    @property
    def is_presence(self) -> bool:
        return "/presence" in self.event and not self.is_telephony


def read_envelope(payload: object) -> Envelope:
    """The envelope of any notification, or MalformedNotification."""
    if not isinstance(payload, dict):
        raise MalformedNotification("the notification must be a JSON object")
    # PostgreSQL's jsonb refuses NUL and lone UTF-16 surrogates; no real notification has them.
    # ... nor NaN/Infinity, which Python's JSON reader accepts.
    try:
        text = json.dumps(payload, ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise MalformedNotification("the notification contains NaN or Infinity") from None
    if "\\u0000" in text:
        raise MalformedNotification("the notification contains NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedNotification("the notification contains invalid characters") from None
    return Envelope(
        uuid=_text(payload.get("uuid"), "uuid", required=True, limit=64),
        subscription_id=_text(payload.get("subscriptionId"), "subscriptionId", required=True, limit=64),
        event=str(payload.get("event", ""))[:500],
        payload=payload,
    )


def read_telephony(envelope: Envelope | dict) -> TelephonyNotification:
    """A telephony-session notification's body, validated; MalformedNotification otherwise."""
    if not isinstance(envelope, Envelope):
        envelope = read_envelope(envelope)
    payload = envelope.payload
    body = payload.get("body")
    if not isinstance(body, dict):
        raise MalformedNotification("body must be an object")
    sequence = body.get("sequence")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise MalformedNotification("body.sequence must be a non-negative integer")
    parties = body.get("parties")
    if not isinstance(parties, list) or not parties or len(parties) > 50:
        raise MalformedNotification("body.parties must be a non-empty list")
    raw_origin = body.get("origin")
    origin: dict = raw_origin if isinstance(raw_origin, dict) else {}
    return TelephonyNotification(
        uuid=envelope.uuid,
        subscription_id=envelope.subscription_id,
        owner_id=_text(payload.get("ownerId"), "ownerId", limit=32),
        telephony_session_id=_text(
            body.get("telephonySessionId"), "body.telephonySessionId", required=True, limit=64
        ),
        session_id=_text(body.get("sessionId"), "body.sessionId", limit=32),
        sequence=sequence,
        event_time=_when(body.get("eventTime")),
        origin=_text(origin.get("type"), "body.origin.type", limit=30),
        parties=tuple(_party(p) for p in parties),
    )

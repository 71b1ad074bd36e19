"""Typed results. Each `from_api` reads RingCentral's JSON defensively: ids become strings
(RingCentral sends extension ids as numbers in some payloads and strings in others)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime


def as_dict(value: object) -> dict:
    """A JSON object from RingCentral, or {} when the field is missing or of another shape."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list:
    """A JSON array from RingCentral, or [] when the field is missing or of another shape."""
    return value if isinstance(value, list) else []


def _str(value: object) -> str:
    return "" if value is None else str(value)


def _when(value: object) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(str(value).replace("+0000", "+00:00"))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


@dataclass(frozen=True)
class TokenSet:
    """What the token endpoint returned. Tokens are left out of repr() so they never reach logs."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime | None
    owner_extension_id: str
    scope: str
    endpoint_id: str

    @classmethod
    def from_api(cls, data: dict) -> "TokenSet":
        now = timezone.now()
        refresh_in = data.get("refresh_token_expires_in")
        return cls(
            access_token=_str(data.get("access_token")),
            refresh_token=_str(data.get("refresh_token")),
            access_expires_at=now + timedelta(seconds=float(data.get("expires_in") or 0)),
            refresh_expires_at=now + timedelta(seconds=float(refresh_in)) if refresh_in else None,
            owner_extension_id=_str(data.get("owner_id")),
            scope=_str(data.get("scope")),
            endpoint_id=_str(data.get("endpoint_id")),
        )


@dataclass(frozen=True)
class WsToken:
    uri: str
    token: str = field(repr=False)
    expires_in: int


@dataclass(frozen=True)
class Extension:
    id: str
    extension_number: str
    name: str
    type: str
    status: str
    email: str
    account_id: str = ""

    @classmethod
    def from_api(cls, data: dict) -> "Extension":
        contact = data.get("contact") or {}
        return cls(
            id=_str(data.get("id")),
            extension_number=_str(data.get("extensionNumber")),
            name=_str(data.get("name")),
            type=_str(data.get("type")),
            status=_str(data.get("status")),
            email=_str(contact.get("email")),
            account_id=_str((data.get("account") or {}).get("id")),
        )


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    type: str
    status: str
    extension_id: str

    @classmethod
    def from_api(cls, data: dict) -> "Device":
        return cls(
            id=_str(data.get("id")),
            name=_str(data.get("name")),
            type=_str(data.get("type")),
            status=_str(data.get("status")),
            extension_id=_str((data.get("extension") or {}).get("id")),
        )


@dataclass(frozen=True)
class SubscriptionInfo:
    id: str
    status: str
    expiration_time: datetime | None
    expires_in: int | None
    event_filters: list[str]
    transport: str
    address: str
    blacklisted_reason: str
    blacklisted_at: datetime | None

    @property
    def is_active(self) -> bool:
        return self.status == "Active"

    @classmethod
    def from_api(cls, data: dict) -> "SubscriptionInfo":
        delivery = data.get("deliveryMode") or {}
        blacklisted = data.get("blacklistedData") or {}
        expires_in = data.get("expiresIn")
        return cls(
            id=_str(data.get("id")),
            status=_str(data.get("status")),
            expiration_time=_when(data.get("expirationTime")),
            expires_in=int(expires_in) if expires_in is not None else None,
            event_filters=[str(f) for f in data.get("eventFilters") or []],
            transport=_str(delivery.get("transportType")),
            address=_str(delivery.get("address")),
            blacklisted_reason=_str(blacklisted.get("reason")),
            blacklisted_at=_when(blacklisted.get("blacklistedAt")),
        )


@dataclass(frozen=True)
class CallEndpoint:
    """One side of a call (`from` / `to`) as RingCentral describes it."""

    phone_number: str
    name: str
    extension_id: str
    extension_number: str
    device_id: str

    @classmethod
    def from_api(cls, data: dict | None) -> "CallEndpoint":
        data = data or {}
        device = data.get("device") or {}
        return cls(
            phone_number=_str(data.get("phoneNumber")),
            name=_str(data.get("name")),
            extension_id=_str(data.get("extensionId")),
            extension_number=_str(data.get("extensionNumber")),
            device_id=_str(data.get("deviceId") or device.get("id")),
        )


@dataclass(frozen=True)
class CallParty:
    id: str
    status_code: str
    status_reason: str
    direction: str
    muted: bool
    stand_alone: bool
    account_id: str
    extension_id: str
    from_: CallEndpoint
    to: CallEndpoint
    # A `Gone` party's replacement (warm transfer): RingCentral's fixture names the "s-…" id
    # `sessionId`, its schema `telephonySessionId`; either is read.
    peer_telephony_session_id: str = ""
    peer_party_id: str = ""

    @classmethod
    def from_api(cls, data: dict) -> "CallParty":
        status = data.get("status") or {}
        owner = data.get("owner") or {}
        raw_peer = status.get("peerId")
        peer: dict = raw_peer if isinstance(raw_peer, dict) else {}
        return cls(
            peer_telephony_session_id=_str(peer.get("telephonySessionId") or peer.get("sessionId")),
            peer_party_id=_str(peer.get("partyId")),
            id=_str(data.get("id")),
            status_code=_str(status.get("code")),
            status_reason=_str(status.get("reason")),
            direction=_str(data.get("direction")),
            muted=bool(data.get("muted")),
            stand_alone=bool(data.get("standAlone")),
            account_id=_str(data.get("accountId") or owner.get("accountId")),
            extension_id=_str(data.get("extensionId") or owner.get("extensionId")),
            from_=CallEndpoint.from_api(data.get("from")),
            to=CallEndpoint.from_api(data.get("to")),
        )


@dataclass(frozen=True)
class CallSession:
    id: str
    origin_type: str
    creation_time: datetime | None
    parties: list[CallParty]

    @classmethod
    def from_api(cls, data: dict) -> "CallSession":
        return cls(
            id=_str(data.get("id")),
            origin_type=_str((data.get("origin") or {}).get("type")),
            creation_time=_when(data.get("creationTime")),
            parties=[CallParty.from_api(p) for p in data.get("parties") or []],
        )


@dataclass(frozen=True)
class CallLogLeg:
    leg_type: str
    direction: str
    action: str
    result: str
    start_time: datetime | None
    duration: int
    master: bool
    from_: CallEndpoint
    to: CallEndpoint
    extension_id: str
    telephony_session_id: str = ""
    party_id: str = ""
    # Warm transfer: the other call of the pair (the consult call, or the call that was held).
    transfer_target_session_id: str = ""
    transferee_session_id: str = ""

    @classmethod
    def from_api(cls, data: dict) -> "CallLogLeg":
        return cls(
            telephony_session_id=_str(data.get("telephonySessionId")),
            party_id=_str(data.get("partyId")),
            transfer_target_session_id=_str((data.get("transferTarget") or {}).get("telephonySessionId")),
            transferee_session_id=_str((data.get("transferee") or {}).get("telephonySessionId")),
            leg_type=_str(data.get("legType")),
            direction=_str(data.get("direction")),
            action=_str(data.get("action")),
            result=_str(data.get("result")),
            start_time=_when(data.get("startTime")),
            duration=int(data.get("duration") or 0),
            master=bool(data.get("master")),
            from_=CallEndpoint.from_api(data.get("from")),
            to=CallEndpoint.from_api(data.get("to")),
            extension_id=_str((data.get("extension") or {}).get("id")),
        )


@dataclass(frozen=True)
class CallLogRecord:
    id: str
    session_id: str
    telephony_session_id: str
    start_time: datetime | None
    duration: int
    type: str
    direction: str
    action: str
    result: str
    from_: CallEndpoint
    to: CallEndpoint
    extension_id: str
    recording_id: str
    recording_content_uri: str
    last_modified_time: datetime | None
    legs: list[CallLogLeg]
    # The voicemail (or fax) left on this call: `message.id` in the message store, and its type.
    message_id: str = ""
    message_type: str = ""

    @classmethod
    def from_api(cls, data: dict) -> "CallLogRecord":
        recording = data.get("recording") or {}
        message = as_dict(data.get("message"))
        return cls(
            id=_str(data.get("id")),
            session_id=_str(data.get("sessionId")),
            telephony_session_id=_str(data.get("telephonySessionId")),
            start_time=_when(data.get("startTime")),
            duration=int(data.get("duration") or 0),
            type=_str(data.get("type")),
            direction=_str(data.get("direction")),
            action=_str(data.get("action")),
            result=_str(data.get("result")),
            from_=CallEndpoint.from_api(data.get("from")),
            to=CallEndpoint.from_api(data.get("to")),
            extension_id=_str((data.get("extension") or {}).get("id")),
            recording_id=_str(recording.get("id")),
            recording_content_uri=_str(recording.get("contentUri")),
            last_modified_time=_when(data.get("lastModifiedTime")),
            legs=[CallLogLeg.from_api(leg) for leg in data.get("legs") or []],
            message_id=_str(message.get("id")),
            message_type=_str(message.get("type")),
        )


@dataclass(frozen=True)
class CallLogPage:
    """One page of call-log records. `url` is the page's own address (ask again to resume)."""

    records: list[CallLogRecord]
    page: int
    url: str
    next_url: str | None


@dataclass(frozen=True)
class RecordingInfo:
    id: str
    content_uri: str
    content_type: str
    duration: int

    @classmethod
    def from_api(cls, data: dict) -> "RecordingInfo":
        return cls(
            id=_str(data.get("id")),
            content_uri=_str(data.get("contentUri")),
            content_type=_str(data.get("contentType")),
            duration=int(data.get("duration") or 0),
        )


@dataclass(frozen=True)
class RingOutStatus:
    id: str
    call_status: str
    caller_status: str
    callee_status: str

    @classmethod
    def from_api(cls, data: dict) -> "RingOutStatus":
        status = data.get("status") or {}
        return cls(
            id=_str(data.get("id")),
            call_status=_str(status.get("callStatus")),
            caller_status=_str(status.get("callerStatus")),
            callee_status=_str(status.get("calleeStatus")),
        )

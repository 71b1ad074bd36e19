"""Voicemail in RingCentral's message store: list, read, stream the audio, read the transcription,
find the call a voicemail was left on, and read message notifications.

    for page in ringcentral.voicemail_pages(rc, date_from=since):           # paged, resumable
        for message in page.messages: …
    message = ringcentral.get_message(rc, message_id)
    with ringcentral.voicemail_audio(rc, message, range_header="bytes=0-") as stream: …
    record = ringcentral.voicemail_call_record(rc, message)                  # its call-log record
    note = ringcentral.parse_message_notification(envelope)                  # webhook or WebSocket

Subscribe with `VOICEMAIL_EVENT_FILTER` (the new message in full) and/or
`MESSAGE_STORE_EVENT_FILTER` (ids of new messages only) next to the telephony filters.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from telephony.ringcentral.account import next_page_url
from telephony.ringcentral.errors import NotFound, RateLimited
from telephony.ringcentral.history import RecordingStream, call_log_pages, media_url
from telephony.ringcentral.session import Session, get_json, request, with_query
from telephony.ringcentral.transport import same_host
from telephony.ringcentral.types import CallEndpoint, CallLogRecord, _str, _when, as_dict, as_list

MESSAGE_STORE_PATH = "/restapi/v1.0/account/~/extension/{extension_id}/message-store"
MESSAGE_STORE_EVENT_FILTER = "/restapi/v1.0/account/~/extension/~/message-store"
VOICEMAIL_EVENT_FILTER = "/restapi/v1.0/account/~/extension/~/voicemail"
_EVENT = re.compile(
    r"^/restapi/v1\.0/account/([^/?]+)/extension/([^/?]+)/(message-store|voicemail)/?(?:\?.*)?$"
)
# How far before a voicemail its call may have started ringing (ringing + the message itself).
CALL_LOOKBACK = timedelta(hours=1)


class MalformedMessageNotification(ValueError):
    """The payload is not a message-store or voicemail notification we can read."""


@dataclass(frozen=True)
class MessageAttachment:
    id: str
    uri: str
    type: str  # AudioRecording | AudioTranscription | …
    content_type: str
    vm_duration: int
    size: int

    @classmethod
    def from_api(cls, data: dict) -> "MessageAttachment":
        return cls(
            id=_str(data.get("id")),
            uri=_str(data.get("uri")),
            type=_str(data.get("type")),
            content_type=_str(data.get("contentType")),
            vm_duration=_int(data.get("vmDuration")),
            size=_int(data.get("size")),
        )


@dataclass(frozen=True)
class VoicemailMessage:
    id: str
    type: str  # VoiceMail (the store also holds Fax, SMS, Pager)
    direction: str
    from_: CallEndpoint
    to: tuple[CallEndpoint, ...]
    creation_time: datetime | None
    last_modified_time: datetime | None
    read_status: str  # Read | Unread
    availability: str  # Alive | Deleted | Purged
    transcription_status: str  # Completed | NotAvailable | InProgress | …
    audio: MessageAttachment | None
    transcription: MessageAttachment | None

    @property
    def duration(self) -> int:
        """Seconds of the spoken message (`vmDuration`)."""
        return self.audio.vm_duration if self.audio else 0

    @property
    def is_voicemail(self) -> bool:
        return self.type.lower() == "voicemail"

    @classmethod
    def from_api(cls, data: dict) -> "VoicemailMessage":
        attachments = [
            MessageAttachment.from_api(a) for a in data.get("attachments") or [] if isinstance(a, dict)
        ]
        recipients = as_list(data.get("to"))
        return cls(
            id=_str(data.get("id")),
            type=_str(data.get("type")),
            direction=_str(data.get("direction")),
            from_=CallEndpoint.from_api(as_dict(data.get("from"))),
            to=tuple(CallEndpoint.from_api(r) for r in recipients if isinstance(r, dict)),
            creation_time=_when(data.get("creationTime")),
            last_modified_time=_when(data.get("lastModifiedTime")),
            read_status=_str(data.get("readStatus")),
            availability=_str(data.get("availability")),
            transcription_status=_str(data.get("vmTranscriptionStatus")),
            audio=next((a for a in attachments if a.type == "AudioRecording"), None),
            transcription=next((a for a in attachments if a.type == "AudioTranscription"), None),
        )


@dataclass(frozen=True)
class VoicemailPage:
    """One page of the message list. `url` is the page's own address (ask again to resume)."""

    messages: list[VoicemailMessage]
    page: int
    url: str
    next_url: str | None


@dataclass(frozen=True)
class MessageChange:
    type: str
    new_count: int
    updated_count: int
    new_message_ids: tuple[str, ...]


@dataclass(frozen=True)
class MessageStoreNotification:
    """`…/message-store`: which messages are new or changed (fetch them with get_message)."""

    uuid: str
    subscription_id: str
    owner_id: str
    account_id: str
    extension_id: str
    last_updated: datetime | None
    changes: tuple[MessageChange, ...]

    @property
    def new_voicemail_ids(self) -> tuple[str, ...]:
        return tuple(i for c in self.changes if c.type.lower() == "voicemail" for i in c.new_message_ids)


@dataclass(frozen=True)
class VoicemailNotification:
    """`…/voicemail`: a new voicemail, in full."""

    uuid: str
    subscription_id: str
    owner_id: str
    account_id: str
    extension_id: str
    message: VoicemailMessage


def _int(value: object) -> int:
    try:
        return int(str(value or 0))
    except (TypeError, ValueError):
        return 0


# -- REST ------------------------------------------------------------------------------------------


def voicemail_list_url(
    *, date_from: datetime, date_to: datetime | None = None, per_page: int = 100, extension_id: str = "~"
) -> str:
    params = {
        "messageType": "VoiceMail",
        "dateFrom": date_from,
        "dateTo": date_to,
        "perPage": per_page,
        "page": 1,
    }
    return with_query(MESSAGE_STORE_PATH.format(extension_id=extension_id or "~"), params)


def voicemail_pages(
    session: Session,
    *,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    per_page: int = 100,
    extension_id: str = "~",
    start_url: str | None = None,
) -> Iterator[VoicemailPage]:
    """Yield the extension's voicemail since `date_from` page by page (`navigation.nextPage`).

    On HTTP 429 raises RateLimited with `resume_url` set to the refused page: wait `retry_after`
    seconds, then call again with `start_url=exc.resume_url`.
    """
    url: str | None = start_url
    if not url:
        if date_from is None:
            raise ValueError("voicemail_pages needs date_from, or a start_url to resume from.")
        url = voicemail_list_url(
            date_from=date_from, date_to=date_to, per_page=per_page, extension_id=extension_id
        )
    while url:
        try:
            body = get_json(session, url)
        except RateLimited as exc:
            exc.resume_url = url
            raise
        next_url = next_page_url(body, session)
        messages = [VoicemailMessage.from_api(r) for r in body.get("records") or [] if isinstance(r, dict)]
        page = _int((body.get("paging") or {}).get("page")) or 1
        yield VoicemailPage(messages=messages, page=page, url=url, next_url=next_url)
        url = next_url


def list_voicemails(
    session: Session, *, date_from: datetime, date_to: datetime | None = None, extension_id: str = "~"
) -> list[VoicemailMessage]:
    """Every voicemail of the extension in the window, newest first (all pages)."""
    pages = voicemail_pages(session, date_from=date_from, date_to=date_to, extension_id=extension_id)
    return [message for page in pages for message in page.messages]


def get_message(session: Session, message_id: str, *, extension_id: str = "~") -> VoicemailMessage:
    path = f"{MESSAGE_STORE_PATH.format(extension_id=extension_id or '~')}/{message_id}"
    return VoicemailMessage.from_api(get_json(session, path))


def _attachment_url(
    session: Session, message_id: str, attachment: MessageAttachment, extension_id: str
) -> str:
    if attachment.uri and same_host(attachment.uri, session.connector.server_url):
        return attachment.uri
    path = (
        f"{MESSAGE_STORE_PATH.format(extension_id=extension_id or '~')}/{message_id}/content/{attachment.id}"
    )
    return media_url(session.connector.server_url, path)


def voicemail_audio(
    session: Session, message: VoicemailMessage, *, range_header: str | None = None, extension_id: str = "~"
) -> RecordingStream:
    """Open the voicemail's audio for a streaming proxy, as `recording_content` does (Range
    passes through: 206 with Content-Range). NotFound if the message has no audio."""
    if message.audio is None:
        raise NotFound(f"Voicemail {message.id} has no audio.", status=404)
    url = _attachment_url(session, message.id, message.audio, extension_id)
    headers = {"Accept": "audio/*"}
    if range_header:
        headers["Range"] = range_header
    return RecordingStream(request(session, "GET", url, stream=True, headers=headers).response())


def voicemail_transcription(session: Session, message: VoicemailMessage, *, extension_id: str = "~") -> str:
    """The voicemail-to-text of the message; "" while there is none (`vmTranscriptionStatus`)."""
    if message.transcription is None or message.transcription_status not in (
        "Completed",
        "CompletedPartially",
    ):
        return ""
    url = _attachment_url(session, message.id, message.transcription, extension_id)
    response = request(session, "GET", url, headers={"Accept": "text/plain"}).response()
    return response.content.decode(response.encoding or "utf-8", errors="replace").strip()


def voicemail_call_record(
    session: Session, message: VoicemailMessage, *, account_level: bool = False
) -> CallLogRecord | None:
    """The call-log record of the call this voicemail was left on (its `message.id` is the
    voicemail's id), or None while RingCentral has not logged the call yet. The record carries
    `telephony_session_id`, which links the voicemail to the live call the product saw."""
    if message.creation_time is None:
        return None
    pages = call_log_pages(
        session,
        date_from=message.creation_time - CALL_LOOKBACK,
        date_to=message.creation_time + timedelta(minutes=5),
        view="Simple",
        per_page=100,
        account_level=account_level,
    )
    for page in pages:
        for record in page.records:
            if record.message_id == message.id:
                return record
    return None


# -- notifications -----------------------------------------------------------------------------------


def message_event_kind(event: str) -> str:
    """ "message-store", "voicemail", or "" for any other event path (telephony, presence…)."""
    match = _EVENT.match(event or "")
    return match.group(3) if match else ""


def parse_message_notification(payload: dict) -> MessageStoreNotification | VoicemailNotification:
    """Read a notification envelope (webhook body, or the body of a WebSocket ServerNotification)
    whose `event` is a `/message-store` or `/voicemail` path."""
    if not isinstance(payload, dict) or not isinstance(payload.get("body"), dict):
        raise MalformedMessageNotification("not a notification envelope")
    match = _EVENT.match(_str(payload.get("event")))
    if match is None:
        raise MalformedMessageNotification("not a message-store or voicemail event")
    body = payload["body"]
    common = {
        "uuid": _str(payload.get("uuid")),
        "subscription_id": _str(payload.get("subscriptionId")),
        "owner_id": _str(payload.get("ownerId")),
        "account_id": _str(body.get("accountId") or match.group(1)),
        "extension_id": _str(body.get("extensionId") or match.group(2)),
    }
    if match.group(3) == "voicemail":
        message = VoicemailMessage.from_api(body)
        if not message.id:
            raise MalformedMessageNotification("voicemail event without a message id")
        return VoicemailNotification(message=message, **common)
    changes = body.get("changes")
    if not isinstance(changes, list):
        raise MalformedMessageNotification("message-store event without changes")
    return MessageStoreNotification(
        last_updated=_when(body.get("lastUpdated")),
        changes=tuple(_change(c) for c in changes if isinstance(c, dict)),
        **common,
    )


def _change(data: dict) -> MessageChange:
    ids = as_list(data.get("newMessageIds"))
    return MessageChange(
        type=_str(data.get("type")),
        new_count=_int(data.get("newCount")),
        updated_count=_int(data.get("updatedCount")),
        new_message_ids=tuple(_str(i) for i in ids),
    )

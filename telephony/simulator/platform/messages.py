"""The message store's voicemail: making a message, and its JSON as the REST API and the
notifications carry it (RingCentral's `GetMessageInfoResponse` and voicemail event body).

REST answers give message and attachment ids as numbers (int64, as RingCentral does); the
`/voicemail` event body gives them as strings, as RingCentral's sample does. Attachment `uri`s
are absolute: in REST answers from the request, in notifications from the address the
simulator announced when it started (`public_url()`).
"""

import os
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from telephony.simulator.platform.audio import VOICEMAIL_TEXT, voicemail_wav, wav_seconds
from telephony.simulator.platform.calllog import iso
from telephony.simulator.platform.models import CallLogRecord, Extension, Message

AUDIO_CONTENT_TYPE = "audio/x-wav"
TEXT_CONTENT_TYPE = "text/plain"


def public_url() -> str:
    """The simulator's own base URL (set by `python -m telephony.simulator` once it listens)."""
    return os.environ.get("SIMULATOR_PUBLIC_URL", "http://127.0.0.1:8001").rstrip("/")


def voicemail_seconds() -> int:
    return max(1, round(wav_seconds(voicemail_wav())))


def create_voicemail(
    *,
    extension: Extension,
    from_number: str,
    from_name: str = "",
    creation_time: datetime | None = None,
    transcribed: bool = True,
    transcription_pending: bool = False,
    telephony_session_id: str = "",
    call_log_ids: list[str] | tuple[str, ...] = (),
) -> Message:
    """Store a voicemail left for `extension` and link it from the call's call-log records."""
    owner_number = extension.phone_number or extension.account.main_number
    to = {"phoneNumber": owner_number, "name": extension.name, "extensionNumber": extension.extension_number}
    when = creation_time or timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            account=extension.account,
            extension=extension,
            from_party={k: v for k, v in {"phoneNumber": from_number, "name": from_name}.items() if v},
            to_party=[to],
            creation_time=when,
            last_modified_time=max(when, timezone.now()),
            vm_duration=voicemail_seconds(),
            transcription=VOICEMAIL_TEXT if transcribed else "",
            transcription_status="InProgress" if transcription_pending else "Completed",
            telephony_session_id=telephony_session_id,
        )
        if call_log_ids:
            CallLogRecord.objects.filter(id__in=list(call_log_ids)).update(message=message)
    return message


def message_path(message: Message) -> str:
    return f"/restapi/v1.0/account/{message.account_id}/extension/{message.extension_id}/message-store/{message.id}"


def transcription_status(message: Message) -> str:
    return message.transcription_status if message.transcription else "NotAvailable"


def transcribed(message: Message) -> bool:
    return transcription_status(message) == "Completed"


def complete_transcription(message_id: str) -> Message | None:
    """Voicemail-to-text finished: the message changes (its text attachment appears)."""
    message = Message.objects.filter(pk=message_id, transcription_status="InProgress").first()
    if message is None:
        return None
    message.transcription_status, message.last_modified_time = "Completed", timezone.now()
    message.save(update_fields=["transcription_status", "last_modified_time"])
    return message


def attachments(message: Message, *, base: str, string_ids: bool = False) -> list[dict]:
    ident = str if string_ids else int
    path = f"{base}{message_path(message)}/content"
    items = [
        {
            "id": ident(message.audio_id),
            "uri": f"{path}/{message.audio_id}",
            "type": "AudioRecording",
            "contentType": AUDIO_CONTENT_TYPE,
            "vmDuration": message.vm_duration,
            "size": len(voicemail_wav()),
            "fileName": f"voicemail-{message.id}.wav",
        }
    ]
    if transcribed(message):
        items.append(
            {
                "id": ident(message.transcription_id),
                "uri": f"{path}/{message.transcription_id}",
                "type": "AudioTranscription",
                "contentType": TEXT_CONTENT_TYPE,
                "size": len(message.transcription.encode()),
            }
        )
    return items


def message_json(message: Message, *, base: str) -> dict:
    """The message as `GET .../message-store[/{id}]` answers it."""
    return {
        "uri": f"{base}{message_path(message)}",
        "id": int(message.id),
        "extensionId": message.extension_id,
        "to": message.to_party,
        "from": message.from_party,
        "type": message.type,
        "creationTime": iso(message.creation_time),
        "readStatus": message.read_status,
        "priority": message.priority,
        "attachments": attachments(message, base=base),
        "direction": message.direction,
        "availability": message.availability,
        "messageStatus": "Received",
        "lastModifiedTime": iso(message.last_modified_time),
        "vmTranscriptionStatus": transcription_status(message),
    }


def voicemail_event_body(message: Message) -> dict:
    """Body of a `/restapi/v1.0/account/~/extension/~/voicemail` notification."""
    return {
        "id": message.id,
        "to": message.to_party,
        "from": message.from_party,
        "type": message.type,
        "creationTime": iso(message.creation_time),
        "lastModifiedTime": iso(message.last_modified_time),
        "readStatus": message.read_status,
        "priority": message.priority,
        "attachments": attachments(message, base=public_url(), string_ids=True),
        "direction": message.direction,
        "availability": message.availability,
        "messageStatus": "Received",
        "vmTranscriptionStatus": transcription_status(message),
    }


def message_store_event_body(message: Message, *, new: bool = True) -> dict:
    """Body of a `/restapi/v1.0/account/~/extension/~/message-store` notification (one change)."""
    change = {"type": message.type, "newCount": 1 if new else 0, "updatedCount": 0 if new else 1}
    if new:
        change["newMessageIds"] = [int(message.id)]
    return {
        "accountId": int(message.account_id),
        "extensionId": int(message.extension_id),
        "lastUpdated": iso(message.last_modified_time),
        "changes": [change],
    }


def content_of(message: Message, attachment_id: str) -> tuple[bytes, str, str] | None:
    """(data, content type, file name) of one attachment, or None if it has no such attachment."""
    if attachment_id == message.audio_id:
        return voicemail_wav(), AUDIO_CONTENT_TYPE, f"voicemail-{message.id}.wav"
    if transcribed(message) and attachment_id == message.transcription_id:
        return message.transcription.encode(), TEXT_CONTENT_TYPE, f"transcription-{message.id}.txt"
    return None

"""The notification listener for voicemail: RingCentral's `…/voicemail` event on a user's own
subscription becomes a `Voicemail` row, linked to its call and item (voicemail.py), and its
transcription is read afterwards by a task."""

from django.db import transaction
from django.utils import timezone

from crm.numbers import try_normalize
from telephony import ringcentral as rc
from telephony.callbacks import live
from telephony.callbacks.models import Voicemail
from telephony.callbacks.tasks import fetch_transcription_task
from telephony.callbacks.voicemail import TRANSCRIBED, link_voicemail
from telephony.ingest.notifications import Envelope
from telephony.models import Subscription


def notification_received(envelope: Envelope, subscription: Subscription) -> None:
    """Ingest's notification listener: a new voicemail for the subscription's user."""
    if rc.message_event_kind(envelope.event) != "voicemail":
        return
    note = rc.parse_message_notification(envelope.payload)
    assert isinstance(note, rc.VoicemailNotification)
    message = note.message
    if not message.is_voicemail:
        return
    resource = subscription.resource
    entity = resource.entity
    phone = try_normalize(message.from_.phone_number, entity.default_region)
    voicemail, created = Voicemail.objects.get_or_create(
        entity=entity,
        message_id=message.id,
        defaults={
            "resource": resource,
            "extension_id": note.extension_id or resource.ringcentral_extension_id,
            "from_number": phone.e164 if phone else message.from_.phone_number[:32],
            "from_name": message.from_.name[:200],
            "duration_seconds": message.duration,
            "left_at": message.creation_time or timezone.now(),
            "has_audio": message.audio is not None,
            "transcription_status": message.transcription_status[:30],
        },
    )
    if link_voicemail(voicemail) and voicemail.item_id:
        live.queue_changed(voicemail.item)
    if created and message.transcription_status in TRANSCRIBED:
        voicemail_id = voicemail.pk
        transaction.on_commit(lambda: fetch_transcription_task.delay(voicemail_id), robust=True)

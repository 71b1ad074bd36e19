"""Voicemail rows (made by voicemail_events.py from RingCentral's notifications): linking each to
the call it was left on and to that call's callback item, its transcription, and its audio,
streamed from RingCentral through the recordings' permission-checked proxy."""

import logging
from datetime import timedelta

from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from crm.access import EntityRequest, entity_required
from telephony import ringcentral as rc
from telephony.callbacks import live
from telephony.callbacks.models import CallbackAttempt, Voicemail
from telephony.history.recordings import LISTEN_PERMISSION, stream_audio, unavailable
from telephony.models import Call

logger = logging.getLogger(__name__)
TRANSCRIBED = ("Completed", "CompletedPartially")
# How long before the message its call may have started ringing (rings, then the message).
CALL_LOOKBACK = timedelta(hours=1)


def link_voicemail(voicemail: Voicemail) -> bool:
    """Find the call the voicemail was left on, and through its session the callback item."""
    changed = False
    if voicemail.call_id is None:
        call = (
            Call.objects.filter(
                entity_id=voicemail.entity_id,
                direction=Call.Direction.INBOUND,
                started_at__gte=voicemail.left_at - CALL_LOOKBACK,
                started_at__lte=voicemail.left_at + timedelta(minutes=1),
                voicemail__isnull=True,
            )
            .filter(extension_id=voicemail.extension_id)
            .filter(from_number__in=_spellings(voicemail.from_number))
            .order_by("-started_at")
            .first()
        )
        if call is not None:
            voicemail.call = call
            changed = True
    call = voicemail.call
    if call is not None and voicemail.item_id is None:
        key = call.telephony_session_id or f"call-{call.pk}"
        attempt = CallbackAttempt.objects.filter(entity_id=voicemail.entity_id, session_key=key).first()
        if attempt is not None:
            voicemail.item_id = attempt.item_id
            changed = True
    if changed:
        voicemail.save(update_fields=["call", "item"])
    return changed


def _spellings(e164: str) -> list[str]:
    # The call row keeps the number as RingCentral sent it (E.164 in practice, digits in some logs).
    return [e164, e164.lstrip("+")]


def voicemail_transcribed(voicemail_id: int) -> None:
    """Fetch the voicemail-to-text RingCentral made (safe to run twice)."""
    voicemail = Voicemail.objects.select_related("resource").filter(pk=voicemail_id).first()
    if voicemail is None or voicemail.transcription or voicemail.resource is None:
        return
    with rc.session_for(voicemail.resource) as session:
        message = rc.get_message(session, voicemail.message_id)
        text = rc.voicemail_transcription(session, message)
    Voicemail.objects.filter(pk=voicemail.pk).update(
        transcription=text[:5000], transcription_status=message.transcription_status[:30]
    )
    if voicemail.item_id:
        live.queue_changed(voicemail.item)


def can_listen(voicemail: Voicemail, user: object) -> bool:
    """Whoever may hear call recordings, and the person the message was left for."""
    return bool(getattr(user, "has_perm", None) and user.has_perm(LISTEN_PERMISSION)) or (  # type: ignore[attr-defined]
        voicemail.resource is not None and voicemail.resource.user_id == getattr(user, "pk", None)
    )


@entity_required
@require_GET
def voicemail_audio(request: EntityRequest, pk: int) -> HttpResponseBase:
    """Stream the voicemail's audio from RingCentral (Range passes through, so players can seek)."""
    voicemail = get_object_or_404(Voicemail.objects.select_related("resource"), pk=pk, entity=request.entity)
    if not can_listen(voicemail, request.user):
        return unavailable(request, "You do not have permission to listen to this voicemail.", 403)
    if not voicemail.has_audio or voicemail.resource is None:
        return unavailable(request, "RingCentral keeps no audio for this voicemail.", 404)
    resource = voicemail.resource

    def open_stream() -> rc.RecordingStream:
        with rc.session_for(resource) as session:
            message = rc.get_message(session, voicemail.message_id)
            return rc.voicemail_audio(session, message, range_header=request.headers.get("Range"))

    return stream_audio(
        request,
        open_stream,
        gone="RingCentral no longer has this voicemail (deleted or expired).",
        played=f"Played the voicemail {voicemail.pk} from {voicemail.from_number}",
        data={"voicemail_id": voicemail.pk},
    )

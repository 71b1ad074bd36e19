"""Recordings (API.md §7): metadata and audio content, with HTTP Range for seeking."""

from django.http import HttpRequest, HttpResponse, JsonResponse

from telephony.simulator.platform.api import (
    RCError,
    batch_ids,
    error_body,
    multipart_response,
    not_found,
    rc_api,
)
from telephony.simulator.platform.audio import recording_wav
from telephony.simulator.platform.media import media_response
from telephony.simulator.platform.models import CallLogRecord, Recording


def _recording(request: HttpRequest, recording_id: str) -> Recording:
    recording = Recording.objects.filter(pk=recording_id).first()
    owned = (
        recording and CallLogRecord.objects.filter(account=request.rc_account, recording=recording).exists()
    )
    if not owned:
        raise not_found("callRecordingId", recording_id)
    return recording


@rc_api(group="Heavy", permission="ReadCallRecording")
def recording_detail(request: HttpRequest, account_id: str, recording_id: str) -> HttpResponse:
    ids = batch_ids(recording_id, "callRecordingId")
    if ids is None:
        return JsonResponse(_recording_json(request, _recording(request, recording_id)))
    parts = []
    for one in ids:
        try:
            parts.append((200, _recording_json(request, _recording(request, one))))
        except RCError as exc:
            parts.append((exc.status, error_body(exc)))
    return multipart_response(parts)


def _recording_json(request: HttpRequest, recording: Recording) -> dict:
    path = f"/restapi/v1.0/account/{request.rc_account.id}/recording/{recording.id}"
    return {
        "uri": request.build_absolute_uri(path),
        "id": recording.id,
        "contentUri": request.build_absolute_uri(f"{path}/content"),
        "contentType": recording.content_type,
        "duration": recording.duration,
    }


@rc_api(group="Heavy", permission="ReadCallRecording")
def recording_content(request: HttpRequest, account_id: str, recording_id: str) -> HttpResponse:
    recording = _recording(request, recording_id)
    return media_response(
        request, recording_wav(), content_type="audio/wav", filename=f"recording-{recording.id}.wav"
    )

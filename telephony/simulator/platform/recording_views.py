"""Recordings (API.md §7): metadata and audio content, with HTTP Range for seeking."""

import re

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
from telephony.simulator.platform.models import CallLogRecord, Recording

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


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
    data = recording_wav()
    disposition = "attachment" if request.GET.get("contentDisposition") == "Attachment" else "inline"
    filename = request.GET.get("contentDispositionFilename") or f"recording-{recording.id}.wav"
    header = request.headers.get("Range", "")
    status, body, content_range = 200, data, None
    if header:
        span = _parse_range(header, len(data))
        if span is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{len(data)}"
            return response
        start, end = span
        status, body, content_range = 206, data[start : end + 1], f"bytes {start}-{end}/{len(data)}"
    response = HttpResponse(body, status=status, content_type="audio/wav")
    response["Accept-Ranges"] = "bytes"
    response["Content-Length"] = str(len(body))
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if content_range:
        response["Content-Range"] = content_range
    return response


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    match = RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # suffix range: the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return None
    return start, end

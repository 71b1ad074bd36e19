"""Serving media content (recordings, voicemail) as RingCentral's media host does: inline or as an
attachment, with HTTP Range for seeking (206 + Content-Range, 416 when unsatisfiable)."""

import re

from django.http import HttpRequest, HttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def media_response(request: HttpRequest, data: bytes, *, content_type: str, filename: str) -> HttpResponse:
    disposition = "attachment" if request.GET.get("contentDisposition") == "Attachment" else "inline"
    filename = request.GET.get("contentDispositionFilename") or filename
    header = request.headers.get("Range", "")
    status, body, content_range = 200, data, None
    if header:
        span = parse_range(header, len(data))
        if span is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{len(data)}"
            return response
        start, end = span
        status, body, content_range = 206, data[start : end + 1], f"bytes {start}-{end}/{len(data)}"
    response = HttpResponse(body, status=status, content_type=content_type)
    response["Accept-Ranges"] = "bytes"
    response["Content-Length"] = str(len(body))
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if content_range:
        response["Content-Range"] = content_range
    return response


def parse_range(header: str, size: int) -> tuple[int, int] | None:
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

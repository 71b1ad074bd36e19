"""Call history: call-log pages and call recordings (metadata and streamed content)."""

from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import requests

from telephony.ringcentral.account import next_page_url
from telephony.ringcentral.errors import RateLimited
from telephony.ringcentral.session import Session, get_json, request, with_query
from telephony.ringcentral.transport import same_host
from telephony.ringcentral.types import CallLogPage, CallLogRecord

ACCOUNT_CALL_LOG_PATH = "/restapi/v1.0/account/~/call-log"
EXTENSION_CALL_LOG_PATH = "/restapi/v1.0/account/~/extension/~/call-log"
RECORDING_PATH = "/restapi/v1.0/account/~/recording"
MEDIA_HOSTS = {
    "platform.ringcentral.com": "media.ringcentral.com",
    "platform.devtest.ringcentral.com": "media.devtest.ringcentral.com",
}


def call_log_url(
    *,
    date_from: datetime,
    date_to: datetime,
    view: str = "Detailed",
    per_page: int = 1000,
    account_level: bool = True,
) -> str:
    """The first page's address (relative to the server) for a date window."""
    path = ACCOUNT_CALL_LOG_PATH if account_level else EXTENSION_CALL_LOG_PATH
    params = {"dateFrom": date_from, "dateTo": date_to, "view": view, "perPage": per_page, "page": 1}
    return with_query(path, params)


def call_log_pages(
    session: Session,
    *,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    view: str = "Detailed",
    per_page: int = 1000,
    account_level: bool = True,
    start_url: str | None = None,
) -> Iterator[CallLogPage]:
    """Yield the call log of [date_from, date_to] page by page, following `navigation.nextPage`.

    On HTTP 429 raises RateLimited with `resume_url` set to the page that was refused: wait
    `retry_after` seconds and call again with `start_url=exc.resume_url` to carry on from there.
    `account_level` needs an admin token (company call log); otherwise the token owner's own log.
    Give either the window (date_from and date_to) or a `start_url`.
    """
    url: str | None = start_url
    if not url:
        if date_from is None or date_to is None:
            raise ValueError("call_log_pages needs date_from and date_to, or a start_url to resume from.")
        url = call_log_url(
            date_from=date_from, date_to=date_to, view=view, per_page=per_page, account_level=account_level
        )
    while url:
        try:
            body = get_json(session, url)
        except RateLimited as exc:
            exc.resume_url = url
            raise
        next_url = next_page_url(body, session)
        page = int((body.get("paging") or {}).get("page") or 1)
        records = [CallLogRecord.from_api(r) for r in body.get("records") or []]
        yield CallLogPage(records=records, page=page, url=url, next_url=next_url)
        url = next_url


class RecordingStream:
    """An open recording download, for a Django StreamingHttpResponse proxy. Always close() it."""

    def __init__(self, response: requests.Response) -> None:
        self._response = response
        self.status = response.status_code
        headers = response.headers
        self.content_type = headers.get("Content-Type", "application/octet-stream")
        self.content_length = headers.get("Content-Length")
        self.content_range = headers.get("Content-Range")
        self.accept_ranges = headers.get("Accept-Ranges", "bytes")

    def iter_content(self, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
        try:
            yield from self._response.iter_content(chunk_size=chunk_size)
        finally:
            self.close()

    def close(self) -> None:
        self._response.close()

    def __enter__(self) -> "RecordingStream":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def recording_content(
    session: Session, recording_id: str, *, content_uri: str = "", range_header: str | None = None
) -> RecordingStream:
    """Open the recording's audio. `range_header` (e.g. "bytes=0-1023") is passed through for
    seeking; the answer is then 206 with Content-Range. `content_uri` (from the call log) is used
    when it points at RingCentral's hosts; otherwise the media host is derived from the server."""
    url = content_uri if content_uri and same_host(content_uri, session.connector.server_url) else ""
    url = url or media_url(session.connector.server_url, f"{RECORDING_PATH}/{recording_id}/content")
    headers = {"Accept": "audio/*"}
    if range_header:
        headers["Range"] = range_header
    response = request(session, "GET", url, stream=True, headers=headers)
    return RecordingStream(response.response())


def media_url(server_url: str, path: str) -> str:
    # Recording and message content must be fetched from the media host on the real RingCentral.
    parts = urlsplit(server_url)
    host = MEDIA_HOSTS.get(parts.hostname or "", parts.netloc)
    return urlunsplit((parts.scheme, host, path, "", ""))

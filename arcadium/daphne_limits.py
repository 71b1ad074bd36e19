"""Stop daphne from buffering oversized request bodies.

Daphne (through Twisted) reads a request's whole body before the ASGI app is called, then queues
all of it in memory at once; an ASGI middleware alone therefore comes too late to save the
server's memory. This hooks the two Twisted callbacks that see the body arrive: a declared
Content-Length over the limit, or a chunked body that grows past it, gets a 413 written straight
to the socket and the connection closed, and no further byte is kept.

The limit here is the largest one the app accepts anywhere (`REQUEST_BODY_MAX_BYTES`); the
per-path limits are `arcadium.limits.BodyLimitMiddleware`'s. In production the reverse proxy in
front refuses first; this is the second line for a daphne reached directly.
"""

from typing import Any

from django.conf import settings

_RESPONSE = (
    b"HTTP/1.1 413 Request Entity Too Large\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\n"
    b"Content-Length: 25\r\n\r\n"
    b"Request body too large.\r\n"
)


def _refuse(request: Any) -> None:
    if getattr(request, "_arcadium_refused", False):
        return
    request._arcadium_refused = True
    transport = request.channel.transport if request.channel else None
    if transport is not None:
        transport.write(_RESPONSE)
        transport.loseConnection()


def install() -> None:
    """Patch daphne's request class once per process (a no-op without daphne)."""
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:  # pragma: no cover - another ASGI server runs the app
        return
    if getattr(WebRequest, "_arcadium_body_limit", False):
        return
    original_got_length = WebRequest.gotLength
    original_chunk = WebRequest.handleContentChunk
    original_process = WebRequest.process

    def gotLength(self: Any, length: int | None) -> None:  # noqa: N802 (Twisted's name)
        self._arcadium_received = 0
        if length is not None and length > settings.REQUEST_BODY_MAX_BYTES:
            original_got_length(self, 0)
            _refuse(self)
            return
        original_got_length(self, length)

    def handleContentChunk(self: Any, data: bytes) -> None:  # noqa: N802 (Twisted's name)
        if getattr(self, "_arcadium_refused", False):
            return
        self._arcadium_received = getattr(self, "_arcadium_received", 0) + len(data)
        if self._arcadium_received > settings.REQUEST_BODY_MAX_BYTES:
            _refuse(self)
            return
        original_chunk(self, data)

    def process(self: Any) -> Any:
        # A refused body may still complete inside the same read; never run the app for it.
        if getattr(self, "_arcadium_refused", False):
            return None
        return original_process(self)

    WebRequest.gotLength = gotLength
    WebRequest.process = process
    WebRequest.handleContentChunk = handleContentChunk
    WebRequest._arcadium_body_limit = True

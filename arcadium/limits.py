"""Request body limits at the door of the ASGI app.

`BodyLimitMiddleware` wraps the whole HTTP application: a declared `Content-Length` over the
limit (or one that is not a number) is answered 413 (or 400) before a single body byte is read;
a chunked body is counted as it arrives and answered 413 as soon as it passes the limit. Only a
body that fits is handed on to Django, replayed from the buffer.

Limits come from settings: `REQUEST_BODY_MAX_BYTES` everywhere, and the smaller
`WEBHOOK_BODY_MAX_BYTES` under the path prefixes of `WEBHOOK_BODY_PATHS` (RingCentral's
notifications are a few kilobytes).
"""

from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]


class BodyTooLarge(Exception):
    pass


def body_limit_for(path: str) -> int:
    """The largest body accepted for a request to `path`, in bytes."""
    from django.conf import settings

    if any(path.startswith(prefix) for prefix in settings.WEBHOOK_BODY_PATHS):
        return settings.WEBHOOK_BODY_MAX_BYTES
    return settings.REQUEST_BODY_MAX_BYTES


def declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The request's Content-Length; None when absent; ValueError when it cannot be trusted."""
    values = {value.strip() for name, value in headers if name.lower() == b"content-length"}
    if not values:
        return None
    if len(values) > 1:
        raise ValueError("conflicting Content-Length headers")
    (value,) = values
    if not value.isdigit():
        raise ValueError("Content-Length is not a number")
    return int(value)


async def _plain_response(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def read_limited_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """Read the body up to `limit` bytes: (body, client_disconnected). Raises BodyTooLarge."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", True
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False


class BodyLimitMiddleware:
    """ASGI middleware: refuse oversized or malformed-length bodies before the app reads them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_for(scope.get("path", ""))
        try:
            length = declared_length(scope.get("headers", []))
        except ValueError as exc:
            await _plain_response(send, 400, f"Bad request: {exc}.")
            return
        if length is not None and length > limit:
            await _plain_response(send, 413, f"Request body too large (the limit here is {limit} bytes).")
            return
        try:
            body, disconnected = await read_limited_body(receive, limit)
        except BodyTooLarge:
            await _plain_response(send, 413, f"Request body too large (the limit here is {limit} bytes).")
            return
        if disconnected:
            return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        # After the body, Django listens for the client going away: hand it the real channel.
        return await receive()

    return replay

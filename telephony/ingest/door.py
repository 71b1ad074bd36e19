"""The webhook door under ASGI: RingCentral's deliveries skip Django's request machinery.

A delivery needs none of what a page needs (sessions, CSRF, authentication, messages, CSP,
templates). Through Django's ASGI handler it would also pay for a worker thread started and
stopped per request. Here a POST to the webhook path is read (within the body limit that
`arcadium.limits` applied outside), answered by `webhooks.answer_delivery` on a pooled thread, and
logged like any request; everything else goes on to Django. The Django view stays the same
function for Django's test client and any other server.
"""

import json
import logging
import time
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host
from django.urls import reverse
from django.utils.datastructures import CaseInsensitiveMapping

from telephony.ingest.webhooks import Answer, answer_delivery

logger = logging.getLogger(__name__)
request_logger = logging.getLogger("arcadium.request")  # the line arcadium.request_log writes


class WebhookDoor:
    """ASGI app: the webhook's POSTs answered here, every other request handed to `app`."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.path = reverse("telephony-webhook")
        self.answer = sync_to_async(_answer_in_worker, thread_sensitive=False)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        body, disconnected = await _read_body(receive)
        if disconnected:
            return
        headers = CaseInsensitiveMapping(
            {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers", [])}
        )
        if not _host_allowed(headers.get("Host", "")):
            answer = Answer(400, {"error": "this host is not served here"})
        else:
            answer = await self.answer(headers, body)
        await _respond(send, answer)
        request_logger.info(
            "POST %s %s %.0f ms", self.path, answer.status, (time.monotonic() - started) * 1000
        )


async def _read_body(receive: Any) -> tuple[bytes, bool]:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", True
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _host_allowed(host: str) -> bool:
    # As Django's request.get_host(): the Host must be one of ALLOWED_HOSTS (local names in DEBUG).
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


def _answer_in_worker(headers: CaseInsensitiveMapping, body: bytes) -> Answer:
    # A worker thread as Django would give a request: its connection checked before, returned after.
    close_old_connections()
    try:
        return answer_delivery(headers, body)
    except Exception:  # answered 500: RingCentral counts a failed delivery and sends it again
        logger.exception("The webhook door failed on a delivery")
        return Answer(500, {"error": "the delivery could not be stored; send it again"})
    finally:
        close_old_connections()


async def _respond(send: Any, answer: Answer) -> None:
    body = b"" if answer.body is None else json.dumps(answer.body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"cache-control", b"no-store"),
    ]
    headers += [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers.items()
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

"""Bodies over the limit are refused with 413 before the app reads them, declared or chunked;
a Content-Length that cannot be trusted is a 400; anything else reaches the app unchanged."""

import asyncio
import http.client

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from arcadium.limits import BodyLimitMiddleware

LIMIT = 1024 * 1024  # the webhook's
GENERAL = 2 * 1024 * 1024


class RecordingApp:
    """Stands for Django: records whether it was called and the body it read."""

    def __init__(self):
        self.bodies: list[bytes] = []

    async def __call__(self, scope, receive, send):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def run(path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]):
    app = RecordingApp()
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)
    ]
    reads = 0
    sent: list[dict] = []

    async def receive():
        nonlocal reads
        reads += 1
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
    asyncio.run(BodyLimitMiddleware(app)(scope, receive, send))
    return sent[0]["status"], app.bodies, reads


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.WEBHOOK_BODY_MAX_BYTES = LIMIT
    settings.REQUEST_BODY_MAX_BYTES = GENERAL


def test_it_refuses_a_declared_oversized_body_without_reading_it():
    status, bodies, reads = run("/telephony/webhook/", [(b"content-length", str(LIMIT + 1).encode())], [b"x"])
    assert (status, bodies, reads) == (413, [], 0)


def test_a_chunked_body_is_refused_once_it_passes_the_limit():
    chunks = [b"x" * 65536] * 40  # 2.5 MB in 64 KB chunks, no Content-Length
    status, bodies, reads = run("/telephony/webhook/", [], chunks)
    assert status == 413 and bodies == []
    assert reads == LIMIT // 65536 + 1  # stopped at the first chunk past the limit


def test_pages_other_than_the_webhook_get_the_general_limit():
    body = b"x" * (LIMIT + 10)
    status, bodies, _ = run("/customers/", [(b"content-length", str(len(body)).encode())], [body])
    assert status == 200 and bodies == [body]
    assert run("/telephony/webhook/", [(b"content-length", str(len(body)).encode())], [body])[0] == 413


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=300_000), min_size=1, max_size=8),
    declare=st.booleans(),
)
def test_the_app_sees_exactly_the_bodies_within_the_limit(sizes, declare):
    chunks = [b"a" * n for n in sizes]
    total = sum(sizes)
    headers = [(b"content-length", str(total).encode())] if declare else []
    status, bodies, _ = run("/telephony/webhook/", headers, chunks)
    if total > LIMIT:
        assert status == 413 and bodies == []
    else:
        assert status == 200 and bodies == [b"".join(chunks)]


@hsettings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.binary(max_size=40), min_size=1, max_size=3))
def test_any_content_length_header_is_answered_without_an_exception(values):
    headers = [(b"content-length", value) for value in values]
    status, bodies, _ = run("/telephony/webhook/", headers, [b"{}"])
    stripped = {v.strip() for v in values}
    if len(stripped) == 1 and next(iter(stripped)).isdigit():
        assert status in {200, 413}
    else:
        assert status == 400 and bodies == []


def _post(app, path: str, body_chunks, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
    connection.putrequest("POST", path)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    try:
        for chunk in body_chunks:
            connection.send(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server refused and closed while we were still sending: that is the point
    status = connection.getresponse().status
    connection.close()
    return status


def _chunked(total: int, size: int = 65536):
    sent = 0
    while sent < total:
        piece = b"x" * min(size, total - sent)
        sent += len(piece)
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


@pytest.mark.django_db(transaction=True)
def test_daphne_refuses_a_large_webhook_post_and_keeps_serving(live_app):
    big = 50 * 1024 * 1024
    status = _post(
        live_app,
        "/telephony/webhook/",
        (b"x" * 1024 * 1024 for _ in range(50)),
        {"Content-Length": str(big), "Content-Type": "application/json"},
    )
    assert status == 413
    chunked = _post(
        live_app,
        "/telephony/webhook/",
        _chunked(8 * 1024 * 1024),
        {"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
    )
    assert chunked == 413
    just_over = _post(
        live_app,
        "/telephony/webhook/",
        [b"x" * (LIMIT + 1)],
        {"Content-Length": str(LIMIT + 1), "Content-Type": "application/json"},
    )
    assert just_over == 413
    assert _post(live_app, "/telephony/webhook/", [b"{}"], {"Content-Length": "2"}) == 400  # reached the view

"""A local stand-in for a Twilio-Lookup-v2-shaped caller-name service, for reverse-lookup tests.

    with FakeLookupServer() as fake:
        fake.script("+15142230142", found(name="Jane Smith"))
        settings.REVERSE_LOOKUP_URL = fake.url
        ...
        assert fake.requests[0].path == "/v2/PhoneNumbers/+15142230142"

Behaviours are scripted per number (or as the default): a name found, empty, an HTTP status, a
slow answer, a huge answer, malformed JSON. A list of behaviours is played one per request, the
last one repeating. Every request is recorded (path, query, Authorization header).
"""

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

PREFIX = "/v2/PhoneNumbers/"


@dataclass(frozen=True)
class Behaviour:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    content_type: str = "application/json"
    declare_length: bool = True  # False: no Content-Length, the body ends when the connection closes


def _answer(number: str, caller: dict | None, line: dict | None) -> dict:
    return {
        "calling_country_code": "1",
        "country_code": "US",
        "phone_number": number,
        "national_format": number,
        "valid": True,
        "validation_errors": [],
        "caller_name": caller,
        "line_type_intelligence": line,
        "url": f"https://lookups.example.test/v2/PhoneNumbers/{number}",
    }


def found(name: str = "Jane Smith", line_type: str = "mobile", carrier: str = "Example Mobile") -> Behaviour:
    caller = {"caller_name": name, "caller_type": "CONSUMER", "error_code": None}
    line = {"carrier_name": carrier, "type": line_type, "error_code": None}
    return Behaviour(body=json.dumps(_answer("{number}", caller, line)).encode())


def empty() -> Behaviour:
    caller = {"caller_name": None, "caller_type": None, "error_code": None}
    line = {"carrier_name": None, "type": None, "error_code": 60600}
    return Behaviour(body=json.dumps(_answer("{number}", caller, line)).encode())


def status(code: int) -> Behaviour:
    return Behaviour(status=code, body=json.dumps({"code": 20500, "message": "Internal error"}).encode())


def slow(seconds: float) -> Behaviour:
    return Behaviour(body=found().body, delay=seconds)


def huge(size: int = 2 * 1024 * 1024, *, declare_length: bool = True) -> Behaviour:
    name = "A" * size
    body = json.dumps(_answer("{number}", {"caller_name": name}, None)).encode()
    return Behaviour(body=body, declare_length=declare_length)


def malformed() -> Behaviour:
    return Behaviour(body=b"<html>Service temporarily moved</html>{", content_type="text/html")


def wrong_shape() -> Behaviour:
    return Behaviour(
        body=json.dumps({"caller_name": "just a string", "line_type_intelligence": [1, 2]}).encode()
    )


@dataclass(frozen=True)
class Recorded:
    path: str
    number: str
    query: dict
    authorization: str


class FakeLookupServer:
    def __init__(self):
        self.requests: list[Recorded] = []
        self._scripts: dict[str, list[Behaviour]] = {}
        self._default: list[Behaviour] = [empty()]
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, number: str | None, *behaviours: Behaviour) -> None:
        """Answers for `number` (None: every unscripted number), one per request, the last repeating."""
        with self._lock:
            if number is None:
                self._default = list(behaviours)
            else:
                self._scripts[number] = list(behaviours)

    def _next(self, number: str) -> Behaviour:
        with self._lock:
            queue = self._scripts.get(number, self._default)
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                parsed = urlparse(self.path)
                number = unquote(parsed.path[len(PREFIX) :]) if parsed.path.startswith(PREFIX) else ""
                fake.requests.append(
                    Recorded(
                        parsed.path, number, parse_qs(parsed.query), self.headers.get("Authorization", "")
                    )
                )
                if not number:
                    self.send_error(404)
                    return
                behaviour = fake._next(number)
                if behaviour.delay:
                    time.sleep(behaviour.delay)
                body = behaviour.body.replace(b"{number}", number.encode())
                try:
                    self.send_response(behaviour.status)
                    self.send_header("Content-Type", behaviour.content_type)
                    if behaviour.declare_length:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout or size cap): that is the point of the test

            def log_message(self, *args):
                return

        return Handler

    def __enter__(self) -> "FakeLookupServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

"""Helpers for the simulator voice tests: a real local webhook receiver and SDK logins."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ringcentral import SDK
from ringcentral.http.api_exception import ApiException

from tests.simulator_fixture import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

ACCOUNT_ID = "37439510"
ALICE_ID, BOB_ID = "62264001", "62264002"
TELEPHONY_EXT = "/restapi/v1.0/account/~/extension/~/telephony/sessions"
TELEPHONY_ACCOUNT = "/restapi/v1.0/account/~/telephony/sessions"


def login(simulator, extension: str = "101"):
    platform = SDK(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, simulator.url).platform()
    platform.login(jwt=simulator.control.jwt(extension))
    return platform


def error_of(exc: ApiException) -> tuple[int, dict]:
    response = exc.api_response().response()
    return response.status_code, response.json()


def wait_until(predicate, *, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class WebhookReceiver:
    """A real HTTP server on a free port that records every request RingCentral would send it.

    `echo`: answer the Validation-Token handshake correctly; `status`: HTTP status for deliveries.
    """

    def __init__(self, *, echo: bool = True, status: int = 200, handshake_status: int = 200) -> None:
        self.echo, self.status, self.handshake_status = echo, status, handshake_status
        self.requests: list[tuple[dict, bytes]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                token = self.headers.get("Validation-Token")
                self.send_response(receiver.handshake_status if token else receiver.status)
                if token and receiver.echo:
                    self.send_header("Validation-Token", token)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handshakes(self) -> list[dict]:
        with self._lock:
            return [headers for headers, _ in self.requests if "validation-token" in headers]

    def deliveries(self) -> list[tuple[dict, dict]]:
        """(headers, envelope) of every notification received, in arrival order."""
        with self._lock:
            return [(h, json.loads(body)) for h, body in self.requests if "validation-token" not in h]

    def notifications(self) -> list[dict]:
        return [envelope for _, envelope in self.deliveries()]

    def wait_for(self, count: int, *, timeout: float = 10.0) -> list[dict]:
        return wait_until(
            lambda: self.notifications() if len(self.notifications()) >= count else None,
            timeout=timeout,
            what=f"{count} notifications (have {len(self.notifications())})",
        )


def subscribe_webhook(platform, receiver: WebhookReceiver, filters: list[str], **extra) -> dict:
    body = {
        "eventFilters": filters,
        "deliveryMode": {
            "transportType": "WebHook",
            "address": receiver.url,
            "verificationToken": "verify-me-123",
        },
        **extra,
    }
    return platform.post("/restapi/v1.0/subscription", body).json_dict()


def codes(notifications: list[dict]) -> list[tuple[int, str, str]]:
    """(sequence, party suffix, status code) of telephony notifications."""
    return [
        (
            n["body"]["sequence"],
            n["body"]["parties"][0]["id"].rsplit("-", 1)[1],
            n["body"]["parties"][0]["status"]["code"],
        )
        for n in notifications
    ]

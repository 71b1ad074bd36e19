"""The one HTTP chokepoint under the official SDK: pooled connections, a timeout, our exceptions.

`ringcentral.http.Client.load_response` opens a new `requests.Session` per request and sends no
timeout, and its `ApiException` carries the request headers in its text. `Transport` replaces
both: one pooled session per thread, `settings.RINGCENTRAL_TIMEOUT_SECONDS` on every request, and
failures raised as `telephony.ringcentral.errors` exceptions. The SDK's `Platform` is built on it.
"""

import base64
import importlib.metadata
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from ringcentral.http.api_response import ApiResponse
from ringcentral.http.client import Client
from ringcentral.platform.platform import Platform

from telephony.ringcentral.errors import RingCentralError, RingCentralUnavailable, error_for_response

logger = logging.getLogger("telephony.ringcentral")

APP_NAME = "Arcadium"
_local = threading.local()


def _http() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def _describe(request: requests.PreparedRequest) -> str:
    """Method and path only: query strings and headers stay out of logs and messages."""
    return f"{request.method} {urlsplit(request.url or '').path}"


class Transport(Client):
    """`ringcentral.http.Client` with pooling, timeouts and our error mapping."""

    def send(self, request: Any, *, stream: bool = False) -> ApiResponse:
        prepared = request.prepare() if isinstance(request, requests.Request) else request
        what = _describe(prepared)
        timeout = settings.RINGCENTRAL_TIMEOUT_SECONDS
        started = time.monotonic()
        try:
            # GETs may be redirected (media downloads); requests drops Authorization on a host change.
            redirects = prepared.method == "GET"
            response = _http().send(prepared, timeout=timeout, stream=stream, allow_redirects=redirects)
        except requests.Timeout:
            logger.warning("RingCentral %s timed out after %.0f s", what, timeout)
            raise RingCentralUnavailable(
                f"RingCentral did not answer within {timeout:.0f} s ({what}); try again later."
            ) from None
        except requests.RequestException as exc:
            logger.warning("RingCentral %s failed: %s", what, type(exc).__name__)
            raise RingCentralUnavailable(
                f"RingCentral cannot be reached ({what}: {type(exc).__name__}); try again later."
            ) from None
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info("RingCentral %s -> %s (%.0f ms)", what, response.status_code, elapsed_ms)
        if not response.ok:
            error = error_for_response(response, what=what)
            response.close()
            raise error
        return ApiResponse(prepared, response)

    def load_response(self, request: Any) -> ApiResponse:  # the SDK's other entry point, kept consistent
        return self.send(request)


TRANSPORT = Transport()


def _app_version() -> str:
    try:
        return importlib.metadata.version("arcadium-telephony")
    except importlib.metadata.PackageNotFoundError:
        return "0.1.0"


def new_platform(
    *, server_url: str, client_id: str, client_secret: str, platform_class: type[Platform] = Platform
) -> Platform:
    """An SDK Platform for one app on one server, talking through our Transport."""
    return platform_class(
        TRANSPORT,
        key=client_id,
        secret=client_secret,
        server=server_url.rstrip("/"),
        name=APP_NAME,
        version=_app_version(),
    )


def basic_auth(client_id: str, client_secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()


def json_body(response: ApiResponse, *, what: str) -> dict:
    """The JSON object of a response, or RingCentralUnavailable if it is not one."""
    try:
        body = response.response().json()
    except ValueError:
        raise RingCentralUnavailable(
            f"RingCentral sent a response that is not valid JSON ({what})."
        ) from None
    if not isinstance(body, dict):
        raise RingCentralUnavailable(f"RingCentral sent an unexpected response ({what}).")
    return body


@contextmanager
def guard(what: str) -> Iterator[None]:
    """Let our exceptions through; turn anything else the SDK raises into RingCentralUnavailable.

    The SDK re-raises bare `Exception`s (e.g. "Response is not JSON") whose text we do not control.
    """
    try:
        yield
    except RingCentralError:
        raise
    except Exception as exc:
        logger.warning("RingCentral %s failed unexpectedly: %s", what, type(exc).__name__)
        raise RingCentralUnavailable(f"RingCentral sent an unexpected response ({what}).") from None


def same_host(url: str, server_url: str) -> bool:
    """Whether `url` points at the configured server (or at RingCentral's own hosts)."""
    host = (urlsplit(url).hostname or "").lower()
    server_host = (urlsplit(server_url).hostname or "").lower()
    return host == server_host or host == "ringcentral.com" or host.endswith(".ringcentral.com")

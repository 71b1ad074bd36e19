"""Our exceptions for everything that can go wrong talking to RingCentral.

The SDK's own `ApiException` text contains the request headers (the Bearer token), so no SDK or
`requests` exception text ever leaves this package: every failure becomes one of these, built
from the HTTP status and RingCentral's `errorCode`, with a message a person can act on.
"""

import json
from email.utils import parsedate_to_datetime

import requests
from django.utils import timezone

from telephony.ringcentral.types import as_list

DEFAULT_RETRY_AFTER = 60.0  # RingCentral's penalty window when it does not send Retry-After


class RingCentralError(Exception):
    """Base class. `status` is the HTTP status (0 when there was no response)."""

    status: int = 0
    error_code: str = ""

    def __init__(self, message: str, *, status: int = 0, error_code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code


class RateLimited(RingCentralError):
    """HTTP 429. Wait `retry_after` seconds before the next request of the same rate-limit group."""

    def __init__(self, message: str, *, retry_after: float, error_code: str = "CMN-301") -> None:
        super().__init__(message, status=429, error_code=error_code)
        self.retry_after = retry_after
        # Set by call_log_pages(): the page URL to ask for again once the wait is over.
        self.resume_url: str | None = None


class AuthExpired(RingCentralError):
    """The authorization is gone (401, or a refused refresh): the user must authorize again."""


class NotFound(RingCentralError):
    """HTTP 404: the call, subscription, recording… no longer exists (or never did)."""


class InvalidRequest(RingCentralError):
    """RingCentral refused the request (400/403/409…), e.g. TAS-102 wrong call state, CMN-101."""


class AppCredentialsRefused(InvalidRequest):
    """RingCentral refused the connector's app client id / secret (OAuth `invalid_client`).

    A configuration problem of the connector, not of any user's authorization: user tokens are
    kept so that they work again once the admin fixes the credentials."""


class RingCentralUnavailable(RingCentralError):
    """RingCentral did not answer usefully: 5xx, timeout, connection refused, malformed response."""


def _error_body(response: requests.Response) -> dict:
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _error_detail(body: dict) -> tuple[str, str]:
    """(errorCode, message) from RingCentral's error body; OAuth errors use error/error_description."""
    errors = as_list(body.get("errors"))
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    code = first.get("errorCode") or body.get("errorCode") or body.get("error") or ""
    message = first.get("message") or body.get("message") or body.get("error_description") or ""
    return str(code)[:40], str(message)[:300]


def retry_after_seconds(response: requests.Response) -> float:
    """Seconds from Retry-After (delta or HTTP date), else the rate-limit window, else 60."""
    raw = (response.headers.get("Retry-After") or "").strip()
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(raw)
            return max(0.0, (when - timezone.now()).total_seconds())
        except (TypeError, ValueError):
            pass
    window = (response.headers.get("X-Rate-Limit-Window") or "").strip()
    try:
        return float(window) if window else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER


def error_for_response(response: requests.Response, *, what: str) -> RingCentralError:
    """Translate a non-2xx response into our exception. `what` names the operation for the message."""
    status = response.status_code
    body = _error_body(response)
    code, detail = _error_detail(body)
    suffix = f" [{code}] {detail}".rstrip() if code or detail else ""
    if body.get("error") == "invalid_client":
        return AppCredentialsRefused(
            f"RingCentral refused the app's client id or secret ({what}); check the connector settings.{suffix}",
            status=status,
            error_code=code,
        )
    if status == 429:
        wait = retry_after_seconds(response)
        return RateLimited(
            f"RingCentral rate limit reached during {what}; retry in {wait:.0f} s.{suffix}",
            retry_after=wait,
            error_code=code or "CMN-301",
        )
    if status == 401:
        return AuthExpired(
            f"RingCentral refused the authorization during {what} (HTTP 401); the user must authorize again.{suffix}",
            status=status,
            error_code=code,
        )
    if status == 404:
        return NotFound(
            f"RingCentral has no such resource ({what}, HTTP 404).{suffix}", status=status, error_code=code
        )
    if status >= 500 or status == 408:
        return RingCentralUnavailable(
            f"RingCentral is unavailable ({what}, HTTP {status}); try again later.{suffix}",
            status=status,
            error_code=code,
        )
    return InvalidRequest(
        f"RingCentral refused {what} (HTTP {status}).{suffix}", status=status, error_code=code
    )

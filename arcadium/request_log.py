"""Quiet, useful request logs: one line per request, none for static files, no tracebacks for the
refusals a web app gives every day (403, 404, 405). daphne's own access log is off (`-v 0`)."""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

logger = logging.getLogger("arcadium.request")
# Django logs these through `django.request` with the exception's traceback attached; the request
# line below already says what happened.
EXPECTED_REFUSALS = {400, 403, 404, 405, 410}


class RequestLogMiddleware:
    """`GET /customers/ 200 12 ms` for each request but static files and the favicon."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.quiet_prefixes = (settings.STATIC_URL, "/favicon.ico")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.monotonic()
        response = self.get_response(request)
        if not request.path.startswith(self.quiet_prefixes):
            elapsed = (time.monotonic() - started) * 1000
            logger.info("%s %s %s %.0f ms", request.method, request.path, response.status_code, elapsed)
        return response


class DropExpectedRefusals(logging.Filter):
    """Drop `django.request`'s warning (and traceback) for an expected refusal: the request line says it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name == "django.request" and getattr(record, "status_code", 0) in EXPECTED_REFUSALS
        )

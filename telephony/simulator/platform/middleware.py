"""Fault injection and RingCentral rate limits, applied to every request of the simulator."""

import asyncio
import base64
import uuid

from asgiref.sync import markcoroutinefunction
from django.http import HttpRequest, HttpResponse, JsonResponse

from telephony.simulator.platform import runtime
from telephony.simulator.platform.api import RCError, authenticate, rc_error
from telephony.simulator.platform.models import AuthCode, Extension, Token

CONTROL_PREFIX = "/_sim/"


class FaultInjectionMiddleware:
    """Rules set through `/_sim/faults`: fail with 500/503 (CMN-201), answer slowly, or send a
    malformed JSON body. The control API itself is never faulted.

    Async so that a slow answer waits on the event loop: Django runs sync views on one thread, and
    a sleeping thread would stall every other request to the simulator too.
    """

    async_capable = True
    sync_capable = False

    def __init__(self, get_response):
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await self.get_response(request)
        rule = runtime.claim_fault(request.method, request.path)
        if rule is None:
            return await self.get_response(request)
        if rule.delay_ms:
            await asyncio.sleep(rule.delay_ms / 1000)
        if rule.status:
            return _fault_response(rule.status)
        if rule.malformed:
            body = b'{"uri": "https://platform.ringcentral.com/restapi", "records": ['
            return HttpResponse(body, content_type="application/json", status=200)
        return await self.get_response(request)


def _fault_response(status: int) -> JsonResponse:
    if status in (500, 503):
        response = rc_error(status, "CMN-201", "Service Temporary Unavailable", category="ServiceUnavailable")
        if status == 503:
            response["Retry-After"] = "1"
        return response
    return rc_error(status, "CMN-203", "Internal Server Error", category="InternalError")


class RateLimitMiddleware:
    """Per (token owner, group) sliding windows, API.md §10. The group comes from the view
    (`rc_api(group=...)` or the OAuth views' `rate_limit_group`). Every answer of a limited view
    carries the `X-Rate-Limit-*` headers; over budget it is a 429 with `Retry-After`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/restapi/"):
            response["RCRequestId"] = str(uuid.uuid4())
        decision = getattr(request, "_rate_decision", None)
        if decision is not None:
            response["X-Rate-Limit-Group"] = decision.group.lower()
            response["X-Rate-Limit-Limit"] = str(decision.limit)
            response["X-Rate-Limit-Remaining"] = str(decision.remaining)
            response["X-Rate-Limit-Window"] = str(decision.window)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        group = getattr(view_func, "rate_limit_group", None)
        if group is None:
            return None
        decision = runtime.take(_caller_key(request, group), group)
        request._rate_decision = decision
        if decision.allowed:
            return None
        response = rc_error(429, "CMN-301", "Request rate exceeded", category="CMN-301")
        response["Retry-After"] = str(decision.retry_after)
        return response


def _caller_key(request: HttpRequest, group: str) -> str:
    """The token owner (per app) for calls with a bearer token; for token requests the user the
    grant names, when the request names one, else the client and address."""
    if group != "Auth" or request.headers.get("Authorization", "").lower().startswith("bearer "):
        try:
            token = authenticate(request)
            return f"ext:{token.extension_id}:{token.app_id}"
        except RCError:
            pass
    client_id = _basic_client_id(request) or request.POST.get("client_id", "")
    subject = _auth_subject(request) if group == "Auth" and request.method == "POST" else None
    if subject:
        return f"ext:{subject}:{client_id}"
    return f"client:{client_id}:{request.META.get('REMOTE_ADDR', '')}"


def _auth_subject(request: HttpRequest) -> str | None:
    grant = request.POST.get("grant_type", "")
    if grant == "refresh_token":
        row = (
            Token.objects.filter(refresh_token=request.POST.get("refresh_token", ""))
            .values("extension_id")
            .first()
        )
    elif grant == "authorization_code":
        row = AuthCode.objects.filter(code=request.POST.get("code", "")).values("extension_id").first()
    elif grant.endswith("jwt-bearer"):
        row = Extension.objects.filter(jwt=request.POST.get("assertion", "") or "-").values("id").first()
        row = {"extension_id": row["id"]} if row else None
    else:
        row = None
    return row["extension_id"] if row else None


def _basic_client_id(request: HttpRequest) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        return base64.b64decode(value).decode().partition(":")[0]
    except (ValueError, UnicodeDecodeError):
        return ""

"""Authorization on next connection: a ticked user without a RingCentral token is sent to
RingCentral's login the next time they open an Arcadium page."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from telephony.connect.authorization import DECLINED_KEY, needs_authorization

_SKIP_PREFIXES = ("/telephony/", "/static/", "/admin/", "/login/", "/logout/", "/ws/")


class RingCentralAuthorizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> HttpResponse:
        if self._should_redirect(request):
            return redirect(f"{reverse('telephony-connect')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _should_redirect(request: Any) -> bool:
        if request.method != "GET" or getattr(request, "htmx", False):
            return False
        if request.path.startswith(_SKIP_PREFIXES) or request.session.get(DECLINED_KEY):
            return False
        if "text/html" not in request.headers.get("Accept", "text/html"):
            return False
        return needs_authorization(getattr(request, "resource", None))

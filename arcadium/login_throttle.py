"""The page a locked-out sign-in gets (django-axes' AXES_LOCKOUT_CALLABLE): it says why, and when
to try again. Every failure during a lockout restarts the cool-off, so "now + cool-off" is exact."""

from axes.helpers import get_client_username, get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    cool_off = get_cool_off(request)
    context = {
        "username": get_client_username(request, credentials) or "",
        "retry_at": timezone.localtime(timezone.now() + cool_off) if cool_off else None,
        "cool_off_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "registration/locked_out.html", context, status=429)

"""The header's link to the callback queue with its count of open items."""

from django.http import HttpRequest

from telephony.callbacks.live import badge_context


def callback_badge(request: HttpRequest) -> dict:
    entity = getattr(request, "entity", None)
    if entity is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return badge_context(entity.pk)

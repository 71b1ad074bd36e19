"""Attach the signed-in user's company entity to each request as `request.entity`."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from crm.models import Resource


class CurrentEntityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> HttpResponse:
        request.resource = None
        request.entity = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            resource = Resource.objects.select_related("entity").filter(user=user).first()
            if resource is not None:
                request.resource = resource
                request.entity = resource.entity
        return self.get_response(request)

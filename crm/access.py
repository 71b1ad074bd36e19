"""Fetch-with-permission helpers: every lookup is scoped to the signed-in user's entity.

Another company's row, or a row that does not exist, is the same 404.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django_htmx.middleware import HtmxDetails

from crm.models import Contact, Customer, Entity, Resource


class EntityRequest(HttpRequest):
    """A request that passed `entity_required`: the staff member's company and resource are set
    (crm.middleware.CurrentEntityMiddleware), and django-htmx's details."""

    entity: Entity
    resource: Resource
    htmx: HtmxDetails


View = Callable[..., HttpResponseBase]


def entity_required(view: View) -> View:
    """Signed in and linked to a company entity through a resource record."""

    @login_required
    @wraps(view)
    def wrapper(request: EntityRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.entity is None:
            raise PermissionDenied(
                "Your user is not linked to a company. Ask an administrator for a resource record."
            )
        return view(request, *args, **kwargs)

    return wrapper


def get_customer_for_user(request: EntityRequest, pk: int) -> Customer:
    return get_object_or_404(Customer.objects.for_entity(request.entity), pk=pk)


def get_contact_for_user(request: EntityRequest, pk: int) -> Contact:
    return get_object_or_404(Contact.objects.for_entity(request.entity).select_related("customer"), pk=pk)

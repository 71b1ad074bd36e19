"""Fetch-with-permission helpers: every lookup is scoped to the signed-in user's entity.

Another company's row, or a row that does not exist, is the same 404.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from crm.models import Contact, Customer


def entity_required(view):
    """Signed in and linked to a company entity through a resource record."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.entity is None:
            raise PermissionDenied(
                "Your user is not linked to a company. Ask an administrator for a resource record."
            )
        return view(request, *args, **kwargs)

    return wrapper


def get_customer_for_user(request, pk: int) -> Customer:
    return get_object_or_404(Customer.objects.for_entity(request.entity), pk=pk)


def get_contact_for_user(request, pk: int) -> Contact:
    return get_object_or_404(Contact.objects.for_entity(request.entity).select_related("customer"), pk=pk)

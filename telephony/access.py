"""Reaching a call from a request: the one permission rule for every call page and button."""

from django.shortcuts import get_object_or_404

from crm.access import EntityRequest
from telephony.models import Call


def get_call_for_user(request: EntityRequest, pk: int, *, own: bool = False) -> Call:
    """A call of the user's company, or 404. `own`: only the signed-in staff member's own calls
    (their wizard and its buttons)."""
    calls = Call.objects.for_entity(request.entity).select_related(
        "resource", "customer", "contact__customer", "note"
    )
    if own:
        calls = calls.filter(resource=request.resource)
    return get_object_or_404(calls, pk=pk)

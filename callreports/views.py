"""The customer account's Calls tab and the call detail page."""

from django.http import HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET

from callreports import calls as history
from crm import tabs
from crm.access import EntityRequest, entity_required, get_customer_for_user
from crm.models import Customer, Entity
from telephony.access import get_call_for_user
from telephony.history.connector import ConnectorStatus, connector_status
from telephony.history.recordings import connector_connected, recording_availability
from telephony.models import Connector


def account_tabs(customer: Customer) -> list[dict]:
    """The extra tabs of the customer account page (crm renders them from this list)."""
    return [
        {"key": "calls", "label": "Calls", "url": reverse("callreports-customer-calls", args=[customer.pk])}
    ]


def _connector_health(entity: Entity) -> ConnectorStatus | None:
    connector = Connector.objects.filter(entity=entity).first()
    return connector_status(connector) if connector else None


def _query_without(params: QueryDict, *names: str) -> str:
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()


@entity_required
@require_GET
def customer_calls(request: EntityRequest, pk: int) -> HttpResponse:
    customer = get_customer_for_user(request, pk)
    form = history.CallFilterForm(request.GET or None, entity=request.entity)
    filters = form.cleaned_data if form.is_valid() else {}
    page = history.call_page(
        customer=customer,
        filters=filters,
        before=request.GET.get("before", ""),
        after=request.GET.get("after", ""),
    )
    connected = connector_connected(request.entity.pk)
    for call in page.calls:
        call.playback = recording_availability(  # type: ignore[attr-defined]  # read by the row template
            call=call, user=request.user, connected=connected
        )
    context = {
        "customer": customer,
        "form": form,
        "page": page,
        "query": _query_without(request.GET, "before", "after"),
        "tab_url": reverse("callreports-customer-calls", args=[customer.pk]),
        "health": _connector_health(request.entity) if not page.calls else None,
    }
    if request.htmx and request.htmx.target == "calls-results":
        return render(request, "callreports/calls_tab.html#results", context)
    # Rendered without the request so the context processors (header icon…) run once, for the
    # page; the fragment only needs the CSRF token and the request's path.
    tab_html = render_to_string(
        "callreports/calls_tab.html", {**context, "request": request, "csrf_token": get_token(request)}
    )
    return tabs.render_account_tab(request, customer, tab="calls", tab_html=tab_html)


@entity_required
@require_GET
def call_detail(request: EntityRequest, pk: int) -> HttpResponse:
    call = get_call_for_user(request, pk)
    context = {
        "call": call,
        "recording": recording_availability(call=call, user=request.user),
        "actions": call.actions.select_related("assignee").order_by("pk"),
        "health": _connector_health(request.entity),
    }
    return render(request, "callreports/calls_detail.html", context)

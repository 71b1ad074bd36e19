"""Insights pages: the team page (/calls/insights/) and the account's Insights tab."""

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from crm import tabs
from crm.access import EntityRequest, entity_required, get_customer_for_user
from crm.models import Customer
from telephony.insights import charts, figures


def account_tabs(customer: Customer) -> list[dict]:
    return [
        {"key": "insights", "label": "Call insights", "url": reverse("insights-customer", args=[customer.pk])}
    ]


@entity_required
@require_GET
def team(request: EntityRequest) -> HttpResponse:
    now = timezone.now()
    found = figures.insights(request.entity, now=now)
    context = {
        "nav": "insights",
        "insights": found,
        "weekly": charts.weekly_chart(found.weeks),
        "heatmap": charts.heatmap_chart(figures.heatmap(request.entity, since=found.since, zone=found.zone)),
        "staff": figures.per_staff(request.entity, since=found.since),
    }
    return render(request, "insights/team.html", context)


@entity_required
@require_GET
def customer_insights(request: EntityRequest, pk: int) -> HttpResponse:
    customer = get_customer_for_user(request, pk)
    found = figures.insights(request.entity, now=timezone.now(), customer=customer)
    context = {"customer": customer, "insights": found, "weekly": charts.weekly_chart(found.weeks)}
    tab_html = render_to_string("insights/account_tab.html", context)
    return tabs.render_account_tab(request, customer, tab="insights", tab_html=tab_html)

"""The customer account page's extra tabs. Apps above crm register a function in
AppConfig.ready() that returns their tabs for a customer, so crm lists them without importing them."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.models import Customer

TabsFor = Callable[[Customer], list[dict]]
account_tab_providers: list[TabsFor] = []


def account_tabs(customer: Customer) -> list[dict]:
    """Every registered tab for the customer: dicts with key, label and url."""
    return [tab for provider in account_tab_providers for tab in provider(customer)]


def render_account_tab(request: HttpRequest, customer: Customer, *, tab: str, tab_html: str) -> HttpResponse:
    """The account page on one of the registered tabs (the tab body alone for htmx)."""
    context = {"customer": customer, "tab": tab, "tab_html": tab_html, "account_tabs": account_tabs(customer)}
    is_htmx = bool(getattr(request, "htmx", False))
    template = "crm/customer_detail.html#tab-body" if is_htmx else "crm/customer_detail.html"
    return render(request, template, context)

"""The customer account page's extra tabs. Apps above crm register a function in
AppConfig.ready() that returns their tabs for a customer, so crm lists them without importing them."""

from collections.abc import Callable

from crm.models import Customer

TabsFor = Callable[[Customer], list[dict]]
account_tab_providers: list[TabsFor] = []


def account_tabs(customer: Customer) -> list[dict]:
    """Every registered tab for the customer: dicts with key, label and url."""
    return [tab for provider in account_tab_providers for tab in provider(customer)]

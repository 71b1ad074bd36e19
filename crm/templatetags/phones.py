"""`{{ number|phone }}` / `{{ number|phone:extension }}`: the one way a phone number is shown, on
every page, in the wizard and in pushes (see crm.phones.display)."""

from django import template

from crm.numbers import display

register = template.Library()


@register.filter
def phone(number: str, extension: str = "") -> str:
    return display(number or "", extension or "")

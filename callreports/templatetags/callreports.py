from django import template

from crm.numbers import display

register = template.Library()


@register.filter
def phone(number: str) -> str:
    """An E.164 number as people read it (+1 514-223-0142); anything else unchanged."""
    return display(number) if number and number.startswith("+") else number

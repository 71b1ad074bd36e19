"""`{% dial_link number customer_id=… contact_id=… text=… %}`: a phone number as a click-to-dial link
(confirm dialog) for users whose RingCentral is on, a plain `tel:` link for everyone else."""

from urllib.parse import urlencode

from django import template
from django.template import Context
from django.urls import reverse

from crm.numbers import display

register = template.Library()


@register.inclusion_tag("telephony/_dial_link.html", takes_context=True)
def dial_link(
    context: Context,
    number: str,
    *,
    customer_id: int | None = None,
    contact_id: int | None = None,
    text: str = "",
    extension: str = "",
) -> dict:
    number = number or ""
    dialable = number.startswith("+") and number[1:].isdigit()
    query: dict[str, str | int] = {"number": number}
    if contact_id:
        query["contact"] = contact_id
    elif customer_id:
        query["customer"] = customer_id
    return {
        "click_to_dial": bool(context.get("click_to_dial")) and dialable,
        "dialable": dialable,
        "number": number,
        "extension": extension,
        "text": text or (display(number) if dialable else number),
        "dial_url": f"{reverse('telephony-dial')}?{urlencode(query)}",
    }

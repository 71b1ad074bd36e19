"""Click-to-dial: confirm, then place the call; follow a RingOut RingCentral has not reported yet."""

import contextlib
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from crm.access import EntityRequest, entity_required, get_contact_for_user, get_customer_for_user
from crm.models import Resource
from telephony import ringcentral as rc
from telephony.access import get_call_for_user
from telephony.connect.status import phone_status
from telephony.outbound import dialling
from telephony.wizard import composer

DIAL = "telephony/dial.html"


def _record(
    request: EntityRequest, data: QueryDict, key: str, getter: Callable[[EntityRequest, int], Any]
) -> Any:
    value = data.get(key, "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404("No such record.")
    return getter(request, int(value))


@entity_required
@require_http_methods(["GET", "POST"])
def dial(request: EntityRequest) -> HttpResponse:
    """GET: the confirm dialog ("Call ACME Corp at … from your desk phone?"); POST: place the call."""
    data = request.POST if request.method == "POST" else request.GET
    customer = _record(request, data, "customer", get_customer_for_user)
    contact = _record(request, data, "contact", get_contact_for_user)
    resource = request.resource
    context: dict[str, Any] = {
        "number": data.get("number", ""),
        "customer_id": customer.pk if customer else "",
        "contact_id": contact.pk if contact else "",
        "answer_on_pc": resource.answer_on == Resource.AnswerOn.PC,
        "answer_in_browser": resource.answer_on == Resource.AnswerOn.BROWSER,
    }
    try:
        target = dialling.dial_target(
            entity=request.entity, number=context["number"], customer=customer, contact=contact
        )
        context["target"] = target
        if not phone_status(resource).listening:
            raise dialling.DialError("RingCentral is not on for you, so Arcadium cannot place calls.")
        if request.method == "POST":
            dialling.place_call(resource=resource, target=target)
            return _placed(request, target)
    except dialling.DialError as exc:
        context["error"] = str(exc)
    return render(request, f"{DIAL}#dialog" if request.htmx else DIAL, context)


def _placed(request: EntityRequest, target: dialling.DialTarget) -> HttpResponse:
    if request.htmx:  # the dialog goes away; the wizard arrives in every tab through the socket
        return HttpResponse("")
    messages.success(request, f"Calling {target.name or target.display_number}…")
    record = target.contact or target.customer
    return redirect(record.get_absolute_url() if record else "home")


@entity_required
@require_GET
def ring_out_status(request: EntityRequest, pk: int) -> HttpResponse:
    """Polled by the wizard while a RingOut is dialling and RingCentral has sent no event for it."""

    call = get_call_for_user(request, pk, own=True)
    with contextlib.suppress(rc.RingCentralError):  # the next poll, or the call's events, will tell
        dialling.refresh_ring_out(call=call)
    return HttpResponse(composer.live_parts_html(call))

"""Click-to-dial (confirm, then place the call) and presence (header badge, Do Not Disturb)."""

import contextlib

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.access import entity_required, get_contact_for_user, get_customer_for_user
from crm.models import Resource
from telephony import outbound, presence
from telephony import ringcentral as rc
from telephony.status import phone_status

DIAL = "telephony/dial.html"


def _record(request, data, key: str, getter):
    value = data.get(key, "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404("No such record.")
    return getter(request, int(value))


@entity_required
@require_http_methods(["GET", "POST"])
def dial(request):
    """GET: the confirm dialog ("Call ACME Corp at … from your desk phone?"); POST: place the call."""
    data = request.POST if request.method == "POST" else request.GET
    customer = _record(request, data, "customer", get_customer_for_user)
    contact = _record(request, data, "contact", get_contact_for_user)
    resource = request.resource
    context = {
        "number": data.get("number", ""),
        "customer_id": customer.pk if customer else "",
        "contact_id": contact.pk if contact else "",
        "answer_on_pc": resource.answer_on == Resource.AnswerOn.PC,
    }
    try:
        target = outbound.dial_target(
            entity=request.entity, number=context["number"], customer=customer, contact=contact
        )
        context["target"] = target
        if not phone_status(resource).listening:
            raise outbound.DialError("RingCentral is not on for you, so Arcadium cannot place calls.")
        if request.method == "POST":
            outbound.place_call(resource=resource, target=target)
            return _placed(request, target)
    except outbound.DialError as exc:
        context["error"] = str(exc)
    return render(request, f"{DIAL}#dialog" if request.htmx else DIAL, context)


def _placed(request, target: outbound.DialTarget):
    if request.htmx:  # the dialog goes away; the wizard arrives in every tab through the socket
        return HttpResponse("")
    messages.success(request, f"Calling {target.name or target.display_number}…")
    record = target.contact or target.customer
    return redirect(record.get_absolute_url() if record else "home")


@entity_required
@require_GET
def ring_out_status(request, pk: int):
    """Polled by the wizard while a RingOut is dialling and RingCentral has sent no event for it."""
    from telephony.views_calls import get_own_call
    from telephony.wizard import render_live_parts

    call = get_own_call(request, pk)
    with contextlib.suppress(rc.RingCentralError):  # the next poll, or the call's events, will tell
        outbound.refresh_ring_out(call=call)
    return HttpResponse(render_live_parts(call))


@entity_required
@require_GET
def presence_badge(request):
    return render(
        request, f"{presence.TEMPLATE}#badge", {"presence": presence.presence_for(request.resource)}
    )


@entity_required
@require_POST
def do_not_disturb(request):
    choice = request.POST.get("dnd", "")
    context = {}
    if choice not in ("on", "off"):
        context["dnd_error"] = "Choose On or Off."
    else:
        try:
            context["presence"] = presence.set_do_not_disturb(resource=request.resource, on=choice == "on")
            context["dnd_saved"] = True
        except presence.PresenceError as exc:
            context["dnd_error"] = str(exc)
    context.setdefault("presence", presence.presence_for(request.resource))
    if not request.htmx:
        if "dnd_error" in context:
            messages.error(request, context["dnd_error"])
        return redirect("telephony-settings")
    return render(request, f"{presence.TEMPLATE}#dnd", context)

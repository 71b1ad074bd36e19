"""The wizard's HTTP side: reopen, re-sync after a reconnect, choose a match, buttons, notes."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from crm.access import entity_required
from telephony import push, wizard
from telephony.call_control import CallControlError, call_control
from telephony.models import Call


def get_own_call(request, pk: int) -> Call:
    """A call of the signed-in staff member (their wizard, their buttons); anything else is 404."""
    calls = Call.objects.for_entity(request.entity).select_related(
        "resource", "customer", "contact__customer", "note"
    )
    return get_object_or_404(calls, pk=pk, resource=request.resource)


@entity_required
@require_GET
def call_wizard(request, pk: int):
    call = get_own_call(request, pk)
    return render(request, f"{wizard.WIZARD}#wizard", wizard.wizard_context(call))


@entity_required
@require_GET
def live_calls(request):
    """After the live socket (re)opens: current state for the wizards the tab has, new ones appended."""
    have = {int(pk) for pk in request.GET.get("have", "").split(",") if pk.isdigit()}
    calls = (
        Call.objects.for_entity(request.entity)
        .filter(resource=request.resource)
        .select_related("resource", "customer", "contact__customer")
    )
    html = [wizard.render_live_parts(call) for call in calls.filter(pk__in=have)]
    missing = calls.live().filter(popped_up_at__isnull=False).exclude(pk__in=have)
    html += [render_to_string(f"{wizard.WIZARD}#new", wizard.wizard_context(call)) for call in missing]
    return HttpResponse("".join(html))


@entity_required
@require_POST
def choose_caller(request, pk: int):
    call = get_own_call(request, pk)
    try:
        chosen = wizard.choose_match(
            call=call, kind=request.POST.get("kind", ""), pk=int(request.POST.get("pk", ""))
        )
    except ValueError:
        chosen = False
    if not chosen:
        return HttpResponse("That record does not match this caller any more.", status=400)
    context = wizard.wizard_context(call, oob=True)
    push.send_html(
        user_id=request.user.pk,
        html=render_to_string(f"{wizard.WIZARD}#main", context)
        + render_to_string(f"{wizard.WIZARD}#status", context),
    )
    return HttpResponse(status=204)


@entity_required
@require_POST
def control(request, pk: int, action: str):
    call = get_own_call(request, pk)
    try:
        call_control(call=call, resource=request.resource, action=action)
    except CallControlError as exc:
        return HttpResponse(str(exc))
    if action == "hangup" and request.resource.close_wizard_on_hangup:
        push.send_html(
            user_id=request.user.pk, html=f'<aside id="call-{call.pk}" hx-swap-oob="delete"></aside>'
        )
    return HttpResponse(status=204)


@entity_required
@require_GET
def recent_calls(request):
    calls = (
        Call.objects.for_entity(request.entity)
        .filter(resource=request.resource)
        .select_related("customer", "contact")
        .order_by("-started_at")[:15]
    )
    return render(request, "telephony/_recent_calls.html", {"calls": calls})

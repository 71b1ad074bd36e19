"""The wizard's HTTP side: reopen, re-sync after a reconnect, choose a match, buttons, recent calls."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from crm.access import EntityRequest, entity_required
from telephony.access import get_call_for_user
from telephony.models import Call
from telephony.wizard import composer
from telephony.wizard.call_control import CallControlError, call_control
from telephony.wizard.matching import choose_match


@entity_required
@require_GET
def call_wizard(request: EntityRequest, pk: int) -> HttpResponse:
    return HttpResponse(composer.wizard_html(get_call_for_user(request, pk, own=True), request=request))


@entity_required
@require_GET
def live_calls(request: EntityRequest) -> HttpResponse:
    """A tab re-syncing (socket reopened, a version it lacks): current state for the wizards it
    has, new ones appended, none for those the user closed."""
    have, closed = (
        {int(pk) for pk in request.GET.get(name, "").split(",") if pk.isdigit()}
        for name in ("have", "closed")
    )
    calls = (
        Call.objects.for_entity(request.entity)
        .filter(resource=request.resource)
        .select_related("resource", "customer", "contact__customer")
    )
    html = [composer.resync_html(call) for call in calls.filter(pk__in=have)]
    missing = calls.live().filter(popped_up_at__isnull=False).exclude(pk__in=have | closed)
    html += [composer.popup_html(call) for call in missing]
    return HttpResponse("".join(html))


@entity_required
@require_POST
def choose_caller(request: EntityRequest, pk: int) -> HttpResponse:
    call = get_call_for_user(request, pk, own=True)
    try:
        chosen = choose_match(
            call=call, kind=request.POST.get("kind", ""), pk=int(request.POST.get("pk", ""))
        )
    except ValueError:
        chosen = False
    if not chosen:
        return HttpResponse("That record does not match this caller any more.", status=400)
    composer.push_chosen(call)
    return HttpResponse(status=204)


@entity_required
@require_POST
def control(request: EntityRequest, pk: int, action: str) -> HttpResponse:
    call = get_call_for_user(request, pk, own=True)
    # "Answer in browser": the browser's phone hung up itself (static/js/phone.js) and only asks
    # for what the button does besides, closing the wizard in every tab.
    done_in_browser = action == "hangup" and request.POST.get("done") == "browser"
    try:
        if not done_in_browser:
            call_control(call=call, resource=request.resource, action=action)
    except CallControlError as exc:
        return HttpResponse(str(exc))
    if action == "hangup" and request.resource.close_wizard_on_hangup:
        composer.push_closed(call)
    return HttpResponse(status=204)


@entity_required
@require_GET
def recent_calls(request: EntityRequest) -> HttpResponse:
    calls = (
        Call.objects.for_entity(request.entity)
        .filter(resource=request.resource)
        .select_related("customer", "contact")
        .order_by("-started_at")[:15]
    )
    return render(request, "telephony/_recent_calls.html", {"calls": calls})

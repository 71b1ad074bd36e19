"""The transfer's HTTP side: the colleague picker, its search, the transfer buttons."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from crm.access import EntityRequest, entity_required
from crm.numbers import display
from telephony.access import get_call_for_user
from telephony.models import Call
from telephony.transfer import colleagues as picker
from telephony.transfer import services
from telephony.transfer.services import Target, TransferError
from telephony.transfer.wizard_hooks import REGION, push_transfer, region_context
from telephony.wizard import composer

MAX_QUERY = 100
ACTIONS = {
    "complete": services.complete_transfer,
    "back": services.back_to_caller,
    "end-consult": services.hang_up_consult,
}


def _own_call(request: EntityRequest, pk: int) -> Call:
    return get_call_for_user(request, pk, own=True)


def _results_context(request: EntityRequest, call: Call, query: str) -> dict:
    query = query.strip()[:MAX_QUERY]
    found = picker.colleagues(request.resource, query=query)
    typed = picker.typed_number(request.entity, query)
    if (
        typed is not None
        and typed.extension_number
        and any(c.resource.ringcentral_extension_number == typed.extension_number for c in found)
    ):
        typed = None  # the colleague with that extension is listed already
    forwarding = call.state == Call.State.RINGING
    return {"colleagues": found, "typed": typed, "query": query, "forwarding": forwarding}


@entity_required
@require_GET
def transfer_picker(request: EntityRequest, pk: int) -> HttpResponse:
    call = _own_call(request, pk)
    context = _results_context(request, call, "")
    return HttpResponse(composer.fragment_html(call, f"{REGION}#picker", context, request=request))


@entity_required
@require_GET
def transfer_search(request: EntityRequest, pk: int) -> HttpResponse:
    call = _own_call(request, pk)
    context = _results_context(request, call, request.GET.get("q", ""))
    return HttpResponse(composer.fragment_html(call, f"{REGION}#results", context, request=request))


@entity_required
@require_GET
def transfer_region(request: EntityRequest, pk: int) -> HttpResponse:
    call = _own_call(request, pk)
    return HttpResponse(
        composer.fragment_html(call, f"{REGION}#region", region_context(call), request=request)
    )


def _target(request: EntityRequest) -> Target:
    colleague_id = request.POST.get("colleague", "")
    if colleague_id:
        staff = picker.staff_on_ringcentral(request.entity, exclude=request.resource)
        colleague = staff.filter(pk=int(colleague_id)).first() if colleague_id.isdigit() else None
        if colleague is None:
            raise TransferError("That colleague cannot take calls through RingCentral.")
        label = picker.Colleague(colleague, "").label
        return Target(
            label=label, resource=colleague, extension_number=colleague.ringcentral_extension_number
        )
    typed = picker.typed_number(request.entity, request.POST.get("number", "")[:MAX_QUERY])
    if typed is None:
        raise TransferError("Type a colleague's name, an extension or a phone number.")
    if typed.extension_number:
        return Target(label=f"ext. {typed.extension_number}", extension_number=typed.extension_number)
    return Target(label=display(typed.e164), number=typed.e164)


def _error(call: Call, message: str) -> HttpResponse:
    """Errors go to the picker's (or the region's) error line; the rest of the wizard stays."""
    response = HttpResponse(message)
    return reswap(retarget(response, f"#call-{call.pk}-transfer-error"), "innerHTML")


@entity_required
@require_POST
def transfer_start(request: EntityRequest, pk: int, how: str) -> HttpResponse:
    """Transfer now / Forward (`how` = now) or Ask first (`how` = ask) to the chosen target."""
    call = _own_call(request, pk)
    try:
        target = _target(request)
        start = services.ask_first if how == "ask" else services.transfer_now
        transfer = start(call=call, resource=request.resource, target=target)
    except TransferError as exc:
        return _error(call, str(exc))
    # The user's other tabs, and a consult call whose first events came before its session was known.
    push_transfer(transfer)
    call.refresh_from_db()
    return HttpResponse(
        composer.fragment_html(call, f"{REGION}#region", region_context(call), request=request)
    )


@entity_required
@require_POST
def transfer_action(request: EntityRequest, pk: int, action: str) -> HttpResponse:
    """Complete transfer, Back to caller, or hang up the consult call."""
    call = _own_call(request, pk)
    perform = ACTIONS.get(action)
    if perform is None:
        return _error(call, "Unknown transfer action.")
    try:
        perform(call=call, resource=request.resource)
    except TransferError as exc:
        return _error(call, str(exc))
    return HttpResponse(status=204)

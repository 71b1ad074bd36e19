"""Create-from-caller: the wizard's one-click customer/contact from an unknown number
(the records are made by `crm.create_from_caller`; this is the call's side of it)."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from crm.access import EntityRequest, entity_required
from crm.create_from_caller import CreateFromCallerForm, create_from_form, customer_options, panel_context
from telephony.access import get_call_for_user
from telephony.models import Call
from telephony.wizard import composer

PANEL = "crm/_create_from_caller.html#panel"


def _call_for_user(request: EntityRequest) -> Call | None:
    call_id = request.POST.get("call") or ""
    if not call_id:
        return None
    if not call_id.isdigit():
        raise Http404("Unknown call.")
    return get_call_for_user(request, int(call_id))


@entity_required
@require_POST
def create_from_caller(request: EntityRequest) -> HttpResponse:
    """POST the form: 200 with the “created” line (htmx) or a redirect to the record; errors re-render."""
    call = _call_for_user(request)
    form = CreateFromCallerForm(request.POST, entity=request.entity)
    if form.is_valid():
        try:
            record = create_from_form(form=form, call=call)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if call is not None and call.resource_id:
                composer.push_live_parts(call)
            if not request.htmx:
                return redirect(record)
            response = render(request, PANEL, {"created": record, "call": call})
            detail = {"call_id": call.pk if call else None, "record_url": record.get_absolute_url()}
            return trigger_client_event(response, "arcadium:caller-created", detail)
    context = panel_context(entity=request.entity, call=call, form=form)
    # htmx only swaps 2xx answers by default, and the form with its errors is what should be seen.
    if request.htmx:
        return render(request, PANEL, context)
    return render(request, "crm/create_from_caller.html", context, status=400)


@entity_required
@require_GET
def caller_customer_options(request: EntityRequest) -> HttpResponse:
    """The <option>s of the form's customer select, filtered as the user types."""
    query = request.GET.get("customer_q", "")[:100]
    choices = customer_options(entity=request.entity, query=query)
    return render(
        request,
        "crm/_create_from_caller.html#customer-options",
        {"customer_choices": choices, "query": query},
    )

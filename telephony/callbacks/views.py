"""The callback queue's pages: the list (open / mine / overdue / closed), one item, the actions
on it, the header badge and the company's promise. Views only translate HTTP: the rules are in
actions.py, the figures in presenting.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.access import EntityRequest, entity_required
from crm.create_from_caller import panel_context
from crm.phones import find_callers, primary_match
from telephony.callbacks import actions, presenting
from telephony.callbacks.forms import CloseForm, PromiseForm, ReassignForm
from telephony.callbacks.live import badge_context
from telephony.callbacks.models import CallbackItem, ResponsePromise
from telephony.callbacks.promise import promise_for
from telephony.models import Call
from telephony.wizard import reverse_lookup

QUEUE = "callbacks/queue.html"
SUPERVISE = actions.SUPERVISE_PERMISSION


def _view_name(request: EntityRequest) -> str:
    view = request.GET.get("show", "open")
    return view if view in presenting.FILTERS else "open"


@entity_required
@require_GET
def queue(request: EntityRequest) -> HttpResponse:
    view = _view_name(request)
    items = presenting.items_for(entity=request.entity, view=view, resource=request.resource)
    context = {
        "nav": "callbacks",
        "view": view,
        "filters": presenting.FILTERS,
        "cards": presenting.cards(items, viewer=request.resource),
        "promise": promise_for(request.entity),
        "close_form": CloseForm(),
        "reassign_form": ReassignForm(entity=request.entity),
    }
    return render(request, f"{QUEUE}#list" if request.htmx else QUEUE, context)


def _card_or_404(request: EntityRequest, pk: int) -> presenting.ItemCard:
    card = presenting.one_card(pk, viewer=request.resource)
    if card is None:
        raise Http404("No such callback.")
    return card


@entity_required
@require_GET
def item_detail(request: EntityRequest, pk: int) -> HttpResponse:
    card = _card_or_404(request, pk)
    item = card.item
    calls = Call.objects.filter(
        entity=request.entity, telephony_session_id__in=[a.session_key for a in item.attempts.all()]
    ).select_related("resource")
    latest = calls.order_by("-started_at").first()
    context = {
        "nav": "callbacks",
        "card": card,
        "calls": calls.order_by("started_at"),
        "close_form": CloseForm(),
        "reassign_form": ReassignForm(entity=request.entity),
    }
    if card.record is None:
        match = primary_match(find_callers(request.entity, item.number))
        context["later_match"] = match
        if match is None:
            lookup = _lookup(item, latest)
            context.update(panel_context(entity=request.entity, call=latest, lookup=lookup), lookup=lookup)
    return render(request, "callbacks/item.html", context)


def _lookup(item: CallbackItem, call: Call | None) -> reverse_lookup.LookupOutcome:
    """What the wizard's reverse lookup found for the caller, else the offline number data."""
    if call is not None and call.lookup_outcome:
        return reverse_lookup.LookupOutcome.from_cache(call.lookup_outcome)
    cached = reverse_lookup.cached_lookup(entity_id=item.entity_id, number=item.number)
    if cached is not None:
        return cached
    found = reverse_lookup.OfflineProvider().lookup(item.number)
    status = reverse_lookup.FOUND if found else reverse_lookup.NOTHING
    return reverse_lookup.LookupOutcome(status=status, number=item.number, results=(found,) if found else ())


@entity_required
@require_POST
def item_action(request: EntityRequest, pk: int, action: str) -> HttpResponse:
    """Claim, release, reassign or close; a refusal is said in the card, nothing changes."""
    item = get_object_or_404(CallbackItem.objects.for_entity(request.entity), pk=pk)
    supervisor = request.user.has_perm(SUPERVISE)
    error = ""
    try:
        if action == "claim":
            actions.item_claim(item_id=item.pk, resource=request.resource)
        elif action == "release":
            actions.item_release(item_id=item.pk, resource=request.resource, supervisor=supervisor)
        elif action == "reassign":
            reassign = ReassignForm(request.POST, entity=request.entity)
            if not reassign.is_valid():
                raise actions.CallbackRefused("Pick a colleague to give it to.")
            actions.item_reassign(
                item_id=item.pk,
                resource=request.resource,
                to=reassign.cleaned_data["to"],
                supervisor=supervisor,
            )
        elif action == "close":
            form = CloseForm(request.POST)
            if not form.is_valid():
                raise actions.CallbackRefused("Pick why no callback is needed.")
            actions.item_close(
                item_id=item.pk,
                resource=request.resource,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        else:
            raise Http404("No such action.")
    except actions.CallbackRefused as exc:
        error = str(exc)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(request.POST.get("next") or item.get_absolute_url())
    context = {
        "card": _card_or_404(request, pk),
        "error": error,
        "close_form": CloseForm(),
        "reassign_form": ReassignForm(entity=request.entity),
    }
    return render(request, f"{QUEUE}#item", context, status=409 if error else 200)


@entity_required
@require_GET
def badge(request: EntityRequest) -> HttpResponse:
    return render(request, "callbacks/_badge.html", badge_context(request.entity.pk))


@entity_required
@require_http_methods(["GET", "POST"])
def promise_settings(request: EntityRequest) -> HttpResponse:
    if not request.user.has_perm(SUPERVISE):
        raise PermissionDenied("Only supervisors can change the response-time promise.")
    promise = ResponsePromise.objects.filter(entity=request.entity).first() or ResponsePromise(
        entity=request.entity
    )
    form = PromiseForm(request.POST or None, instance=promise)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The response-time promise is saved. New callbacks are due by it.")
        return redirect("callbacks-queue")
    return render(
        request,
        "callbacks/promise.html",
        {"form": form, "nav": "callbacks"},
        status=400 if form.errors else 200,
    )

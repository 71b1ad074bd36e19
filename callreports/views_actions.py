"""Call reports (actions): My actions, detail and edit, the wizard's Call Report form, call notes,
and the customer account's Call reports tab. Every row is reached through the user's entity."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from callreports import services
from callreports.forms import ActionForm
from callreports.models import Action, CallNote
from crm import tabs
from crm.access import EntityRequest, entity_required, get_customer_for_user
from crm.models import Customer
from telephony.access import get_call_for_user
from telephony.models import Call

FORM = "callreports/_action_form.html"
STATUS_FILTERS = {"open": "Open", "done": "Done", "all": "All"}


def get_action_for_user(request: EntityRequest, pk: int) -> Action:
    actions = Action.objects.for_entity(request.entity).select_related(
        "assignee", "created_by", "customer", "contact", "call__note"
    )
    return get_object_or_404(actions, pk=pk)


def can_edit(request: EntityRequest, action: Action) -> bool:
    """The assignee, the author, and whoever holds the change permission may change an action."""
    resource_id = request.resource.pk
    return resource_id in (action.assignee_id, action.created_by_id) or request.user.has_perm(
        "callreports.change_action"
    )


def _form_context(
    *,
    form: ActionForm,
    form_url: str,
    call: Call | None = None,
    saved: Action | None = None,
    warnings: tuple | list = (),
) -> dict:
    return {
        "form": form,
        "form_url": form_url,
        "call": call,
        "customer": form.customer,
        "saved": saved,
        "warnings": list(warnings),
    }


def _blank_form(request: EntityRequest, *, customer: Customer | None, call: Call | None = None) -> ActionForm:
    initial = {"assignee": request.resource, "contact": call.contact if call else None}
    return ActionForm(entity=request.entity, customer=customer, initial=initial)


@entity_required
def my_actions(request: EntityRequest) -> HttpResponse:
    """Actions assigned to me: open (default), done or all; overdue ones highlighted."""
    status = request.GET.get("status", "open")
    if status not in STATUS_FILTERS:
        status = "open"
    actions = Action.objects.for_entity(request.entity).filter(assignee=request.resource)
    counts = {"open": actions.open().count(), "overdue": actions.overdue().count()}
    if status == "open":
        actions = actions.open()
    elif status == "done":
        actions = actions.filter(status=Action.Status.DONE).order_by("-completed_at", "-updated_at")
    actions = actions.select_related("customer", "contact", "created_by")
    context = {
        "actions": actions,
        "status": status,
        "filters": STATUS_FILTERS,
        "counts": counts,
        "nav": "actions",
    }
    template = "callreports/actions_list.html#list" if request.htmx else "callreports/actions_list.html"
    return render(request, template, context)


@entity_required
@require_http_methods(["GET", "POST"])
def call_report(request: EntityRequest, call_id: int) -> HttpResponse:
    """The wizard's Call Report tab: GET the form, POST to file it (answers with a fresh form)."""
    call = get_call_for_user(request, call_id)
    customer = call.customer
    form_url = reverse("callreports-call-report", args=[call.pk])
    if request.method == "GET":
        form = _blank_form(request, customer=customer, call=call)
        return render(request, FORM, _form_context(form=form, form_url=form_url, call=call))
    return _create(request, form_url=form_url, call=call, customer=customer)


@entity_required
@require_http_methods(["GET", "POST"])
def action_create(request: EntityRequest) -> HttpResponse:
    """A call report on its own page, optionally for a customer (?customer=<id>)."""
    customer_id = request.GET.get("customer") or request.POST.get("customer_id") or ""
    customer = get_customer_for_user(request, int(customer_id)) if customer_id.isdigit() else None
    form_url = reverse("callreports-action-create") + (f"?customer={customer.pk}" if customer else "")
    if request.method == "GET":
        form = _blank_form(request, customer=customer)
        context = _form_context(form=form, form_url=form_url)
        return render(request, "callreports/actions_form.html", {**context, "nav": "actions"})
    return _create(request, form_url=form_url, customer=customer)


def _create(
    request: EntityRequest, *, form_url: str, customer: Customer | None, call: Call | None = None
) -> HttpResponse:
    form = ActionForm(request.POST, entity=request.entity, customer=customer)
    if form.is_valid():
        try:
            action = services.action_create(
                call=call,
                customer=customer,
                contact=form.cleaned_data.get("contact"),
                created_by=request.resource,
                data=form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if not request.htmx:
                messages.success(request, f"Call report “{action.subject}” saved.")
                for warning in form.warnings:
                    messages.warning(request, warning)
                return redirect(action)
            fresh = _blank_form(request, customer=customer, call=call)
            context = _form_context(
                form=fresh, form_url=form_url, call=call, saved=action, warnings=form.warnings
            )
            return render(request, FORM, context)
    context = _form_context(form=form, form_url=form_url, call=call)
    # htmx swaps only 2xx answers by default; the form with its errors is the answer to show.
    if request.htmx:
        return render(request, FORM, context)
    return render(request, "callreports/actions_form.html", {**context, "nav": "actions"}, status=400)


@entity_required
def action_detail(request: EntityRequest, pk: int) -> HttpResponse:
    action = get_action_for_user(request, pk)
    note = getattr(action.call, "note", None) if action.call_id else None
    context = {"action": action, "note": note, "can_edit": can_edit(request, action), "nav": "actions"}
    return render(request, "callreports/actions_detail.html", context)


@entity_required
@require_http_methods(["GET", "POST"])
def action_edit(request: EntityRequest, pk: int) -> HttpResponse:
    action = get_action_for_user(request, pk)
    if not can_edit(request, action):
        raise PermissionDenied("Only the assignee or the author can change this action.")
    form_url = reverse("callreports-action-edit", args=[action.pk])
    form = ActionForm(request.POST or None, instance=action, entity=request.entity, customer=action.customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(action=action, updated_by=request.resource, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Action updated.")
            for warning in form.warnings:
                messages.warning(request, warning)
            if request.htmx:
                return HttpResponseClientRedirect(action.get_absolute_url())
            return redirect(action)
    context = {**_form_context(form=form, form_url=form_url), "action": action, "nav": "actions"}
    if request.htmx:
        return render(request, FORM, context)
    return render(request, "callreports/actions_form.html", context, status=400 if form.errors else 200)


@entity_required
@require_POST
def call_note(request: EntityRequest, call_id: int) -> HttpResponse:
    """Save a call's note; answers with the saved-state line (“Saved 10:42 by Alice”)."""
    call = get_call_for_user(request, call_id)
    context: dict[str, Any] = {"call": call}
    try:
        context["note"] = services.call_note_save(
            call=call, user=cast(User, request.user), text=request.POST.get("text", "")
        )
    except ValidationError as exc:
        context["note_error"] = " ".join(exc.messages)
        context["note"] = CallNote.objects.filter(call=call).first()
    if request.htmx:
        return render(request, "callreports/actions_note.html#state", context)
    if "note_error" in context:
        messages.error(request, context["note_error"])
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("callreports-actions")
    return redirect(next_url)


def account_tabs(customer: Customer) -> list[dict]:
    """The Call reports tab on the customer account page."""
    url = reverse("callreports-customer-actions", args=[customer.pk])
    return [{"key": "call-reports", "label": "Call reports", "url": url}]


def customer_tab_html(request: EntityRequest, customer: Customer) -> str:
    """The Call reports tab's body for a customer account (used by crm's account tabs)."""
    actions = (
        Action.objects.for_entity(request.entity)
        .filter(customer=customer)
        .select_related("assignee", "contact", "call")
        .order_by("-created_at")
    )
    context = {"customer": customer, "actions": actions}
    return render_to_string("callreports/actions_tab.html", context, request=request)


@entity_required
def customer_actions(request: EntityRequest, pk: int) -> HttpResponse:
    """The customer account's Call reports tab."""
    customer = get_customer_for_user(request, pk)
    return tabs.render_account_tab(
        request, customer, tab="call-reports", tab_html=customer_tab_html(request, customer)
    )

"""The RingCentral connector page (entity admins) and the manual sync button (any staff member)."""

from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arcadium.audit.services import Action, record
from crm.access import EntityRequest, View, entity_required
from telephony import ringcentral as rc
from telephony.history import connector as connector_services
from telephony.history.connector import (
    ConnectFailed,
    ConnectForm,
    ConnectorSettingsForm,
    apply_email_matches,
    connector_for,
    connector_status,
    mapping_rows,
    save_mapping,
    sync_progress_html,
    user_extensions,
)
from telephony.history.tasks import sync_call_log_task

MANAGE_PERMISSION = "telephony.manage_connector"


def connector_admin_required(view: View) -> View:
    """Signed in, linked to an entity, and allowed to manage its RingCentral connector (403 otherwise)."""

    @entity_required
    @wraps(view)
    def wrapper(request: EntityRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.has_perm(MANAGE_PERMISSION):
            raise PermissionDenied(
                "Only your company's RingCentral administrators can open the connector page."
            )
        return view(request, *args, **kwargs)

    return wrapper


def _page(
    request: EntityRequest,
    *,
    settings_form: ConnectorSettingsForm | None = None,
    connect_form: ConnectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    connector = connector_for(request.entity)
    context = {
        "status": connector_status(connector),
        "settings_form": settings_form or ConnectorSettingsForm(instance=connector),
        "connect_form": connect_form or ConnectForm(),
        "nav": "connector",
    }
    context["sync"] = context["status"].sync  # type: ignore[attr-defined]
    return render(request, "telephony/connector.html", context, status=status)


@connector_admin_required
@require_GET
def connector_page(request: EntityRequest) -> HttpResponse:
    return _page(request)


@connector_admin_required
@require_POST
def connector_settings(request: EntityRequest) -> HttpResponse:
    connector = connector_for(request.entity)
    form = ConnectorSettingsForm(data=request.POST, instance=connector)
    if not form.is_valid():
        return _page(request, settings_form=form, status=400)
    form.save()
    # Field names only: secrets never go into the audit log.
    record(
        action=Action.CONNECTOR_CHANGED,
        request=request,
        summary=f"Connector settings changed: {', '.join(form.changed_data) or 'nothing'}",
        data={"fields": form.changed_data},
    )
    messages.success(request, "Connector settings saved.")
    return redirect("telephony-connector")


@connector_admin_required
@require_POST
def connector_connect(request: EntityRequest) -> HttpResponse:
    connector = connector_for(request.entity)
    form = ConnectForm(data=request.POST)
    if not form.is_valid():
        return _page(request, connect_form=form, status=400)
    try:
        connector_services.connector_connect(
            connector=connector, user=request.user, jwt_credential=form.cleaned_data.get("jwt_credential", "")
        )
    except ConnectFailed as exc:
        messages.error(request, f"RingCentral could not be connected: {exc}")
        return redirect("telephony-connector")
    record(action=Action.CONNECTED, request=request, summary="RingCentral connected")
    messages.success(request, "RingCentral is connected. Call history syncs every 5 minutes.")
    transaction.on_commit(lambda: sync_call_log_task.delay(connector.pk, request.user.pk), robust=True)
    return redirect("telephony-connector")


@connector_admin_required
@require_POST
def connector_disconnect(request: EntityRequest) -> HttpResponse:
    stopped = connector_services.connector_disconnect(connector=connector_for(request.entity))
    record(
        action=Action.DISCONNECTED, request=request, summary=f"RingCentral disconnected ({stopped} user(s))"
    )
    messages.success(
        request,
        f"RingCentral is disconnected: sync stopped and {stopped} user(s) stopped listening. They keep "
        "their authorization (their phone icon says the connection is switched off) and listen again "
        "when you connect. Every synced call stays on its account.",
    )
    return redirect("telephony-connector")


@connector_admin_required
@require_http_methods(["GET", "POST"])
def connector_mapping(request: EntityRequest) -> HttpResponse:
    """The extension ↔ resource table, built from RingCentral's extension list."""
    connector = connector_for(request.entity)
    error = ""
    try:
        with rc.connector_session(connector) as session:
            extensions = user_extensions(session)
    except rc.RingCentralError as exc:
        extensions, error = [], exc.message
    if request.method == "POST" and not error:
        try:
            if "auto" in request.POST:
                changed = apply_email_matches(connector=connector, extensions=extensions)
            else:
                choices = {k[len("ext-") :]: str(v) for k, v in request.POST.items() if k.startswith("ext-")}
                changed = save_mapping(connector=connector, extensions=extensions, choices=choices)
        except ValueError as exc:
            return HttpResponseBadRequest(str(exc))
        if changed:
            how = "matched by email" if "auto" in request.POST else "set by hand"
            record(
                action=Action.EXTENSION_MAPPED,
                request=request,
                summary=f"Extension mapping {how}: {changed} change(s)",
            )
        if not request.htmx:
            messages.success(request, f"Extension mapping saved ({changed} change(s)).")
            return redirect("telephony-connector")
    context = {
        "rows": mapping_rows(connector=connector, extensions=extensions),
        "resources": request.entity.resources.order_by("display_name"),
        "mapping_error": error,
        "saved": request.method == "POST",
    }
    template = "telephony/connector.html#mapping" if request.htmx else "telephony/connector_mapping.html"
    return render(request, template, context)


@entity_required
@require_POST
def connector_sync(request: EntityRequest) -> HttpResponse:
    """Manual sync: queue a run now. Any staff member may ask (a missing recent call is their problem)."""
    connector = connector_for(request.entity)
    sync = connector_status(connector).sync
    if connector.status == connector.Status.CONNECTED:
        transaction.on_commit(lambda: sync_call_log_task.delay(connector.pk, request.user.pk), robust=True)
        queued = True
    else:
        queued = False
    if request.htmx and request.htmx.target == "sync-progress":
        sync.refresh_from_db()
        return HttpResponse(sync_progress_html(sync, queued=queued, not_connected=not queued))
    if request.htmx:
        sync.refresh_from_db()
        return render(request, "telephony/connector.html#sync-status", {"sync": sync, "queued": queued})
    if queued:
        messages.success(request, "Sync started: new calls appear within a minute.")
    else:
        messages.error(request, "RingCentral is not connected: ask an administrator to connect it.")
    next_url = request.POST.get("next")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect(reverse("telephony-connector"))

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.access import EntityRequest, entity_required
from telephony.connect import authorization, presence, status
from telephony.connect.forms import PhoneSettingsForm
from telephony.connect.status import phone_status


def _safe_next(request: EntityRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return reverse("home")


def _callback_url(request: EntityRequest) -> str:
    return request.build_absolute_uri(reverse("telephony-oauth-callback"))


@entity_required
@require_GET
def connect(request: EntityRequest) -> HttpResponse:
    """Send the user to RingCentral's login and Access Request pages."""
    next_url = _safe_next(request, request.GET.get("next"))
    try:
        url = authorization.start(
            session=request.session,
            resource=request.resource,
            next_url=next_url,
            redirect_uri=_callback_url(request),
        )
    except authorization.AuthorizationFailed as exc:
        messages.error(request, str(exc))
        return redirect(next_url)
    return redirect(url)


@entity_required
@require_GET
def oauth_callback(request: EntityRequest) -> HttpResponse:
    """RingCentral sends the user back here with ?code&state (or ?error)."""
    try:
        next_url = authorization.complete(
            session=request.session,
            resource=request.resource,
            params=request.GET,
            redirect_uri=_callback_url(request),
        )
    except authorization.AuthorizationFailed as exc:
        if not exc.pauses_redirect:
            # A stray or forged link: say so on its own page and change nothing for the session.
            return render(request, "telephony/oauth_link_invalid.html", {"message": str(exc)}, status=400)
        # Stop the automatic redirect for this session (it would bounce the user straight back);
        # the red icon offers "Authorize" when they are ready.
        request.session[authorization.DECLINED_KEY] = True
        messages.error(request, str(exc))
        return redirect(_safe_next(request, exc.next_url))
    messages.success(request, "RingCentral is connected: Arcadium is listening for your calls.")
    return redirect(_safe_next(request, next_url))


@entity_required
@require_GET
def phone_icon(request: EntityRequest) -> HttpResponse:
    """The header icon alone: tabs re-fetch it when their live socket (re)opens."""
    return render(request, "telephony/_phone.html#icon", {"phone": phone_status(request.resource)})


@entity_required
@require_http_methods(["GET", "POST"])
def phone_settings(request: EntityRequest) -> HttpResponse:
    resource = request.resource
    saved = False
    if request.method == "POST":
        form = PhoneSettingsForm.for_resource(resource, data=request.POST)
        if form.is_valid():
            form.apply_to(resource)
            resource.save(
                update_fields=[
                    "ringcentral_on",
                    "ringer_on",
                    "answer_on",
                    "answer_on_chosen",
                    "close_wizard_on_hangup",
                    "open_wizard_for_placed_calls",
                ]
            )
            status.phone_status_changed(resource)
            if not request.htmx:
                messages.success(request, "RingCentral settings saved.")
                return redirect("telephony-settings")
            form, saved = PhoneSettingsForm.for_resource(resource), True
    else:
        form = PhoneSettingsForm.for_resource(resource)
    context = {"form": form, "phone": phone_status(resource), "saved": saved}
    template = "telephony/settings.html#panel" if request.htmx else "telephony/settings.html"
    return render(request, template, context)


@entity_required
@require_GET
def presence_badge(request: EntityRequest) -> HttpResponse:
    return render(
        request, f"{presence.TEMPLATE}#badge", {"presence": presence.presence_for(request.resource)}
    )


@entity_required
@require_POST
def do_not_disturb(request: EntityRequest) -> HttpResponse:
    choice = request.POST.get("dnd", "")
    context: dict[str, Any] = {}
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

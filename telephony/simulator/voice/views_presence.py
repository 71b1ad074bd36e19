"""Presence (API.md §4.5): one user's (`GET`/`PUT .../extension/{id}/presence`) and the whole
account's (`GET .../account/{id}/presence`), computed from the extensions' live calls."""

from django.http import JsonResponse

from telephony.simulator.platform.api import RCError, invalid_parameter, paged_response, rc_api
from telephony.simulator.platform.models import Extension

from . import delivery
from .models import Presence
from .notify import presence_body
from .views_callcontrol import json_body


def _update_presence(request, extension_id: str) -> None:
    """PUT: the user sets `dndStatus` / `userStatus` (only of their own extension, unless admin)."""
    if extension_id != request.rc_extension.id:
        raise RCError(
            403,
            "CMN-408",
            "In order to call this API endpoint, user needs to have [EditPresenceStatus] permission for requested resource.",
            category="InsufficientPermissions",
        )
    body = json_body(request)
    presence = Presence.of(extension_id)
    dnd, user = body.get("dndStatus"), body.get("userStatus")
    if dnd is not None and dnd not in Presence.DND_STATUSES:
        raise invalid_parameter("dndStatus")
    if user is not None and user not in Presence.USER_STATUSES:
        raise invalid_parameter("userStatus")
    changed = (dnd or presence.dnd_status, user or presence.user_status) != (
        presence.dnd_status,
        presence.user_status,
    )
    presence.dnd_status, presence.user_status = dnd or presence.dnd_status, user or presence.user_status
    presence.save()
    if changed:
        delivery.publish_presence(account_id=request.rc_account.id, extension_id=extension_id)


def _presence_json(request, extension: Extension, *, detailed: bool) -> dict:
    ext_path = f"/restapi/v1.0/account/{extension.account_id}/extension/{extension.id}"
    head = {
        "uri": request.build_absolute_uri(f"{ext_path}/presence"),
        "extension": {
            "uri": request.build_absolute_uri(ext_path),
            "id": int(extension.id),
            "extensionNumber": extension.extension_number,
        },
    }
    mine = delivery.live_sessions_of(extension.account_id, extension.id)
    body = presence_body(
        extension_id=extension.id, sessions=mine, sequence=1, **delivery.set_statuses(extension.id)
    )
    body["activeCalls"] = [c for c in body["activeCalls"] if c["telephonyStatus"] != "NoCall"]
    if not detailed:
        del body["activeCalls"]
    del body["sequence"]
    return {**head, **body}


def _detailed(request) -> bool:
    return request.GET.get("detailedTelephonyState", "").lower() == "true"


@rc_api(group="Light", methods=("GET", "PUT"))
def presence(request, account_id, extension_id):
    """`GET .../extension/{id}/presence[?detailedTelephonyState=true]` from the extension's live calls;
    `PUT` sets Do Not Disturb / user status and notifies presence subscribers."""
    if request.method == "PUT":
        _update_presence(request, extension_id)
    extension = Extension.objects.get(id=extension_id)
    return JsonResponse(_presence_json(request, extension, detailed=_detailed(request)))


@rc_api(group="Heavy", methods=("GET",), permission="ReadPresence")
def account_presence(request, account_id):
    """Every extension's presence, paged. Extensions that are not users are only `Offline` (EX
    `readAccountPresence`: no telephonyStatus, userStatus or dndStatus for them)."""
    detailed = _detailed(request)

    def serialize(extension: Extension) -> dict:
        if extension.type != Extension.USER:
            full = _presence_json(request, extension, detailed=False)
            return {"uri": full["uri"], "extension": full["extension"], "presenceStatus": "Offline"}
        return _presence_json(request, extension, detailed=detailed)

    extensions = Extension.objects.filter(account=request.rc_account).order_by("extension_number")
    return paged_response(request, extensions, serialize=serialize)

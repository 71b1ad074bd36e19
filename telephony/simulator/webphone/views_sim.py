"""`/_sim/webphone/...`: registrations, SIP dialogs, what the far end of a call hears, and dropping
the phones' SIP sockets (a test/dev control)."""

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import dialogs
from .registrar import registrar


@require_GET
def registrations(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"registrations": [r.as_dict() for r in registrar.all()]})


@require_GET
def dialog_list(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"dialogs": dialogs.dialogs()})


@require_GET
def call_media(request: HttpRequest, telephony_session_id: str) -> JsonResponse:
    far_end = dialogs.far_end_of(telephony_session_id)
    if far_end is None:
        return JsonResponse({"error": f"no web phone media for {telephony_session_id}"}, status=404)
    from . import media

    return JsonResponse(media.submit(far_end.stats()).result(timeout=5))


@csrf_exempt
@require_POST
def drop_sockets(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"error": "the body must be JSON"}, status=400)
    extension_id = str(body.get("extensionId") or "") if isinstance(body, dict) else ""
    return JsonResponse({"closed": dialogs.drop_sockets(extension_id)})

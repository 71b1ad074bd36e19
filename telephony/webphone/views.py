"""The browser phone's two requests: its credentials (the user's own, never cached) and the
switch to "Answer in browser" once the browser has the microphone."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from crm.access import EntityRequest, entity_required
from telephony.connect.status import phone_status_changed
from telephony.webphone.credentials import (
    WebPhoneUnavailable,
    adopt_answer_in_browser,
    browser_credentials,
    keep_answering_mode,
)


@entity_required
@require_GET
@never_cache
def credentials(request: EntityRequest) -> JsonResponse:
    """The signed-in user's SIP credentials for their own browser: there is no way to ask for
    anyone else's. `?renew=1`: the browser could not reach the SIP proxy they name. 409 with a
    sentence when RingCentral cannot provide them."""
    try:
        body = browser_credentials(request.resource, renew=request.GET.get("renew") == "1")
    except WebPhoneUnavailable as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store, private"
    return response


@entity_required
@require_POST
def default_to_browser(request: EntityRequest) -> HttpResponse:
    """The browser has the microphone: a user who never picked an answering mode answers in it.
    `choice=keep`: they declined the offer, and keep the mode they have."""
    if request.POST.get("choice") == "keep":
        keep_answering_mode(request.resource)
    elif adopt_answer_in_browser(request.resource):
        phone_status_changed(request.resource)
    return HttpResponse(status=204)

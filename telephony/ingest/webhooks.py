"""The webhook door: RingCentral POSTs notifications here. It validates a delivery, stores it in
the inbox (events.ingest) and answers; the ingest process applies it (or the door itself, inline)."""

import logging
import re
import secrets

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from arcadium import safe_json
from telephony.connect import health
from telephony.ingest import events
from telephony.ingest.notifications import MalformedNotification, read_envelope
from telephony.models import Subscription

logger = logging.getLogger(__name__)
NOT_APPLIED = {events.Outcome.STALE, events.Outcome.NOT_FOR_USER, events.Outcome.DUPLICATE}

# What a validation token can be that we are willing to echo back in a response header.
ECHOABLE_TOKEN = re.compile(r"[!-~]{1,256}")


def _verification_token(request: HttpRequest) -> str:
    # RingCentral documents `Verification-Token`; an older guide shows `validation-token` on
    # deliveries too, so a delivery without the first may carry the second (API.md §2.3 [X]).
    return request.headers.get("Verification-Token") or request.headers.get("Validation-Token") or ""


def _is_handshake(request: HttpRequest) -> bool:
    """The subscription-time test request: a Validation-Token and no notification in the body."""
    if not request.headers.get("Validation-Token") or request.headers.get("Verification-Token"):
        return False
    try:
        payload = safe_json.loads(request.body or b"null")
    except ValueError:
        return True
    return not (isinstance(payload, dict) and "uuid" in payload)


def _handshake(token: str) -> HttpResponse:
    # RingCentral accepts the subscription only if this echo is 200, fast and under 1024 bytes.
    response = HttpResponse(b"", content_type="application/json")
    response["Validation-Token"] = token
    return response


def _token_matches(given: str, expected: str) -> bool:
    # compare_digest refuses non-ASCII str (TypeError): compare bytes, whatever a client sent.
    return secrets.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


@csrf_exempt
@require_POST
def ringcentral_webhook(request: HttpRequest) -> HttpResponse:
    if _is_handshake(request):
        token = request.headers["Validation-Token"]
        if not ECHOABLE_TOKEN.fullmatch(token):
            return JsonResponse({"error": "invalid Validation-Token"}, status=400)
        return _handshake(token)
    try:
        envelope = read_envelope(safe_json.loads(request.body))
    except (ValueError, MalformedNotification) as exc:
        logger.warning("Rejected a malformed RingCentral webhook: %s", exc)
        return JsonResponse({"error": f"malformed notification: {exc}"}, status=400)
    subscription_id = envelope.subscription_id
    subscription = events.find_subscription(subscription_id)
    if subscription is None:
        logger.info("Ignored a notification for unknown subscription %s", subscription_id)
        return JsonResponse({"status": "ignored"})
    if not _token_matches(_verification_token(request), subscription.connector.verification_token):
        logger.warning(
            "Refused a webhook with a wrong verification token for subscription %s", subscription_id
        )
        health.delivery_answered(subscription, refused=True)
        return JsonResponse({"error": "verification token mismatch"}, status=403)
    try:
        outcome = events.ingest(envelope, subscription=subscription)
    except MalformedNotification as exc:
        logger.warning("Rejected a malformed RingCentral notification: %s", exc)
        health.delivery_answered(subscription, refused=True)
        return JsonResponse({"error": f"malformed notification: {exc}"}, status=400)
    except Exception:
        _count_refusal(subscription)
        raise
    health.delivery_answered(subscription, refused=False)
    if outcome in NOT_APPLIED:
        # Said apart on purpose: "not_for_user" is someone else's party (caller, IVR, colleague),
        # "stale" is our party's event that told nothing new (late or repeated).
        logger.info("RingCentral event %s of subscription %s: %s", envelope.uuid, subscription_id, outcome)
    return JsonResponse({"status": outcome.value})


def _count_refusal(subscription: Subscription) -> None:
    # Answering 500: RingCentral counts a failed delivery. Count it too, if the database lets us.
    try:
        health.delivery_answered(subscription, refused=True)
    except Exception:
        logger.warning("Could not record a refused delivery", exc_info=True)

"""The webhook door: RingCentral POSTs notifications here. It validates a delivery, stores it in
the inbox (events.ingest) and answers; the ingest process applies it (or the door itself, inline).

`answer_delivery` is the door's whole logic, on a delivery's headers and body. Under ASGI it is
reached through `ingest/door.py` (no Django request machinery on the hot path); the Django view
below is the same function for Django's test client and any other server.
"""

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from arcadium import safe_json
from telephony.connect import health
from telephony.ingest import events, inbox
from telephony.ingest.notifications import Envelope, MalformedNotification, read_envelope, read_telephony
from telephony.models import Subscription

logger = logging.getLogger(__name__)
NOT_APPLIED = {events.Outcome.STALE, events.Outcome.NOT_FOR_USER, events.Outcome.DUPLICATE}

# What a validation token can be that we are willing to echo back in a response header.
ECHOABLE_TOKEN = re.compile(r"[!-~]{1,256}")


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict | None  # JSON; None for the handshake's empty body
    headers: dict[str, str] = field(default_factory=dict)


def _verification_token(headers: Mapping[str, str]) -> str:
    # RingCentral documents `Verification-Token`; an older guide shows `validation-token` on
    # deliveries too, so a delivery without the first may carry the second (API.md §2.3 [X]).
    return headers.get("Verification-Token") or headers.get("Validation-Token") or ""


def _is_handshake(headers: Mapping[str, str], body: bytes) -> bool:
    """The subscription-time test request: a Validation-Token and no notification in the body."""
    if not headers.get("Validation-Token") or headers.get("Verification-Token"):
        return False
    try:
        payload = safe_json.loads(body or b"null")
    except ValueError:
        return True
    return not (isinstance(payload, dict) and "uuid" in payload)


def answer_delivery(headers: Mapping[str, str], body: bytes) -> Answer:
    """Validate a delivery (`headers`: case-insensitive), store it and say how it went."""
    if _is_handshake(headers, body):
        token = headers["Validation-Token"]
        if not ECHOABLE_TOKEN.fullmatch(token):
            return Answer(400, {"error": "invalid Validation-Token"})
        # RingCentral accepts the subscription only if this echo is 200, fast and under 1024 bytes.
        return Answer(200, None, {"Validation-Token": token})
    try:
        envelope = read_envelope(safe_json.loads(body))
    except (ValueError, MalformedNotification) as exc:
        logger.warning("Rejected a malformed RingCentral webhook: %s", exc)
        return Answer(400, {"error": f"malformed notification: {exc}"})
    token = _verification_token(headers)
    try:
        notification = read_telephony(envelope) if envelope.is_telephony else None
    except MalformedNotification as exc:
        return _malformed(envelope, token, exc)
    subscription_id = envelope.subscription_id
    try:
        subscription, outcome = inbox.ingest_delivery(envelope, notification, token=token)
    except Exception:
        _count_refusal(subscription_id)
        raise
    if subscription is None:
        return _ignored(subscription_id)
    if outcome is None:
        return _refused(subscription)
    health.delivery_answered(subscription, refused=False)
    if outcome in NOT_APPLIED:
        # Said apart on purpose: "not_for_user" is someone else's party (caller, IVR, colleague),
        # "stale" is our party's event that told nothing new (late or repeated).
        logger.info("RingCentral event %s of subscription %s: %s", envelope.uuid, subscription_id, outcome)
    return Answer(200, {"status": outcome.value})


def _ignored(subscription_id: str) -> Answer:
    logger.info("Ignored a notification for unknown subscription %s", subscription_id)
    return Answer(200, {"status": "ignored"})


def _refused(subscription: Subscription) -> Answer:
    logger.warning(
        "Refused a webhook with a wrong verification token for subscription %s",
        subscription.rc_subscription_id,
    )
    health.delivery_answered(subscription, refused=True)
    return Answer(403, {"error": "verification token mismatch"})


def _malformed(envelope: Envelope, token: str, exc: MalformedNotification) -> Answer:
    """A delivery whose telephony body cannot be read: answered as the others are (ignored for an
    unknown subscription, refused with a wrong token) before it is called malformed."""
    subscription = inbox.find_subscription(envelope.subscription_id)
    if subscription is None:
        return _ignored(envelope.subscription_id)
    if not inbox.token_matches(token, subscription.connector.verification_token):
        return _refused(subscription)
    logger.warning("Rejected a malformed RingCentral notification: %s", exc)
    health.delivery_answered(subscription, refused=True)
    return Answer(400, {"error": f"malformed notification: {exc}"})


@csrf_exempt
@require_POST
def ringcentral_webhook(request: HttpRequest) -> HttpResponse:
    answer = answer_delivery(request.headers, request.body)
    if answer.body is None:
        response = HttpResponse(b"", content_type="application/json", status=answer.status)
    else:
        response = JsonResponse(answer.body, status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    return response


def _count_refusal(subscription_id: str) -> None:
    # Answering 500: RingCentral counts a failed delivery. Count it too, if the database lets us.
    try:
        subscription = inbox.find_subscription(subscription_id)
        if subscription is not None:
            health.delivery_answered(subscription, refused=True)
    except Exception:
        logger.warning("Could not record a refused delivery", exc_info=True)

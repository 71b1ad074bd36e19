"""Webhook subscriptions (create, read, renew, delete, list) and the WebSocket token."""

from telephony.ringcentral.errors import NotFound
from telephony.ringcentral.session import Session, get_json, post_json, request
from telephony.ringcentral.transport import json_body
from telephony.ringcentral.types import SubscriptionInfo, WsToken

SUBSCRIPTION_PATH = "/restapi/v1.0/subscription"
WSTOKEN_PATH = "/restapi/oauth/wstoken"


def create_webhook_subscription(
    session: Session, *, address: str, verification_token: str, event_filters: list[str], expires_in: int
) -> SubscriptionInfo:
    """Subscribe `address` to the event filters. RingCentral first checks the address answers the
    Validation-Token handshake; if it does not, this raises InvalidRequest (SUB-52x)."""
    body = {
        "eventFilters": list(event_filters),
        "deliveryMode": {
            "transportType": "WebHook",
            "address": address,
            "verificationToken": verification_token,
        },
        # Top level, not inside deliveryMode: misplaced, RingCentral silently applies 7 days.
        "expiresIn": int(expires_in),
    }
    return SubscriptionInfo.from_api(post_json(session, SUBSCRIPTION_PATH, body=body))


def get_subscription(session: Session, subscription_id: str) -> SubscriptionInfo:
    """Raises NotFound once the subscription expired or was deleted."""
    return SubscriptionInfo.from_api(get_json(session, f"{SUBSCRIPTION_PATH}/{subscription_id}"))


def renew_subscription(session: Session, subscription_id: str) -> SubscriptionInfo:
    return SubscriptionInfo.from_api(post_json(session, f"{SUBSCRIPTION_PATH}/{subscription_id}/renew"))


def update_subscription(
    session: Session, subscription_id: str, *, event_filters: list[str], expires_in: int
) -> SubscriptionInfo:
    body = {"eventFilters": list(event_filters), "expiresIn": int(expires_in)}
    response = request(session, "PUT", f"{SUBSCRIPTION_PATH}/{subscription_id}", body=body)
    return SubscriptionInfo.from_api(json_body(response, what="subscription update"))


def delete_subscription(session: Session, subscription_id: str) -> bool:
    """Delete; False if it was already gone (so callers can be idempotent)."""
    try:
        request(session, "DELETE", f"{SUBSCRIPTION_PATH}/{subscription_id}")
    except NotFound:
        return False
    return True


def list_subscriptions(session: Session) -> list[SubscriptionInfo]:
    """The token owner's subscriptions for this app, all transports."""
    body = get_json(session, SUBSCRIPTION_PATH)
    return [SubscriptionInfo.from_api(r) for r in body.get("records") or []]


def ws_token(session: Session) -> WsToken:
    """A single-use WebSocket token and the gateway URI to open it on."""
    body = post_json(session, WSTOKEN_PATH)
    return WsToken(
        uri=str(body.get("uri") or ""),
        token=str(body.get("ws_access_token") or ""),
        expires_in=int(body.get("expires_in") or 0),
    )

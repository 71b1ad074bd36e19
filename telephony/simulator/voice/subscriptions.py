"""Subscription rules shared by the REST endpoints and the WebSocket gateway (API.md §2, §3)."""

import secrets

import requests

from telephony.simulator.platform.api import RCError, invalid_parameter
from telephony.simulator.platform.calllog import iso as iso_z
from telephony.simulator.platform.models import App, Extension

from . import knobs
from .models import Subscription
from .notify import InvalidFilter, resolve_filter

MAX_WEBHOOK_EXPIRES_IN = 315_360_000
WS_EXPIRES_IN = 86_400
MAX_HANDSHAKE_BYTES = 1024


def resolve_filters(raw, *, extension: Extension) -> list[str]:
    if not isinstance(raw, list) or not raw or not all(isinstance(item, str) for item in raw):
        raise invalid_parameter("eventFilters")
    resolved, invalid = [], []
    for text in raw:
        try:
            flt = resolve_filter(text, account_id=extension.account_id, extension_id=extension.id)
        except InvalidFilter as exc:
            if exc.error_code == "SUB-406":
                raise RCError(403, "SUB-406", str(exc)) from None
            invalid.append(text)
            continue
        if flt.text not in resolved:
            resolved.append(flt.text)
    if invalid:
        raise RCError(400, "SUB-508", f"Invalid event filters: [{', '.join(invalid)}]")
    return resolved


def parse_expires_in(body: dict) -> int:
    value = body.get("expiresIn", knobs.get("default_expires_in"))
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid_parameter("expiresIn", "Parameter [expiresIn] value is invalid")
    try:
        seconds = int(value)
    except ValueError:
        raise invalid_parameter("expiresIn", "Parameter [expiresIn] value is invalid") from None
    if not 1 <= seconds <= MAX_WEBHOOK_EXPIRES_IN:
        raise invalid_parameter("expiresIn", "Parameter [expiresIn] value is invalid")
    return seconds


def create_webhook(*, body: dict, extension: Extension, app: App | None) -> Subscription:
    """Validate, run the Validation-Token handshake, then store an Active WebHook subscription."""
    mode = body.get("deliveryMode")
    if not isinstance(mode, dict):
        raise invalid_parameter("deliveryMode")
    transport = mode.get("transportType")
    if transport != Subscription.WEBHOOK:
        raise invalid_parameter("deliveryMode.transportType")
    address = mode.get("address")
    if not isinstance(address, str) or not address.startswith(("http://", "https://")):
        raise invalid_parameter("deliveryMode.address")
    filters = resolve_filters(body.get("eventFilters"), extension=extension)
    expires_in = parse_expires_in(body)
    token = mode.get("verificationToken") or mode.get("validationToken") or ""
    if not isinstance(token, str) or len(token) > 64:
        raise invalid_parameter("deliveryMode.verificationToken")
    _check_quota(extension, app)
    handshake(address)
    sub = Subscription(
        extension=extension,
        app=app,
        transport=Subscription.WEBHOOK,
        address=address,
        verification_token=token,
        event_filters=filters,
        ttl=expires_in,
    )
    sub.extend(expires_in)
    sub.save()
    return sub


def _check_quota(extension: Extension, app: App | None) -> None:
    count = Subscription.objects.visible().filter(extension=extension, app=app).count()
    if count >= knobs.get("max_subscriptions"):
        raise RCError(403, "SUB-505", "Subscriptions limit exceeded")


def handshake(address: str) -> None:
    """POST with `Validation-Token`; the subscriber must answer 200 with it echoed, within the time limit."""
    token = secrets.token_hex(16)
    headers = {
        "Validation-Token": token,
        "Content-Type": "application/json",
        "User-Agent": "RingCentral-Webhook/8.3",
    }
    try:
        response = requests.post(address, data=b"", headers=headers, timeout=knobs.get("webhook_timeout"))
    except requests.RequestException:
        raise RCError(400, "SUB-521", "WebHook is not reachable") from None
    size = len(response.content) + sum(len(k) + len(v) + 4 for k, v in response.headers.items())
    if response.status_code != 200 or size > MAX_HANDSHAKE_BYTES:
        raise RCError(400, "SUB-525", "WebHook server response is invalid")
    if response.headers.get("Validation-Token") != token:
        raise RCError(400, "SUB-520", "Validation Token is not returned")


def update(sub: Subscription, *, body: dict) -> Subscription:
    """PUT: new filters (if given) and a new expiry; other fields are ignored (API.md §2.4)."""
    if body.get("eventFilters") is not None:
        sub.event_filters = resolve_filters(body["eventFilters"], extension=sub.extension)
    if sub.transport == Subscription.WEBHOOK:
        sub.ttl = parse_expires_in(body)
    sub.extend(sub.ttl)
    sub.save(update_fields=["event_filters", "expiration_time", "ttl"])
    return sub


def renew(sub: Subscription) -> Subscription:
    sub.extend(sub.ttl if sub.transport == Subscription.WEBHOOK else WS_EXPIRES_IN)
    sub.save(update_fields=["expiration_time"])
    return sub


def create_websocket(*, body: dict, extension: Extension, app: App | None, ws_session: str) -> Subscription:
    """A WebSocket subscription; one per connection, so it replaces the connection's previous one."""
    mode = body.get("deliveryMode") or {}
    if (
        not isinstance(mode, dict)
        or mode.get("transportType", Subscription.WEBSOCKET) != Subscription.WEBSOCKET
    ):
        raise invalid_parameter("deliveryMode.transportType")
    filters = resolve_filters(body.get("eventFilters"), extension=extension)
    Subscription.objects.filter(ws_session=ws_session).delete()
    sub = Subscription(
        extension=extension,
        app=app,
        transport=Subscription.WEBSOCKET,
        event_filters=filters,
        ws_session=ws_session,
        ttl=WS_EXPIRES_IN,
    )
    sub.extend(WS_EXPIRES_IN)
    sub.save()
    return sub


def info(sub: Subscription, *, base_uri: str) -> dict:
    """SubscriptionInfo (API.md §2.1). `base_uri` is the absolute `/restapi/v1.0/subscription` URI."""
    mode = {"transportType": sub.transport, "encryption": False}
    if sub.transport == Subscription.WEBHOOK:
        mode["address"] = sub.address
        if sub.verification_token:
            mode["verificationToken"] = sub.verification_token
    data = {
        "uri": f"{base_uri}/{sub.id}",
        "id": sub.id,
        "creationTime": iso_z(sub.creation_time),
        "status": sub.status,
        "eventFilters": list(sub.event_filters),
        "disabledFilters": [],
        "expirationTime": iso_z(sub.expiration_time),
        "expiresIn": sub.expires_in,
        "deliveryMode": mode,
    }
    if sub.status == Subscription.BLACKLISTED:
        data["blacklistedData"] = {
            "blacklistedAt": iso_z(sub.blacklisted_at),
            "reason": sub.blacklisted_reason,
        }
    return data

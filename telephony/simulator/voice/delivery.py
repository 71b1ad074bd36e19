"""Routing notifications to subscriptions and delivering them without blocking the caller.

`publish_call_events()` runs inside the action that changed a call: it finds every active
subscription whose filters match each changed party, stores one `Delivery` row per match and
queues it. One worker thread per subscription sends them in order — an HTTP POST for WebHook
subscriptions, a `ServerNotification` frame for WebSocket ones (buffered while the socket is
away, for session recovery).
"""

import itertools
import json
import logging
import queue
import threading
import time

import requests
from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone

from telephony.simulator.platform.messages import message_store_event_body, voicemail_event_body
from telephony.simulator.platform.models import Message

from . import gateway, knobs
from .machine import CallSession, Event
from .models import Call, Delivery, Presence, Subscription, WsSession
from .notify import (
    InvalidFilter,
    envelope,
    message_matches,
    presence_body,
    presence_changes,
    presence_matches,
    resolve_filter,
    telephony_body,
    telephony_event_path,
    telephony_matches,
)

log = logging.getLogger(__name__)
USER_AGENT = "RingCentral-Webhook/8.3"
MAX_RESPONSE_BYTES = 1024
_presence_sequence = itertools.count(1)


def subscription_filters(subscription: Subscription) -> list:
    filters = []
    for text in subscription.event_filters:
        try:
            filters.append(
                resolve_filter(
                    text, account_id=subscription.extension.account_id, extension_id=subscription.extension_id
                )
            )
        except InvalidFilter:
            continue
    return filters


def publish_call_events(*, session: CallSession, events: list[Event]) -> list[int]:
    """Store and queue the notifications these call events make; returns the Delivery ids."""
    if not events:
        return []
    subscriptions = [
        (sub, subscription_filters(sub))
        for sub in Subscription.objects.active()
        .select_related("extension")
        .filter(extension__account_id=session.account_id)
    ]
    made = []
    for event in events:
        for sub, filters in subscriptions:
            if any(telephony_matches(f, event.party) for f in filters):
                made.append(_store(sub, session, event, event.party))
    for extension_id in presence_changes(session, events):
        watchers = [
            (sub, presence)
            for sub, filters in subscriptions
            if (presence := next((f for f in filters if presence_matches(f, extension_id)), None))
        ]
        if watchers:
            calls = calls_of(session, extension_id)
            made.extend(_store_presence(sub, session, p.text, extension_id, calls) for sub, p in watchers)
    for delivery in made:
        enqueue(delivery.subscription_id, delivery.id)
    return [d.id for d in made]


def _store(sub: Subscription, session: CallSession, event: Event, party: dict) -> Delivery:
    path = telephony_event_path(party["accountId"], party.get("extensionId", ""))
    payload = envelope(
        event=path, body=telephony_body(session, event), subscription_id=sub.id, owner_id=sub.extension_id
    )
    return Delivery.objects.create(
        subscription=sub,
        uuid=payload["uuid"],
        event=path,
        payload=payload,
        telephony_session_id=session.telephony_session_id,
    )


def set_statuses(extension_id: str) -> dict:
    """What the user set of their presence (Do Not Disturb, user status), for presence bodies."""
    presence = Presence.of(extension_id)
    return {"dnd_status": presence.dnd_status, "user_status": presence.user_status}


def live_sessions_of(account_id: str, extension_id: str) -> list[CallSession]:
    sessions = [
        CallSession.from_state(c.state) for c in Call.objects.filter(account_id=account_id, live=True)
    ]
    return [s for s in sessions if any(p.extension_id == extension_id and p.live for p in s.parties)]


def publish_presence(*, account_id: str, extension_id: str) -> list[int]:
    """The user changed their presence (e.g. Do Not Disturb): notify presence subscribers."""
    made = []
    sessions = live_sessions_of(account_id, extension_id)
    for sub in (
        Subscription.objects.active().select_related("extension").filter(extension__account_id=account_id)
    ):
        presence = next((f for f in subscription_filters(sub) if presence_matches(f, extension_id)), None)
        if presence is None:
            continue
        body = presence_body(
            extension_id=extension_id,
            sessions=sessions,
            sequence=next(_presence_sequence),
            **set_statuses(extension_id),
        )
        payload = envelope(event=presence.text, body=body, subscription_id=sub.id, owner_id=sub.extension_id)
        made.append(
            Delivery.objects.create(
                subscription=sub, uuid=payload["uuid"], event=presence.text, payload=payload
            )
        )
    for delivery in made:
        enqueue(delivery.subscription_id, delivery.id)
    return [d.id for d in made]


def publish_message(*, message: Message, new: bool = True) -> list[int]:
    """A message arrived in (or changed in) an extension's message store: notify every subscription
    with a matching `/message-store` or `/voicemail` filter, on the same queue as telephony events."""
    made = []
    subscriptions = (
        Subscription.objects.active()
        .select_related("extension")
        .filter(extension__account_id=message.account_id)
    )
    for sub in subscriptions:
        for flt in subscription_filters(sub):
            if not message_matches(
                flt, extension_id=message.extension_id, message_type=message.type, direction=message.direction
            ):
                continue
            if flt.kind == "voicemail" and not new:
                continue  # the voicemail event announces new voicemail only
            body = (
                voicemail_event_body(message)
                if flt.kind == "voicemail"
                else message_store_event_body(message, new=new)
            )
            payload = envelope(event=flt.text, body=body, subscription_id=sub.id, owner_id=sub.extension_id)
            made.append(
                Delivery.objects.create(
                    subscription=sub,
                    uuid=payload["uuid"],
                    event=flt.text,
                    payload=payload,
                    telephony_session_id=message.telephony_session_id,
                )
            )
    for delivery in made:
        enqueue(delivery.subscription_id, delivery.id)
    return [d.id for d in made]


def calls_of(session: CallSession, extension_id: str) -> list[CallSession]:
    """The extension's calls for its presence: every live one (a held call during a consult call
    counts too) and the one that just changed, as it is now."""
    others = [
        s
        for s in live_sessions_of(session.account_id, extension_id)
        if s.telephony_session_id != session.telephony_session_id
    ]
    return [*others, session]


def _store_presence(
    sub: Subscription, session: CallSession, path: str, extension_id: str, calls: list[CallSession]
) -> Delivery:
    body = presence_body(
        extension_id=extension_id,
        sessions=calls,
        sequence=next(_presence_sequence),
        **set_statuses(extension_id),
    )
    payload = envelope(event=path, body=body, subscription_id=sub.id, owner_id=sub.extension_id)
    return Delivery.objects.create(
        subscription=sub,
        uuid=payload["uuid"],
        event=path,
        payload=payload,
        telephony_session_id=session.telephony_session_id,
    )


# -- workers -----------------------------------------------------------------------------------

_workers: dict[str, "queue.Queue[int]"] = {}
_workers_lock = threading.Lock()


def enqueue(subscription_id: str, delivery_id: int) -> None:
    with _workers_lock:
        inbox = _workers.get(subscription_id)
        if inbox is None:
            inbox = queue.Queue()
            _workers[subscription_id] = inbox
            threading.Thread(
                target=_work, args=(inbox,), name=f"sim-delivery-{subscription_id[:8]}", daemon=True
            ).start()
    inbox.put(delivery_id)


def _work(inbox: "queue.Queue[int]") -> None:
    while True:
        delivery_id = inbox.get()
        try:
            deliver(delivery_id)
        except Exception:
            log.exception("delivery %s failed unexpectedly", delivery_id)
        finally:
            close_old_connections()
            inbox.task_done()


def wait_idle(timeout: float = 10.0) -> None:
    """Block until every queued delivery has been attempted (control API / tests)."""
    with _workers_lock:
        inboxes = list(_workers.values())
    deadline = time.monotonic() + timeout
    for inbox in inboxes:
        while inbox.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)


def deliver(delivery_id: int) -> None:
    delivery = Delivery.objects.select_related("subscription").filter(id=delivery_id).first()
    if delivery is None or delivery.state != Delivery.PENDING:
        return
    sub = delivery.subscription
    if sub.status != Subscription.ACTIVE or sub.expiration_time <= timezone.now():
        _finish(delivery, Delivery.SKIPPED, error=f"subscription {sub.status.lower()} or expired")
    elif sub.transport == Subscription.WEBHOOK:
        _post_webhook(sub, delivery)
    else:
        push_websocket(sub, delivery)


def _finish(delivery: Delivery, state: str, *, http_status: int | None = None, error: str = "") -> None:
    Delivery.objects.filter(id=delivery.id).update(
        state=state, http_status=http_status, error=error[:300], attempted_at=timezone.now()
    )


def _post_webhook(sub: Subscription, delivery: Delivery) -> None:
    headers = {
        "Content-Type": "application/json; charset=UTF-8",
        "Accept": "application/json",
        "Accept-Encoding": "UTF-8",
        "User-Agent": USER_AGENT,
    }
    if sub.verification_token:
        headers["Verification-Token"] = sub.verification_token
    try:
        response = requests.post(
            sub.address,
            data=json.dumps(delivery.payload),
            headers=headers,
            timeout=knobs.get("webhook_timeout"),
        )
    except requests.Timeout:
        _failed(sub, delivery, None, "I/O operation is failed. Details: [Read timed out]")
        return
    except requests.RequestException as exc:
        _failed(sub, delivery, None, f"I/O operation is failed. Details: [{type(exc).__name__}]")
        return
    if response.status_code != 200:
        reason = f"Webhook responses with code: [{response.status_code}], reason: [{response.reason}]"
        _failed(sub, delivery, response.status_code, reason)
        return
    if len(response.content) > MAX_RESPONSE_BYTES:
        reason = f"Webhook response exceeds max size. Read bytes count: [{MAX_RESPONSE_BYTES}]"
        _failed(sub, delivery, response.status_code, reason)
        return
    _finish(delivery, Delivery.DELIVERED, http_status=200)
    Subscription.objects.filter(id=sub.id).update(consecutive_failures=0)


def _failed(sub: Subscription, delivery: Delivery, status: int | None, reason: str) -> None:
    """Count a failed delivery; enough in a row blacklist the subscription for good (API.md §2.6)."""
    _finish(delivery, Delivery.FAILED, http_status=status, error=reason)
    Subscription.objects.filter(id=sub.id).update(consecutive_failures=F("consecutive_failures") + 1)
    failures = (
        Subscription.objects.filter(id=sub.id).values_list("consecutive_failures", flat=True).first() or 0
    )
    if failures >= knobs.get("webhook_max_failures"):
        Subscription.objects.filter(id=sub.id, status=Subscription.ACTIVE).update(
            status=Subscription.BLACKLISTED, blacklisted_at=timezone.now(), blacklisted_reason=reason[:300]
        )


def _recovery_expired(ws: WsSession) -> bool:
    if ws.connected or ws.disconnected_at is None:
        return False
    return (timezone.now() - ws.disconnected_at).total_seconds() > knobs.get("ws_recovery_timeout")


def push_websocket(sub: Subscription, delivery: Delivery) -> None:
    ws = WsSession.objects.filter(token=sub.ws_session).first()
    if ws is None:
        _finish(delivery, Delivery.SKIPPED, error="no WebSocket session")
        return
    if not gateway.connected(ws.token):
        if _recovery_expired(ws):
            # Nobody can recover this session any more: RingCentral drops its subscription.
            _finish(delivery, Delivery.SKIPPED, error="WebSocket session gone")
            Subscription.objects.filter(id=sub.id).delete()
            return
        Delivery.objects.filter(id=delivery.id).update(state=Delivery.BUFFERED)
        return
    WsSession.objects.filter(token=ws.token).update(sequence=F("sequence") + 1)
    sequence = WsSession.objects.filter(token=ws.token).values_list("sequence", flat=True).first()
    frame = gateway.notification_frame(delivery.payload, wsc_token=ws.token, sequence=sequence)
    if gateway.send(ws.token, frame):
        _finish(delivery, Delivery.DELIVERED, http_status=200)
    else:
        Delivery.objects.filter(id=delivery.id).update(state=Delivery.BUFFERED)

"""Turning RingCentral notifications into Call state: the one ingest path for both doors
(the webhook view and the `ringcentral_listen` WebSocket listener).

Every notification is validated, stored once in the CallEvent inbox (unique uuid), then applied
to its Call under a row lock. A failure while applying leaves the event stored with its error so
`retry_unprocessed_events` can apply it later; nothing a caller sends is lost.
"""

import logging
from collections.abc import Callable
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models import Resource
from telephony.call_state import apply_party_change
from telephony.models import Call, CallEvent, Subscription
from telephony.notifications import (
    PartyChange,
    TelephonyNotification,
    is_telephony_event,
    read_envelope,
    read_telephony,
)

logger = logging.getLogger(__name__)

# Called after a call changed and the change committed: (call, rang_first_time). The call
# wizard registers itself here so this module does not depend on rendering.
call_listeners: list[Callable[[Call, bool], None]] = []


class Outcome(StrEnum):
    APPLIED = "applied"
    STALE = "stale"
    DUPLICATE = "duplicate"
    STORED = "stored"  # kept in the inbox: not a telephony event, or applying failed (retried later)


def find_subscription(subscription_id: str) -> Subscription | None:
    return (
        Subscription.objects.select_related("connector", "resource__entity", "resource__user")
        .filter(rc_subscription_id=subscription_id)
        .first()
    )


def ingest(payload: dict, *, subscription: Subscription) -> Outcome:
    """Store a notification once and apply it. Raises MalformedNotification before storing anything."""
    uuid, subscription_id = read_envelope(payload)
    notification = read_telephony(payload) if is_telephony_event(payload) else None
    try:
        with transaction.atomic():
            event = CallEvent.objects.create(
                uuid=uuid,
                subscription_id=subscription_id,
                telephony_session_id=notification.telephony_session_id if notification else "",
                payload=payload,
            )
    except IntegrityError:
        return Outcome.DUPLICATE
    Subscription.objects.filter(pk=subscription.pk).update(last_event_at=timezone.now())
    if notification is None:
        CallEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now())
        return Outcome.STORED
    return _apply_stored(event, notification, subscription.resource)


def _apply_stored(event: CallEvent, notification: TelephonyNotification, resource: Resource) -> Outcome:
    try:
        changed = apply_notification(notification, resource=resource)
    except Exception as exc:  # the event stays in the inbox with its error and is retried
        logger.exception("Could not apply RingCentral event %s", event.uuid)
        CallEvent.objects.filter(pk=event.pk).update(error=f"{type(exc).__name__}: {exc}"[:2000])
        return Outcome.STORED
    CallEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now(), error="")
    return Outcome.APPLIED if changed else Outcome.STALE


def retry_unprocessed_events(*, limit: int = 500) -> int:
    """Apply stored events whose first attempt failed. Returns how many were applied."""
    applied = 0
    pending = CallEvent.objects.filter(processed_at__isnull=True).exclude(error="").order_by("pk")[:limit]
    for event in pending:
        subscription = find_subscription(event.subscription_id)
        if subscription is None:
            CallEvent.objects.filter(pk=event.pk).update(
                processed_at=timezone.now(), error="subscription gone"
            )
            continue
        outcome = _apply_stored(event, read_telephony(event.payload), subscription.resource)
        applied += outcome in (Outcome.APPLIED, Outcome.STALE)
    return applied


def _ours(party: PartyChange, resource: Resource, notification: TelephonyNotification) -> bool:
    extension_id = resource.ringcentral_extension_id or notification.owner_id
    return bool(party.extension_id) and party.extension_id == extension_id


def _lock_call(
    resource: Resource, notification: TelephonyNotification, party: PartyChange
) -> tuple[Call, bool]:
    calls = Call.objects.select_for_update()
    key = {"entity": resource.entity, "telephony_session_id": notification.telephony_session_id}
    call = calls.filter(**key).first()
    if call is not None:
        return call, False
    inbound = party.direction.lower() != "outbound"
    try:
        with transaction.atomic():
            call = Call.objects.create(
                **key,
                resource=resource,
                session_id=notification.session_id,
                party_id=party.party_id,
                direction=Call.Direction.INBOUND if inbound else Call.Direction.OUTBOUND,
                from_number=party.from_number,
                from_name=party.from_name,
                to_number=party.to_number,
                to_name=party.to_name,
                extension_id=party.extension_id,
                other_extension_id=party.from_extension_id if inbound else party.to_extension_id,
                started_at=notification.event_time or timezone.now(),
            )
        return call, True
    except IntegrityError:  # another worker created it a moment ago
        return calls.get(**key), False


def apply_notification(notification: TelephonyNotification, *, resource: Resource) -> bool:
    """Apply our resource's party changes to the call; returns whether anything changed."""
    ours = [p for p in notification.parties if _ours(p, resource, notification)]
    if not ours:
        return False
    at = notification.event_time or timezone.now()
    with transaction.atomic():
        call, created = _lock_call(resource, notification, ours[0])
        was_ringing = call.state == Call.State.RINGING and not created
        changed = False
        for party in ours:
            changed |= apply_party_change(call, party, notification.sequence, at)
        if not changed:
            return False
        call.session_id = call.session_id or notification.session_id
        call.resource = call.resource or resource
        call.save()
        rang_first_time = call.state == Call.State.RINGING and not was_ringing and call.answered_at is None
        transaction.on_commit(lambda: _notify(call, rang_first_time))
    return True


def _notify(call: Call, rang_first_time: bool) -> None:
    for listener in call_listeners:
        try:
            listener(call, rang_first_time)
        except Exception:
            logger.exception("A call listener failed for call %s", call.pk)

"""Turning RingCentral notifications into Call state: the one ingest path for both doors
(the webhook view and the `ringcentral_listen` WebSocket listener).

Every notification is validated, stored once in the CallEvent inbox (unique uuid), then applied
to its Call under a row lock. A failure while applying leaves the event stored with its error so
`retry_unprocessed_events` can apply it later; nothing a caller sends is lost.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models import Resource
from telephony.connect.presence import apply_presence_event
from telephony.ingest.call_state import apply_party_change
from telephony.ingest.notifications import (
    Envelope,
    PartyChange,
    TelephonyNotification,
    read_envelope,
    read_telephony,
)
from telephony.models import Call, CallEvent, Subscription

logger = logging.getLogger(__name__)

# Called inside the transaction that changed a call, under its row lock, with the call as it is
# now. Listeners decide from the call itself (e.g. "live and not popped up yet"), never from
# which event came first, and defer whatever leaves the process (pushes, tasks) with
# transaction.on_commit. The call wizard registers itself here (TelephonyConfig.ready) so this
# module does not depend on rendering.
call_listeners: list[Callable[[Call], None]] = []
# Asked, under the ingest transaction, before a new Call row is made for a session we have not
# seen: a claimer may return an existing row that is this call (click-to-dial registers one).
CallClaimer = Callable[..., Call | None]
call_claimers: list[CallClaimer] = []
# Called with any other notification (message store, voicemail…) inside the transaction that
# stored it, under a savepoint: a failure is recorded on the stored event and never costs the
# delivery its 200 (RingCentral does not send it again either way). Callbacks register here.
NotificationListener = Callable[[Envelope, Subscription], None]
notification_listeners: list[NotificationListener] = []
LAST_EVENT_PRECISION = timedelta(minutes=1)


class Outcome(StrEnum):
    APPLIED = "applied"
    STALE = "stale"  # our party's event, but it tells nothing new (older than what we know, twice)
    NOT_FOR_USER = "not_for_user"  # no party of this user: the caller, an IVR leg, a colleague
    DUPLICATE = "duplicate"
    STORED = "stored"  # kept in the inbox: not a telephony event, or applying failed (retried later)


def find_subscription(subscription_id: str) -> Subscription | None:
    return (
        Subscription.objects.select_related("connector", "resource__entity")
        .filter(rc_subscription_id=subscription_id)
        .first()
    )


def ingest(envelope: Envelope | dict, *, subscription: Subscription) -> Outcome:
    """Store a notification once and apply it. Raises MalformedNotification before storing anything.

    Storing, applying and the listeners' writes share one transaction: every COMMIT waits for a
    WAL flush, the dearest step of a webhook (bench/screen_pop.py). Applying runs under a
    savepoint, so a failure still leaves the event stored with its error.
    """
    if not isinstance(envelope, Envelope):
        envelope = read_envelope(envelope)
    notification = read_telephony(envelope) if envelope.is_telephony else None
    now = timezone.now()
    try:
        with transaction.atomic():
            event = CallEvent.objects.create(
                uuid=envelope.uuid,
                subscription_id=envelope.subscription_id,
                telephony_session_id=notification.telephony_session_id if notification else "",
                payload=envelope.payload,
                # Applied below in this same transaction; a failure clears it again (_apply_stored).
                processed_at=now,
            )
            outcome = _apply_stored(event, notification, subscription.resource) if notification else None
            if envelope.is_presence:
                _apply_presence(event, envelope.payload, subscription)
            elif notification is None:
                _tell_listeners(event, envelope, subscription)
            _touch(subscription, now)
    except IntegrityError:  # the uuid is stored already: the first statement failed, nothing else ran
        return Outcome.DUPLICATE
    return outcome or Outcome.STORED


def _touch(subscription: Subscription, now: datetime) -> None:
    # "Last event received" is shown to the minute; rewriting the row on every event would also
    # make concurrent events of one user queue behind each other's transactions on its lock.
    if subscription.last_event_at is None or now - subscription.last_event_at > LAST_EVENT_PRECISION:
        Subscription.objects.filter(pk=subscription.pk).update(last_event_at=now)
        subscription.last_event_at = now


def _apply_stored(event: CallEvent, notification: TelephonyNotification, resource: Resource) -> Outcome:
    try:
        outcome = apply_notification(notification, resource=resource)
    except Exception as exc:  # the event stays in the inbox with its error and is retried
        logger.exception("Could not apply RingCentral event %s", event.uuid)
        CallEvent.objects.filter(pk=event.pk).update(
            processed_at=None, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return Outcome.STORED
    if event.processed_at is None or event.error:  # a retry of an event whose first attempt failed
        CallEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now(), error="")
    return outcome


def _apply_presence(event: CallEvent, payload: dict, subscription: Subscription) -> None:
    # A presence notification is a snapshot the next one supersedes: a failure is recorded on the
    # stored event (kept, not retried) and never costs the webhook its 200.
    try:
        with transaction.atomic():
            apply_presence_event(payload, subscription=subscription)
    except Exception as exc:
        logger.exception("Could not apply RingCentral presence event %s", event.uuid)
        CallEvent.objects.filter(pk=event.pk).update(error=f"{type(exc).__name__}: {exc}"[:2000])


def _tell_listeners(event: CallEvent, envelope: Envelope, subscription: Subscription) -> None:
    for listener in notification_listeners:
        try:
            with transaction.atomic():
                listener(envelope, subscription)
        except Exception as exc:
            logger.exception("A notification listener failed for RingCentral event %s", event.uuid)
            CallEvent.objects.filter(pk=event.pk).update(error=f"{type(exc).__name__}: {exc}"[:2000])


def retry_unprocessed_events(*, limit: int = 500) -> int:
    """Apply stored events whose first attempt failed. Returns how many were applied."""
    applied = 0
    pending = (
        CallEvent.objects.filter(processed_at__isnull=True)
        .exclude(error="")
        .exclude(telephony_session_id="")  # only telephony events are applied again
        .order_by("pk")[:limit]
    )
    for event in pending:
        subscription = find_subscription(event.subscription_id)
        if subscription is None:
            CallEvent.objects.filter(pk=event.pk).update(
                processed_at=timezone.now(), error="subscription gone"
            )
            continue
        outcome = _apply_stored(event, read_telephony(event.payload), subscription.resource)
        applied += outcome != Outcome.STORED
    return applied


def _ours(party: PartyChange, resource: Resource, notification: TelephonyNotification) -> bool:
    # Only the user's own party says what the call is for them. Left out on purpose: the PSTN
    # side (no extensionId), IVR and queue legs and colleagues' parties (their extensionId), and,
    # inside our party, park, standAlone, rcc and mobilePickupData (notifications.py does not read them).
    extension_id = resource.ringcentral_extension_id or notification.owner_id
    return bool(party.extension_id) and party.extension_id == extension_id


def _lock_call(
    resource: Resource, notification: TelephonyNotification, party: PartyChange
) -> tuple[Call, bool]:
    calls = Call.objects.select_for_update()
    key = {
        "entity": resource.entity,
        "telephony_session_id": notification.telephony_session_id,
        "extension_id": party.extension_id,
    }
    call = calls.filter(**key).first()
    if call is not None:
        return call, False
    for claim in call_claimers:
        claimed = claim(resource=resource, notification=notification, party=party)
        if claimed is not None:  # e.g. the first event of a call the user dialled from Arcadium
            return claimed, False
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
                other_extension_id=party.from_extension_id if inbound else party.to_extension_id,
                started_at=notification.event_time or timezone.now(),
            )
        return call, True
    except IntegrityError:  # another worker created it a moment ago
        return calls.get(**key), False


def apply_notification(notification: TelephonyNotification, *, resource: Resource) -> Outcome:
    """Apply our resource's party changes to the call: APPLIED when the call changed, STALE when
    nothing was new, NOT_FOR_USER when no party of the notification is the resource's."""
    ours = [p for p in notification.parties if _ours(p, resource, notification)]
    if not ours:
        return Outcome.NOT_FOR_USER
    at = notification.event_time or timezone.now()
    with transaction.atomic():
        call, created = _lock_call(resource, notification, ours[0])
        changed = created
        for party in ours:
            changed |= apply_party_change(call, party, notification.sequence, at)
        if not changed:
            return Outcome.STALE
        call.session_id = call.session_id or notification.session_id
        call.resource = call.resource or resource
        call.save()
        _notify(call)
    return Outcome.APPLIED


def _notify(call: Call) -> None:
    for listener in call_listeners:
        try:
            with transaction.atomic():  # a failing listener rolls back its own writes, not the call's
                listener(call)
        except Exception:
            logger.exception("A call listener failed for call %s", call.pk)

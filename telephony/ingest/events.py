"""Turning RingCentral notifications into Call state: the one ingest path for both doors
(the webhook view and the `ringcentral_listen` WebSocket listener).

Two steps, each in one transaction. The doors store a notification once in the CallEvent inbox
(unique uuid; `inbox.py`). `apply_events` applies stored events to their calls
under row locks and calls the registered listeners (match, render, push after commit). The
ingest process (`manage.py run_ingest`, `ingest/process.py`) claims waiting events in batches
with `apply_waiting`; with `settings.INGEST_INLINE` (the embedded defaults, the tests) the door
calls the same `apply_events` itself, in its own transaction. A failure while applying leaves the
event stored with its error so `retry_unprocessed_events` applies it later; nothing a caller
sends is lost.
"""

import logging
from collections.abc import Callable, Iterable
from enum import StrEnum
from functools import cache

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from arcadium import prepared
from crm.models import Entity, Resource
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
CallListener = Callable[[Call], None]
call_listeners: list[CallListener] = []
# Asked, under the ingest transaction, before a new Call row is made for a session we have not
# seen: a claimer may return an existing row that is this call (click-to-dial registers one).
CallClaimer = Callable[..., Call | None]
call_claimers: list[CallClaimer] = []
# Called with any other notification (message store, voicemail…) inside the transaction that
# applies it, under a savepoint: a failure is recorded on the stored event and never costs the
# delivery its 200 (RingCentral does not send it again either way). Callbacks register here.
NotificationListener = Callable[[Envelope, Subscription], None]
notification_listeners: list[NotificationListener] = []
NOT_APPLIED_LOG = "RingCentral event %s of subscription %s: %s"
# Two ingest processes' batches met on a call lock: PostgreSQL aborts one of them whole.
TRANSIENT = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)


class Outcome(StrEnum):
    APPLIED = "applied"
    STALE = "stale"  # our party's event, but it tells nothing new (older than what we know, twice)
    NOT_FOR_USER = "not_for_user"  # no party of this user: the caller, an IVR leg, a colleague
    DUPLICATE = "duplicate"
    # Kept in the inbox: waiting for the ingest process, not a telephony event, or applying
    # failed (retried later).
    STORED = "stored"


# -- the ingest step: claim, apply ------------------------------------------------------------


def apply_waiting(*, limit: int = 100) -> int:
    """The ingest process's step: claim up to `limit` waiting events that no other ingest process
    holds (FOR UPDATE SKIP LOCKED), apply them and commit once. Returns how many were claimed.

    The claim marks the events applied in the same statement, and applying shares the claim's
    transaction: a process killed mid-batch applied nothing (PostgreSQL rolls back, marks
    included) and its rows are claimable again at once.

    A batch is first applied whole, with no savepoint per event or listener (four statements
    less per call). If anything in it fails, it is rolled back and claimed again with a savepoint
    around each event and each listener, so one failing event or listener costs only its own
    writes and keeps its error for the retry, as the door's inline path always does.
    """
    if not connection.features.has_select_for_update_skip_locked and not _any_waiting():
        return 0  # SQLite: a claim takes the whole database's write lock, so look first
    try:
        return _apply_batch(limit, isolated=False)
    except Exception as exc:
        if isinstance(exc.__cause__, TRANSIENT):
            raise  # another process's batch met ours: claimed again as it is (process.py)
        logger.info("An ingest batch failed whole; applying it again event by event", exc_info=True)
    return _apply_batch(limit, isolated=True)


def _apply_batch(limit: int, *, isolated: bool) -> int:
    with transaction.atomic():
        claimed, subscriptions = _claim(limit)
        if claimed:
            apply_events(claimed, subscriptions=subscriptions, batch=True, marked=True, isolated=isolated)
    return len(claimed)


# This transaction's COMMIT need not wait for the WAL flush (about a millisecond here, on every
# batch): if PostgreSQL crashed before the flush, the whole batch, its marks included, would be
# gone and its events claimed and applied again; applying is idempotent. Only this transaction:
# the inbox INSERT that a webhook's 200 promises is flushed before answering.
COMMIT_WITHOUT_WAITING_FOR_DISK = "SET LOCAL synchronous_commit TO OFF"


def _any_waiting() -> bool:
    sql = f"SELECT 1 FROM {CallEvent._meta.db_table} WHERE {CallEvent.WAITING_SQL} LIMIT 1"  # noqa: S608  (model metadata)
    return bool(prepared.fetch_all(sql, []))


def _claim(limit: int) -> tuple[list[CallEvent], dict[int, Subscription]]:
    """Up to `limit` waiting events, oldest first, locked and marked applied, with their
    subscriptions (resource and company): one round trip on PostgreSQL."""
    names = prepared.columns(CallEvent)[1]
    if connection.vendor != "postgresql":  # SQLite: no UPDATE in a WITH, no row locks
        rows = prepared.fetch_all(_claim_sql(), [timezone.now(), limit])
        claimed = sorted((prepared.instance(CallEvent, names, row) for row in rows), key=lambda e: e.pk)
        return claimed, _subscriptions_for(claimed)
    rows = prepared.fetch_all(
        _claim_with_subscriptions_sql(), [timezone.now(), limit], first=[COMMIT_WITHOUT_WAITING_FOR_DISK]
    )
    claimed, subscriptions = [], {}
    for row in rows:
        event = prepared.instance(CallEvent, names, row[: len(names)])
        claimed.append(event)
        if row[len(names)] is not None:
            subscription = _subscription_with_resource(row[len(names) :])
            subscriptions[subscription.pk] = subscription
    unjoined = [e for e in claimed if e.source_id not in subscriptions]
    if unjoined:  # stored before it had a source: found through RingCentral's subscription id
        subscriptions.update(_subscriptions_for(unjoined))
    return sorted(claimed, key=lambda e: e.pk), subscriptions


@cache
def _claim_sql() -> str:
    table = CallEvent._meta.db_table
    returned, _ = prepared.columns(CallEvent)
    lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    # Identifiers come from model metadata; values are bound parameters.
    return (
        f"UPDATE {table} SET processed_at = %s WHERE id IN "  # noqa: S608
        f"(SELECT id FROM {table} WHERE {CallEvent.WAITING_SQL} ORDER BY id LIMIT %s{lock}) RETURNING {returned}"
    )


@cache
def _claim_with_subscriptions_sql() -> str:
    claimed, _ = prepared.columns(CallEvent, "claimed")
    # Identifiers come from model metadata; values are bound parameters.
    return (
        f"WITH claimed AS ({_claim_sql()}) SELECT {claimed}, {_subscription_columns()} FROM claimed "  # noqa: S608
        f"{_subscription_joins('claimed.source_id')}"
    )


def _tell_listeners(event: CallEvent, subscription: Subscription) -> bool:
    """Hand any other notification to the registered listeners; True when a failure was
    recorded on the event (kept, not retried: RingCentral does not send it again either)."""
    if not notification_listeners:
        return False
    envelope = read_envelope(event.payload)
    for listener in notification_listeners:
        try:
            with transaction.atomic():
                listener(envelope, subscription)
        except Exception as exc:
            logger.exception("A notification listener failed for RingCentral event %s", event.uuid)
            _record(event, error=f"{type(exc).__name__}: {exc}"[:2000], processed=True)
            return True
    return False


def retry_unprocessed_events(*, limit: int = 500) -> int:
    """Apply stored events whose first attempt failed. Returns how many were applied."""
    with transaction.atomic():
        failed = list(
            CallEvent.objects.select_for_update(skip_locked=True)
            .filter(processed_at__isnull=True)
            .exclude(error="")
            .exclude(telephony_session_id="")  # only telephony events are applied again
            .order_by("pk")[:limit]
        )
        outcomes = apply_events(failed, batch=True)
    return sum(outcome != Outcome.STORED for outcome in outcomes.values())


def _subscriptions_for(events: list[CallEvent]) -> dict[int, Subscription]:
    """The events' subscriptions by pk, in one query; an event stored before it had a source
    gets its subscription through RingCentral's id."""
    by_pk, by_pk_params = prepared.any_of("s.id", sorted({e.source_id for e in events if e.source_id}))
    by_rc, by_rc_params = prepared.any_of(
        "s.rc_subscription_id", sorted({e.subscription_id for e in events if not e.source_id})
    )
    found = [
        _subscription_with_resource(row)
        for row in prepared.fetch_all(_subscriptions_sql(f"{by_pk} OR {by_rc}"), by_pk_params + by_rc_params)
    ]
    by_rc_id = {s.rc_subscription_id: s for s in found}
    for event in events:
        if not event.source_id and event.subscription_id in by_rc_id:
            event.source_id = by_rc_id[event.subscription_id].pk
    return {s.pk: s for s in found}


@cache
def _subscriptions_sql(where: str) -> str:
    # Identifiers come from model metadata and `where` from code; values are bound parameters.
    return (
        f"SELECT {_subscription_columns()} FROM {Subscription._meta.db_table} s "  # noqa: S608
        f"{_subscription_joins()} WHERE {where}"
    )


def _subscription_columns() -> str:
    """A subscription's columns, its resource's and the resource's company's (s, r, e)."""
    return ", ".join(prepared.columns(model, alias)[0] for model, alias in _JOINED)


def _subscription_joins(source: str = "") -> str:
    """The joins that give `_subscription_columns` from a subscription (or from `source`, a
    column holding a subscription id, joining the subscription too)."""
    joined = f"LEFT JOIN {Subscription._meta.db_table} s ON s.id = {source} " if source else ""
    return (
        f"{joined}LEFT JOIN {Resource._meta.db_table} r ON r.id = s.resource_id "
        f"LEFT JOIN {Entity._meta.db_table} e ON e.id = r.entity_id"
    )


_JOINED = ((Subscription, "s"), (Resource, "r"), (Entity, "e"))


def _subscription_with_resource(row: tuple) -> Subscription:
    """A subscription with its resource and the resource's company, from one joined row."""
    names = [prepared.columns(model)[1] for model in (Subscription, Resource, Entity)]
    subscription_values = row[: len(names[0])]
    resource_values = row[len(names[0]) : len(names[0]) + len(names[1])]
    entity_values = row[len(names[0]) + len(names[1]) :]
    subscription = prepared.instance(Subscription, names[0], subscription_values)
    if resource_values[0] is not None:
        resource = prepared.instance(Resource, names[1], resource_values)
        resource.entity = prepared.instance(Entity, names[2], entity_values)
        subscription.resource = resource
    else:  # a subscription whose resource is gone: known as such, not loaded again
        subscription._state.fields_cache["resource"] = None
    return subscription


def apply_events(
    events: Iterable[CallEvent],
    *,
    subscriptions: dict[int, Subscription] | None = None,
    batch: bool = False,
    marked: bool = False,
    isolated: bool = True,
) -> dict[int, Outcome]:
    """Apply stored events (inside the caller's transaction, which holds them) and mark them
    applied (unless the claim `marked` them already): the one apply step of the door (inline) and
    of the ingest process (`batch`: logs what did not apply, and a deadlock rolls the whole batch
    back to be claimed again). `isolated`: each event and each listener in a savepoint of its
    own, a failure recorded on its event; without, any failure is raised for the caller to roll
    the whole transaction back.

    Events are applied by telephony session, so concurrent batches lock calls in one order.
    """
    events = sorted(events, key=lambda e: (e.telephony_session_id, e.pk))
    if subscriptions is None:
        subscriptions = _subscriptions_for(events)
    outcomes: dict[int, Outcome] = {}
    done = []
    for event in events:
        subscription = subscriptions.get(event.source_id) if event.source_id else None
        outcome, recorded = _apply_one(event, subscription, batch=batch, isolated=isolated)
        outcomes[event.pk] = outcome
        if not recorded:
            done.append(event.pk)
        if batch and outcome in (Outcome.STALE, Outcome.NOT_FOR_USER):
            logger.info(NOT_APPLIED_LOG, event.uuid, event.subscription_id, outcome)
    if done and not marked:  # one statement for the batch
        applied, ids = prepared.any_of("id", done)
        prepared.run(
            f"UPDATE {CallEvent._meta.db_table} SET processed_at = %s, error = '' WHERE {applied}",  # noqa: S608
            [timezone.now(), *ids],
        )
    return outcomes


def _apply_one(
    event: CallEvent, subscription: Subscription | None, *, batch: bool, isolated: bool
) -> tuple[Outcome, bool]:
    """How the event applied, and whether its row is written already (else: mark it applied)."""
    if subscription is None:
        _record(event, error="subscription gone", processed=True)
        return Outcome.STORED, True
    if event.telephony_session_id:
        notification = read_telephony(event.payload)
        try:
            return apply_notification(notification, resource=subscription.resource, isolated=isolated), False
        except Exception as exc:  # the event stays in the inbox with its error and is retried
            if not isolated or (batch and isinstance(exc.__cause__, TRANSIENT)):
                raise  # the whole batch is rolled back and claimed again
            logger.exception("Could not apply RingCentral event %s", event.uuid)
            _record(event, error=f"{type(exc).__name__}: {exc}"[:2000], processed=False)
            return Outcome.STORED, True
    if "/presence" in str(event.payload.get("event", "")):
        return Outcome.STORED, _apply_presence(event, subscription)
    return Outcome.STORED, _tell_listeners(event, subscription)


def _record(event: CallEvent, *, error: str, processed: bool) -> None:
    event.error = error
    event.processed_at = timezone.now() if processed else None
    CallEvent.objects.filter(pk=event.pk).update(error=event.error, processed_at=event.processed_at)


def _apply_presence(event: CallEvent, subscription: Subscription) -> bool:
    # A presence notification is a snapshot the next one supersedes: a failure is recorded on the
    # stored event (kept, not retried) and never costs the delivery its 200.
    try:
        with transaction.atomic():
            apply_presence_event(event.payload, subscription=subscription)
    except Exception as exc:
        logger.exception("Could not apply RingCentral presence event %s", event.uuid)
        _record(event, error=f"{type(exc).__name__}: {exc}"[:2000], processed=True)
        return True
    return False


def _ours(party: PartyChange, resource: Resource, notification: TelephonyNotification) -> bool:
    # Only the user's own party says what the call is for them. Left out on purpose: the PSTN
    # side (no extensionId), IVR and queue legs and colleagues' parties (their extensionId), and,
    # inside our party, park, standAlone, rcc and mobilePickupData (notifications.py does not read them).
    extension_id = resource.ringcentral_extension_id or notification.owner_id
    return bool(party.extension_id) and party.extension_id == extension_id


# The row of one user's party of a session (Call's partial unique constraint, as ON CONFLICT names it).
CALL_KEY = "entity_id = %s AND telephony_session_id = %s AND extension_id = %s"
CALL_CONFLICT = "(entity_id, telephony_session_id, extension_id) WHERE NOT (telephony_session_id = '')"


def _lock_call(
    resource: Resource, notification: TelephonyNotification, party: PartyChange
) -> tuple[Call, bool]:
    """The call of our party, locked; or a new Call not saved yet (True), made from this event."""
    key = [resource.entity_id, notification.telephony_session_id, party.extension_id]
    found = prepared.select(Call, CALL_KEY, key, lock="FOR UPDATE")
    if found:
        return _with_relations(found[0], resource), False
    for claim in call_claimers:
        claimed = claim(resource=resource, notification=notification, party=party)
        if claimed is not None:  # e.g. the first event of a call the user dialled from Arcadium
            return claimed, False
    inbound = party.direction.lower() != "outbound"
    call = Call(
        entity=resource.entity,
        telephony_session_id=notification.telephony_session_id,
        extension_id=party.extension_id,
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


def _with_relations(call: Call, resource: Resource) -> Call:
    # The listeners read the call's company and resource: the ones in hand, not a query each.
    call.entity = resource.entity
    if call.resource_id == resource.pk:
        call.resource = resource
    return call


def apply_notification(
    notification: TelephonyNotification, *, resource: Resource, isolated: bool = True
) -> Outcome:
    """Apply our resource's party changes to the call: APPLIED when the call changed, STALE when
    nothing was new, NOT_FOR_USER when no party of the notification is the resource's.
    `isolated`: in a savepoint, and each listener in its own (see apply_events)."""
    ours = [p for p in notification.parties if _ours(p, resource, notification)]
    if not ours:
        return Outcome.NOT_FOR_USER
    at = notification.event_time or timezone.now()
    with transaction.atomic(savepoint=isolated):
        for _attempt in range(2):
            call, new = _lock_call(resource, notification, ours[0])
            changed = new
            for party in ours:
                changed |= apply_party_change(call, party, notification.sequence, at)
            if not changed:
                return Outcome.STALE
            call.session_id = call.session_id or notification.session_id
            if call.resource_id is None:
                call.resource = resource
            if not new:
                prepared.update(call)
                break
            # The new row with this event applied, in one statement; if another ingest process
            # made the row a moment ago, apply the event to theirs instead.
            if prepared.insert(call, on_conflict=CALL_CONFLICT):
                break
        else:  # the other process's row vanished between its insert and our lock: retried later
            raise RuntimeError(f"no row for telephony session {notification.telephony_session_id}")
        _notify(call, isolated=isolated)
    return Outcome.APPLIED


def concerned_with(test: Callable[[Call], bool]) -> Callable[[CallListener], CallListener]:
    """Mark a call listener with the cheap test of whether a call is any of its business: ingest
    calls it, in a savepoint of its own (two more statements), only for the calls that pass."""

    def mark(listener: CallListener) -> CallListener:
        listener.concerns = test  # type: ignore[attr-defined]
        return listener

    return mark


def _notify(call: Call, *, isolated: bool) -> None:
    for listener in call_listeners:
        concerns = getattr(listener, "concerns", None)
        if concerns is not None and not concerns(call):
            continue
        if not isolated:
            listener(call)  # a failure rolls the whole batch back, to be applied again isolated
            continue
        try:
            with transaction.atomic():  # a failing listener rolls back its own writes, not the call's
                listener(call)
        except Exception:
            logger.exception("A call listener failed for call %s", call.pk)

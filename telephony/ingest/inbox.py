"""The inbox's door side: a delivery's subscription found, its token checked, the delivery stored
once in the CallEvent inbox (unique uuid) and, with `settings.INGEST_INLINE`, applied at once
through `events.apply_events`; otherwise the ingest process applies it (`events.apply_waiting`).
"""

import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from arcadium import prepared
from telephony.ingest.events import Outcome, apply_events
from telephony.ingest.notifications import Envelope, TelephonyNotification, read_envelope, read_telephony
from telephony.models import CallEvent, Connector, Subscription

LAST_EVENT_PRECISION = timedelta(minutes=1)


@cache
def _subscription_query() -> tuple[str, list[str]]:
    concrete = Subscription._meta.concrete_fields
    fields = [f.attname for f in concrete]
    columns = ", ".join(f's."{f.column}"' for f in concrete)
    # Identifiers come from model metadata; the value is a bound parameter.
    sql = (
        f"SELECT {columns}, c.verification_token FROM {Subscription._meta.db_table} s "  # noqa: S608
        f"JOIN {Connector._meta.db_table} c ON c.id = s.connector_id WHERE s.rc_subscription_id = %s "
        "ORDER BY s.id LIMIT 1"
    )
    return sql, fields


def find_subscription(subscription_id: str) -> Subscription | None:
    """The subscription a delivery is for, with its connector's verification token (resource and
    entity load only if needed)."""
    sql, fields = _subscription_query()
    rows = prepared.fetch_all(sql, [subscription_id])
    if not rows:
        return None
    *values, token = rows[0]
    return _subscription_of(fields, values, token)


def _subscription_of(fields: list[str], values: list, token: str) -> Subscription:
    subscription = prepared.instance(Subscription, fields, values)
    subscription.connector = prepared.instance(
        Connector, ["id", "verification_token"], [subscription.connector_id, token]
    )
    return subscription


def ingest_delivery(
    envelope: Envelope, notification: TelephonyNotification | None, *, token: str
) -> tuple[Subscription | None, Outcome | None]:
    """The webhook door's store: the delivery's subscription (None when it is not one of ours) and,
    when `token` is its connector's verification token, how storing (and, with INGEST_INLINE,
    applying) went; None for a wrong token, nothing stored. The caller still compares the token
    itself (in constant time): that comparison decides the answer.

    On PostgreSQL, finding the subscription and the conditional INSERT are one statement, in
    autocommit: one round trip and one COMMIT, flushed before the door answers.
    """
    subscription, event, outcome = _stored(lambda: _find_and_store(envelope, notification, token))
    if subscription is None or not token_matches(token, subscription.connector.verification_token):
        return subscription, None
    if event is None:
        return subscription, Outcome.DUPLICATE
    _touch(subscription)
    return subscription, outcome


def token_matches(given: str, expected: str) -> bool:
    """A delivery's verification token against ours, in constant time."""
    # compare_digest refuses non-ASCII str (TypeError): compare bytes, whatever a client sent.
    return secrets.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def _find_and_store(
    envelope: Envelope, notification: TelephonyNotification | None, token: str
) -> tuple[Subscription | None, CallEvent | None]:
    if connection.vendor != "postgresql":  # SQLite: no INSERT inside a WITH
        subscription = find_subscription(envelope.subscription_id)
        if subscription is None or not token_matches(token, subscription.connector.verification_token):
            return subscription, None
        return subscription, _store(envelope, notification, subscription)
    event = _inbox_row(envelope, notification)
    sql, fields = _find_and_store_sql()
    # PostgreSQL text cannot hold NUL: such a token is wrong anyway, and NULL equals nothing.
    sendable = token if "\x00" not in token else None
    values = _inserted_values(event)
    del values[2]  # the source: the subscription the statement finds
    rows = prepared.fetch_all(sql, [envelope.subscription_id, *values, sendable])
    if not rows:
        return None, None
    *values, verification_token, event.pk = rows[0]
    subscription = _subscription_of(fields, values, verification_token)
    event.source_id = subscription.pk
    return subscription, (event if event.pk is not None else None)


@cache
def _find_and_store_sql() -> tuple[str, list[str]]:
    find, fields = _subscription_query()
    table = CallEvent._meta.db_table
    selected = ", ".join(f'found."{f.column}"' for f in Subscription._meta.concrete_fields)
    # Identifiers come from model metadata; values are bound parameters. The INSERT happens only
    # when the token is the subscription's (a wrong one stores nothing).
    sql = (
        f"WITH found AS ({find}), stored AS ("  # noqa: S608
        f"INSERT INTO {table} (uuid, subscription_id, source_id, telephony_session_id, payload, "
        "received_at, processed_at, error) SELECT %s, %s, found.id, %s, %s, %s, NULL, '' FROM found "
        "WHERE found.verification_token = %s ON CONFLICT (uuid) DO NOTHING RETURNING id) "
        f"SELECT {selected}, found.verification_token, (SELECT id FROM stored) FROM found"
    )
    return sql, fields


def ingest(envelope: Envelope | dict, *, subscription: Subscription) -> Outcome:
    """Store a notification once (STORED, or DUPLICATE); with INGEST_INLINE apply it too and
    answer how it applied. Raises MalformedNotification before storing anything.

    Inline, storing, applying and the listeners' writes share one transaction: every COMMIT waits
    for a WAL flush. Otherwise the door's work is one INSERT, and the ingest process applies it.
    """
    if not isinstance(envelope, Envelope):
        envelope = read_envelope(envelope)
    notification = read_telephony(envelope) if envelope.is_telephony else None
    _, event, outcome = _stored(lambda: (subscription, _store(envelope, notification, subscription)))
    if event is None:
        return Outcome.DUPLICATE
    _touch(subscription)
    return outcome


def _stored(
    store: Callable[[], tuple[Subscription | None, CallEvent | None]],
) -> tuple[Subscription | None, CallEvent | None, Outcome]:
    """Run `store` (one statement in autocommit: one round trip and one COMMIT, whose trigger wakes
    the ingest processes); with INGEST_INLINE, in one transaction with applying what it stored."""
    if not settings.INGEST_INLINE:
        subscription, event = store()
        return subscription, event, Outcome.STORED
    with transaction.atomic():
        subscription, event = store()
        if subscription is None or event is None:
            return subscription, event, Outcome.STORED
        applied = apply_events([event], subscriptions={subscription.pk: subscription})
        return subscription, event, applied[event.pk]


def _insert_sql() -> str:
    table = CallEvent._meta.db_table
    return (
        f"INSERT INTO {table} (uuid, subscription_id, source_id, telephony_session_id, payload, "  # noqa: S608
        "received_at, processed_at, error) VALUES (%s, %s, %s, %s, %s, %s, NULL, '') "
        "ON CONFLICT (uuid) DO NOTHING RETURNING id"
    )


def _store(
    envelope: Envelope, notification: TelephonyNotification | None, subscription: Subscription
) -> CallEvent | None:
    """The event, stored waiting; None when its uuid is stored already (a repeated delivery)."""
    event = _inbox_row(envelope, notification)
    event.source_id = subscription.pk
    rows = prepared.fetch_all(_insert_sql(), _inserted_values(event))
    if not rows:
        return None
    event.pk = rows[0][0]
    return event


def _inbox_row(envelope: Envelope, notification: TelephonyNotification | None) -> CallEvent:
    """The inbox row a delivery makes, not saved yet."""
    return CallEvent(
        uuid=envelope.uuid,
        subscription_id=envelope.subscription_id,
        telephony_session_id=notification.telephony_session_id if notification else "",
        payload=envelope.payload,
        received_at=timezone.now(),
    )


def _inserted_values(event: CallEvent) -> list:
    """The values of the inbox INSERT, in its order (uuid, subscription id, source, session,
    payload, received at)."""
    payload = CallEvent._meta.get_field("payload").get_db_prep_save(event.payload, connection)
    return [
        event.uuid,
        event.subscription_id,
        event.source_id,
        event.telephony_session_id,
        payload,
        event.received_at,
    ]


def _touch(subscription: Subscription) -> None:
    # "Last event received" is shown to the minute; rewriting the row on every event would also
    # make concurrent events of one user queue behind each other's transactions on its lock.
    now = timezone.now()
    if subscription.last_event_at is None or now - subscription.last_event_at > LAST_EVENT_PRECISION:
        Subscription.objects.filter(pk=subscription.pk).update(last_event_at=now)
        subscription.last_event_at = now

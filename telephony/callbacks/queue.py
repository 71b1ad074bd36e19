"""From calls to callback items: the call listener ingest calls, and what it decides.

A call rings several people as several `Call` rows (one per user's party, same telephony session),
and RingCentral delivers their events in any order. So nothing is decided inside the ingest
transaction of one row: after it commits, `review_call` looks at the whole session as stored now,
under a lock per company and caller number, and the outcome is a function of that state:

- someone answered (any row answered) → no attempt for this session (one recorded before the
  answer was known is taken back), and any open item for the number is closed, reached;
- every row has ended unanswered → one attempt for the session, merged into the number's open
  item (created if there is none);
- a row still rings → nothing yet (its end triggers the review again).

An outbound call that connects to a number closes its open item the same way.

Calls RingCentral's call log brings in (sync) are reviewed the same way, oldest first, by a task
after each page. A missed call found there days later that nobody ever reached is recorded (the
insights count it) but closed at once as history rather than filling today's queue, and no item
made from history raises an overdue alarm.
"""

import logging
import zlib
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone

from crm.models import Entity
from crm.numbers import try_normalize
from crm.phones import find_callers, primary_match
from telephony.callbacks import live
from telephony.callbacks.models import CallbackAttempt, CallbackItem, Voicemail
from telephony.callbacks.promise import due_at, promise_for
from telephony.ingest import events
from telephony.models import Call

logger = logging.getLogger(__name__)
CONNECTED_RESULTS = {"Call connected", "Accepted"}
# An attempt older than this when first seen came from the call history, not from a live call.
SEEN_LATE = timedelta(days=1)
# A missed call from history still unreached after this long is closed as history.
HISTORY_CLOSES_AFTER = timedelta(days=3)


def _settled(call: Call) -> bool:
    return call.is_ended or call.answered_at is not None


@events.concerned_with(_settled)
def call_changed(call: Call) -> None:
    """Ingest's call listener: review the call's session once this transaction has committed."""
    if _settled(call):
        call_id = call.pk
        transaction.on_commit(lambda: review_call(call_id), robust=True)


def caller_number(call: Call, region: str) -> str:
    """The other side's number in E.164, or "" (withheld, internal, unreadable)."""
    phone = try_normalize(call.caller_number, region) if call.caller_number else None
    return phone.e164 if phone else ""


def is_internal(call: Call) -> bool:
    return bool(call.other_extension_id)


def session_key(call: Call) -> str:
    return call.telephony_session_id or f"call-{call.pk}"


def _lock_number(entity_id: int, number: str) -> None:
    # One review per company and number at a time, so two rows of one session ending together
    # cannot both miss each other (or both create an item). SQLite has a single writer anyway.
    if connection.vendor == "postgresql":
        key = zlib.crc32(f"callback:{entity_id}:{number}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _session_rows(call: Call) -> list[Call]:
    if not call.telephony_session_id:
        return [call]
    return list(
        Call.objects.filter(entity_id=call.entity_id, telephony_session_id=call.telephony_session_id)
        .select_related("resource")
        .order_by("pk")
    )


def connected(call: Call) -> bool:
    """An outbound call the other side picked up: seen live, or in the call log's words (the log
    carries no answer time)."""
    return call.answered_at is not None or call.result in CONNECTED_RESULTS


def _answered(row: Call) -> bool:
    # An inbound row that ended without being missed had been answered (ingest/call_state.py).
    return row.answered_at is not None or row.state == Call.State.ENDED


def review_call(call_id: int) -> None:
    """Bring the callback queue in line with the call's session (safe to run any number of times)."""
    call = Call.objects.select_related("entity").filter(pk=call_id).first()
    if call is None or is_internal(call):
        return
    number = caller_number(call, call.entity.default_region)
    if not number:
        return
    with transaction.atomic():
        _lock_number(call.entity_id, number)
        if call.direction == Call.Direction.OUTBOUND:
            if connected(call):
                close_reached(entity=call.entity, number=number, call=call)
            return
        rows = _session_rows(call)
        answered = [r for r in rows if _answered(r)]
        if answered:
            _forget_attempt(call.entity, session_key(call))
            first = min(answered, key=lambda r: r.answered_at or r.started_at or timezone.now())
            close_reached(entity=call.entity, number=number, call=first)
        elif all(r.is_ended for r in rows):
            record_attempt(entity=call.entity, number=number, rows=rows)


def _match(entity: Entity, number: str, rows: list[Call]) -> dict:
    matched = next((r for r in rows if r.customer_id), None)
    if matched is not None:
        return {"customer_id": matched.customer_id, "contact_id": matched.contact_id}
    best = primary_match(find_callers(entity, number))
    if best is None:
        return {}
    return {"customer_id": best.customer.pk, "contact_id": best.contact.pk if best.contact else None}


def _open_item(entity: Entity, number: str, rows: list[Call], at: datetime) -> CallbackItem:
    item = CallbackItem.objects.select_for_update().filter(entity=entity, number=number).open().first()
    if item is not None:
        return item
    name = next((r.from_name for r in rows if r.from_name), "")
    promise = promise_for(entity)
    fields = {
        "caller_name": name,
        "first_attempt_at": at,
        "last_attempt_at": at,
        **_match(entity, number, rows),
    }
    if timezone.now() - at > SEEN_LATE:  # from the call history: its promise was due long ago
        fields["overdue_notified_at"] = timezone.now()
    try:
        with transaction.atomic():
            return CallbackItem.objects.create(
                entity=entity, number=number, due_at=due_at(at, promise), **fields
            )
    except IntegrityError:  # made a moment ago by a review that did not share our lock (SQLite)
        return CallbackItem.objects.select_for_update().get(entity=entity, number=number, status="open")


def record_attempt(*, entity: Entity, number: str, rows: list[Call]) -> CallbackAttempt:
    """The session ended unanswered: one attempt, merged into the number's open item."""
    key = session_key(rows[0])
    at = min((r.started_at or r.created_at) for r in rows)
    kind = (
        CallbackAttempt.Kind.VOICEMAIL
        if any(r.result == "Voicemail" for r in rows)
        else CallbackAttempt.Kind.MISSED
    )
    rang = sorted({r.resource.display_name for r in rows if r.resource})
    attempt = CallbackAttempt.objects.filter(entity=entity, session_key=key).select_related("item").first()
    if attempt is None:
        item = _open_item(entity, number, rows, at)
        attempt = CallbackAttempt.objects.create(
            entity=entity, item=item, session_key=key, at=at, kind=kind, rang=rang
        )
        created = True
    else:
        created = (attempt.kind, attempt.rang) != (kind, rang)
        CallbackAttempt.objects.filter(pk=attempt.pk).update(kind=kind, rang=rang)
    _attach_voicemails(entity, rows, attempt.item)
    _recount(attempt.item)
    if created:
        live.queue_changed(attempt.item, new=attempt.item.attempt_count == 1)
    return attempt


def _attach_voicemails(entity: Entity, rows: list[Call], item: CallbackItem) -> None:
    Voicemail.objects.filter(entity=entity, call__in=rows, item__isnull=True).update(item=item)


def _recount(item: CallbackItem) -> None:
    figures = item.attempts.aggregate(first=Min("at"), last=Max("at"))
    count = item.attempts.count()
    item.attempt_count = count
    if count:
        item.first_attempt_at, item.last_attempt_at = figures["first"], figures["last"]
        item.due_at = due_at(item.first_attempt_at, promise_for(item.entity_id))
    item.save(update_fields=["attempt_count", "first_attempt_at", "last_attempt_at", "due_at", "updated_at"])


def _forget_attempt(entity: Entity, key: str) -> None:
    """A session first seen unanswered turned out answered (its answer arrived late)."""
    attempt = CallbackAttempt.objects.filter(entity=entity, session_key=key).select_related("item").first()
    if attempt is None:
        return
    item = attempt.item
    attempt.delete()
    _recount(item)
    if item.attempt_count == 0 and item.is_open:
        item_id = item.pk
        item.delete()
        live.queue_changed(None, entity_id=entity.pk, removed_id=item_id)
    else:
        live.queue_changed(item)


def close_reached(*, entity: Entity, number: str, call: Call) -> CallbackItem | None:
    """Someone at the company reached the number: close its open item, saying who and when."""
    reached_at = call.answered_at or call.started_at or timezone.now()
    item = (
        CallbackItem.objects.select_for_update()
        .filter(entity=entity, number=number, first_attempt_at__lte=reached_at)
        .open()
        .first()
    )
    if item is None:
        return None
    item.status = CallbackItem.Status.CLOSED
    item.closed_at = reached_at
    item.closed_by = call.resource
    item.close_reason = CallbackItem.CloseReason.REACHED
    item.reached_call = call
    item.save()
    live.queue_changed(item)
    return item


def review_synced(*, entity_id: int, call_log_ids: list[str]) -> int:
    """Review calls the call log brought in, oldest first; returns how many were looked at."""
    calls = (
        Call.objects.filter(entity_id=entity_id, call_log_id__in=call_log_ids, started_at__isnull=False)
        .filter(Q(state__in=[Call.State.ENDED, Call.State.MISSED]) | Q(answered_at__isnull=False))
        .order_by("started_at", "pk")
        .values_list("pk", flat=True)
    )
    reviewed = 0
    for call_id in calls:
        review_call(call_id)
        reviewed += 1
    close_history(entity_id=entity_id)
    return reviewed


def close_history(*, entity_id: int) -> int:
    """Close the items made from history whose caller nobody reached for days."""
    now = timezone.now()
    stale = CallbackItem.objects.open().filter(
        entity_id=entity_id,
        last_attempt_at__lt=now - HISTORY_CLOSES_AFTER,
        created_at__gt=F("last_attempt_at") + SEEN_LATE,
    )
    return stale.update(
        status=CallbackItem.Status.CLOSED,
        close_reason=CallbackItem.CloseReason.HISTORY,
        closed_at=now,
        updated_at=now,
    )

"""Call-log sync: RingCentral's company call log into `Call` rows, incrementally and resumably.

    outcome = sync.connector_sync(connector_id=connector.pk, user_id=request.user.pk)

One run per connector at a time (a conditional UPDATE claims the `CallLogSync` row). A run asks
for the window [synced_until - OVERLAP, now] page by page; after each page it stores the next
page's URL, so a run that dies (worker killed, RingCentral down) resumes from that page. HTTP 429
is waited out (Retry-After) and the refused page asked again; it never fails the run.

Records are upserted in bulk: keyed by call-log id, and converging with the row the live events
made on the telephony session id (one call, one row). A second run over the same window
changes nothing.
"""

import logging
import operator
import queue
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connections, models, transaction
from django.db.models import Q
from django.utils import timezone

from crm.models import Entity, PhoneNumber, Resource
from crm.numbers import try_normalize
from crm.phones import rank_matches
from telephony import ringcentral as rc
from telephony.history.connector import sync_progress_html, sync_status_html
from telephony.live import push
from telephony.models import Call, Connector
from telephony.models_sync import CallLogSync

logger = logging.getLogger(__name__)

# RingCentral adds a finished call to the log 15–30 s after it ends; calls that started in the
# window but ended after it also arrive late. Ten minutes of overlap covers both with margin.
OVERLAP = timedelta(minutes=10)
FIRST_SYNC_DAYS = 30
PER_PAGE = 1000
# A claim not refreshed for this long belongs to a worker that died.
STALE_CLAIM = timedelta(minutes=10)
MAX_WAIT_SECONDS = 300.0
MISSED_RESULTS = {"Missed", "Voicemail", "Rejected", "Hang Up", "Abandoned"}
NOT_CONNECTED = MISSED_RESULTS | {"No Answer", "Busy", "Declined", "Failed", "Blocked", "Stopped"}
# What the call log may write on a row (see `Call` for who owns each field). Everything else
# (answer time, party ids, mute, sequences, notes, reports) is the live path's or a person's.
SYNCED_FIELDS = [
    "call_log_id",
    "session_id",
    "state",
    "from_number",
    "from_name",
    "to_number",
    "to_name",
    "extension_id",
    "resource_id",
    "started_at",
    "ended_at",
    "duration_seconds",
    "result",
    "recording_id",
]
# Filled from the log only while empty: the live events saw them first-hand (start = when the
# call reached the user's extension; the log's start is the session's, e.g. before an IVR).
FILLED_FIELDS = [
    "session_id",
    "from_number",
    "from_name",
    "to_number",
    "to_name",
    "extension_id",
    "started_at",
    "ended_at",
]
# The log's word is final: its result, its recording (an empty value never erases ours).
LOG_FIELDS = ["call_log_id", "result", "recording_id"]
READ_FIELDS = ["answered_at", "popped_up_at"]
MATCH_FIELDS = ["customer_id", "contact_id", "matched_on"]


class ClaimLost(Exception):
    """Another worker took over the sync (our claim went stale)."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def records(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class SyncOutcome:
    result: str  # "ok", "busy", "not_connected", "error"
    counts: Counts = field(default_factory=Counts)
    pages: int = 0
    error: str = ""
    rate_limit_seconds: float = 0.0


def sync_state(connector: Connector) -> CallLogSync:
    state, _ = CallLogSync.objects.get_or_create(connector=connector)
    return state


# -- matching numbers and extensions -----------------------------------------------------------


class Matcher:
    """Numbers → customer/contact, extensions → resources, for one run.

    The same rule as `crm.phones.find_callers` (the entity's active customers first, then active
    contacts of active customers, in the order the numbers were stored), answered for a whole
    page in one query instead of one query per number; results are cached for the run.
    """

    def __init__(self, entity: Entity) -> None:
        self.entity = entity
        self._matches: dict[str, tuple[int | None, int | None, str]] = {}
        self._resources = dict(
            Resource.objects.filter(entity=entity)
            .exclude(ringcentral_extension_id="")
            .values_list("ringcentral_extension_id", "pk")
        )

    def resource_id(self, extension_id: str) -> int | None:
        return self._resources.get(extension_id)

    def match(self, number: str) -> tuple[int | None, int | None, str]:
        if not number:
            return NO_MATCH
        if number not in self._matches:
            self.prime([number])
        return self._matches[number]

    def prime(self, numbers: Iterable[str]) -> None:
        """Look up every number not seen yet in one query."""
        wanted: dict[str, str] = {}
        for number in {n for n in numbers if n and n not in self._matches}:
            parsed = try_normalize(number, self.entity.default_region)
            if parsed is None:
                self._matches[number] = NO_MATCH
            else:
                wanted[number] = parsed.e164
        if not wanted:
            return
        phones = (
            PhoneNumber.objects.filter(entity=self.entity, e164__in=set(wanted.values()))
            .select_related("customer", "contact", "contact__customer")
            .order_by("pk")
        )
        by_e164: dict[str, list[PhoneNumber]] = defaultdict(list)
        for phone in phones:
            by_e164[phone.e164].append(phone)
        for number, e164 in wanted.items():
            self._matches[number] = _first_match(by_e164.get(e164, []))


NO_MATCH: tuple[int | None, int | None, str] = (None, None, "")


def _first_match(phones: list[PhoneNumber]) -> tuple[int | None, int | None, str]:
    matches = rank_matches(phones)
    if not matches:
        return NO_MATCH
    best = matches[0]
    text = f"{best.source} of {best.kind} {best.record}"
    if len(matches) > 1:
        text += f" (first of {len(matches)} matches)"
    contact_id = best.record.pk if best.kind == "contact" else None
    return best.customer.pk, contact_id, text[:200]


# -- one page of records -----------------------------------------------------------------------


def record_values(record: rc.CallLogRecord, matcher: Matcher) -> dict:
    """The Call fields a call-log record sets (the other party's number decides the match)."""
    inbound = record.direction == "Inbound"
    mine = record.to if inbound else record.from_
    extension_id = record.extension_id or mine.extension_id
    started = record.start_time
    missed = inbound and record.result in MISSED_RESULTS
    return {
        "call_log_id": record.id,
        "telephony_session_id": record.telephony_session_id,
        "session_id": record.session_id[:32],
        "direction": Call.Direction.INBOUND if inbound else Call.Direction.OUTBOUND,
        "state": Call.State.MISSED if missed else Call.State.ENDED,
        "from_number": record.from_.phone_number[:32],
        "from_name": record.from_.name[:200],
        "to_number": record.to.phone_number[:32],
        "to_name": record.to.name[:200],
        "extension_id": extension_id[:32],
        "resource_id": matcher.resource_id(extension_id),
        "started_at": started,
        "ended_at": started + timedelta(seconds=record.duration) if started else None,
        # Talk time: what RingCentral logs as the duration of a call that connected; none otherwise.
        "duration_seconds": max(0, record.duration) if record.result not in NOT_CONNECTED else None,
        "result": record.result[:40],
        "recording_id": record.recording_id[:40],
    }


def _other_number(values: dict) -> str:
    return values["from_number"] if values["direction"] == Call.Direction.INBOUND else values["to_number"]


def _session_key(record: rc.CallLogRecord) -> tuple[str, str] | None:
    """A record is one user's party of a session (RingCentral logs a session once per extension)."""
    if not record.telephony_session_id:
        return None
    mine = record.to if record.direction == "Inbound" else record.from_
    return record.telephony_session_id, (record.extension_id or mine.extension_id)[:32]


def _unique_records(records: list[rc.CallLogRecord]) -> list[rc.CallLogRecord]:
    seen_ids, seen_sessions, unique = set(), set(), []
    for record in records:
        session = _session_key(record)
        if not record.id or record.id in seen_ids or (session and session in seen_sessions):
            continue
        seen_ids.add(record.id)
        if session:
            seen_sessions.add(session)
        unique.append(record)
    return unique


# Told, inside the page's transaction, which call-log records a page wrote (the rows exist now):
# apps above history register here (the callback queue reviews the calls it had not seen live).
SyncedListener = Callable[..., None]
synced_listeners: list[SyncedListener] = []


def upsert_records(*, entity: Entity, records: list[rc.CallLogRecord], matcher: Matcher) -> Counts:
    """Create or update the Calls of one page in bulk. Safe to run twice; a race with live
    ingest creating the same session's row is retried once against the fresh rows."""
    records = _unique_records(records)
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                counts = _upsert(entity, records, matcher)
                for listener in synced_listeners:
                    listener(entity=entity, call_log_ids=[r.id for r in records])
                return counts
        except IntegrityError:
            if attempt == 2:
                raise
            logger.info("Call-log page raced with live ingest; retrying against the new rows")
    raise AssertionError("unreachable")


def _existing(entity: Entity, records: list[rc.CallLogRecord]) -> tuple[dict, dict]:
    ids = [r.id for r in records]
    sessions = [r.telephony_session_id for r in records if r.telephony_session_id]
    rows = Call.objects.filter(entity=entity).filter(
        Q(call_log_id__in=ids) | Q(telephony_session_id__in=sessions)
    )
    by_id, by_session = {}, {}
    for row in rows.values("pk", "telephony_session_id", *SYNCED_FIELDS, *READ_FIELDS, *MATCH_FIELDS):
        if row["call_log_id"]:
            by_id[row["call_log_id"]] = row
        if row["telephony_session_id"]:
            by_session[row["telephony_session_id"], row["extension_id"]] = row
    return by_id, by_session


def _upsert(entity: Entity, records: list[rc.CallLogRecord], matcher: Matcher) -> Counts:
    by_id, by_session = _existing(entity, records)
    matcher.prime(r.from_.phone_number if r.direction == "Inbound" else r.to.phone_number for r in records)
    counts, new_rows, changed_rows = Counts(), [], []
    now = timezone.now()
    for record in records:
        values = record_values(record, matcher)
        key = _session_key(record)
        # A row made before its extension was known (e.g. by hand) converges on the session alone.
        row = by_id.get(record.id) or by_session.get(key) or (key and by_session.get((key[0], "")))
        if row is None:
            customer_id, contact_id, matched_on = matcher.match(_other_number(values))
            values.update(
                entity_id=entity.pk, customer_id=customer_id, contact_id=contact_id, matched_on=matched_on
            )
            new_rows.append(values)
            continue
        if row["call_log_id"] and row["call_log_id"] != record.id:
            # RingCentral logged this session twice (e.g. per party); the row keeps its first record.
            counts.unchanged += 1
            continue
        changes = _changes(row, values, matcher)
        if changes:
            changed_rows.append(Call(pk=row["pk"], updated_at=now, **{**_current(row), **changes}))
        else:
            counts.unchanged += 1
    insert_calls(new_rows)
    if changed_rows:
        Call.objects.bulk_update(changed_rows, [*SYNCED_FIELDS, *MATCH_FIELDS, "updated_at"], batch_size=500)
    counts.created, counts.updated = len(new_rows), len(changed_rows)
    return counts


def insert_calls(rows: list[dict]) -> None:
    """INSERT new Call rows given as {attname: value}; every other column gets its default.

    COPY on PostgreSQL (executemany elsewhere): bulk_create prepares each of the ~30 values of each row through the
    field API, which costs more than the database itself when a sync writes 100,000 rows.
    """
    if not rows:
        return
    connection = connections[Call.objects.db]
    now = timezone.now()
    columns, getters = [], []
    for model_field in Call._meta.concrete_fields:
        if model_field.primary_key:
            continue
        columns.append(connection.ops.quote_name(model_field.column or model_field.name))
        getters.append(_getter(model_field, rows[0], connection, now))
    table = connection.ops.quote_name(Call._meta.db_table)
    values = [tuple(get(row) for get in getters) for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 - names from model meta
            cursor.executemany(sql, values)


def _getter(field: Any, sample: dict, connection: Any, now: datetime) -> Callable[[dict], Any]:
    name = field.attname
    if name in sample:
        if isinstance(field, models.DateTimeField):
            adapt = connection.ops.adapt_datetimefield_value
            return lambda row: adapt(row[name])
        return operator.itemgetter(name)
    value = (
        now
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        else field.get_default()
    )
    constant = field.get_db_prep_save(value, connection)
    return lambda row: constant


def _current(row: dict) -> dict:
    return {name: row[name] for name in (*SYNCED_FIELDS, *MATCH_FIELDS)}


def _changes(row: dict, values: dict, matcher: Matcher) -> dict:
    """What a call-log record changes on a row we have: it fills what the live events did not
    see and corrects what the log is the authority on, so a second run, or a late live event
    after it, changes nothing back. Notes and reports are not on this row; a match a person or
    the wizard made is kept."""
    changes = {k: values[k] for k in FILLED_FIELDS if row[k] in (None, "") and values[k] not in (None, "")}
    changes.update({k: values[k] for k in LOG_FIELDS if values[k] and row[k] != values[k]})
    if row["resource_id"] is None and values["resource_id"] is not None:
        changes["resource_id"] = values["resource_id"]
    if row["state"] in Call.LIVE_STATES or (row["answered_at"] is None and row["state"] != values["state"]):
        changes["state"] = values["state"]  # it is over (events were lost), or it was answered after all
    if row["duration_seconds"] is None:
        ended = changes.get("ended_at", row["ended_at"])
        talk = (ended - row["answered_at"]).total_seconds() if row["answered_at"] and ended else None
        changes["duration_seconds"] = max(0, int(talk)) if talk is not None else values["duration_seconds"]
    if row["customer_id"] is None and row["contact_id"] is None and row["popped_up_at"] is None:
        # Only a call nobody saw is matched here: a wizard's choice (or "none of these") stays.
        customer_id, contact_id, matched_on = matcher.match(_other_number(values))
        if customer_id is not None:
            changes.update(customer_id=customer_id, contact_id=contact_id, matched_on=matched_on)
    return {k: v for k, v in changes.items() if row[k] != v}


# -- the run -----------------------------------------------------------------------------------


def claim(connector: Connector, *, user_id: int | None = None) -> str | None:
    """Take the connector's sync for this run; None when another run holds a fresh claim."""
    state = sync_state(connector)
    token, now = uuid.uuid4().hex, timezone.now()
    free = Q(run_token="") | Q(running_since__lt=now - STALE_CLAIM)
    taken = (
        CallLogSync.objects.filter(pk=state.pk)
        .filter(free)
        .update(
            run_token=token,
            running_since=now,
            requested_by_id=user_id,
            last_started_at=now,
            last_result="running",
            pages=0,
            records_seen=0,
            created=0,
            updated=0,
            unchanged=0,
            rate_limit_waits=0,
            rate_limit_seconds=0,
        )
    )
    return token if taken == 1 else None


def _update_claimed(token: str, **fields: Any) -> CallLogSync:
    fields.setdefault("running_since", timezone.now())
    if CallLogSync.objects.filter(run_token=token).update(**fields) != 1:
        raise ClaimLost("another worker took over this call-log sync")
    return CallLogSync.objects.select_related("connector").get(run_token=token)


def connector_sync(
    *, connector_id: int, user_id: int | None = None, sleep: Callable[[float], None] = time.sleep
) -> SyncOutcome:
    """Sync one connector's call log from where it stopped. Returns what happened; never raises
    for RingCentral failures (they are stored on the sync row for the connector page)."""
    connector = Connector.objects.select_related("entity").filter(pk=connector_id).first()
    if connector is None or connector.status != Connector.Status.CONNECTED:
        return SyncOutcome(result="not_connected", error="RingCentral is not connected.")
    token = claim(connector, user_id=user_id)
    if token is None:
        return SyncOutcome(result="busy", error="A sync is already running for this connector.")
    _notify(CallLogSync.objects.get(run_token=token))
    try:
        return _run(connector, token, sleep)
    except rc.RingCentralError as exc:
        return _fail(token, exc.message)
    except ClaimLost as exc:
        return SyncOutcome(result="busy", error=str(exc))
    except Exception:
        _fail(token, "Internal error during the sync; the team has been notified (see the server log).")
        raise


def _start_window(token: str) -> tuple[CallLogSync, str | None]:
    state = CallLogSync.objects.get(run_token=token)
    if state.next_url and state.window_from and state.window_to:
        return state, state.next_url  # resume the interrupted run on the page it stopped at
    now = timezone.now()
    since = state.synced_until - OVERLAP if state.synced_until else now - timedelta(days=FIRST_SYNC_DAYS)
    state = _update_claimed(token, window_from=since, window_to=now, next_url="")
    return state, None


def _run(connector: Connector, token: str, sleep: Callable[[float], None]) -> SyncOutcome:
    state, url = _start_window(token)
    matcher = Matcher(connector.entity)
    totals, waited = Counts(), 0.0
    with rc.connector_session(connector) as session:
        while True:
            try:
                for page in prefetched(_pages(session, state, url)):
                    counts = upsert_records(entity=connector.entity, records=page.records, matcher=matcher)
                    _add(totals, counts)
                    state = _page_done(token, state, page, counts)
                    url = page.next_url
                break
            except rc.RateLimited as exc:
                wait = min(MAX_WAIT_SECONDS, exc.retry_after)
                url = exc.resume_url or url
                state = _update_claimed(
                    token, rate_limit_waits=state.rate_limit_waits + 1, next_url=url or state.next_url
                )
                logger.info("Call-log sync of connector %s waits %.0f s (rate limit)", connector.pk, wait)
                sleep(wait)
                waited += wait
                state = _update_claimed(token, rate_limit_seconds=state.rate_limit_seconds + wait)
    return _finish(token, state, totals, waited)


def _pages(session: rc.Session, state: CallLogSync, url: str | None) -> Iterator[Any]:
    if url:
        return rc.call_log_pages(session, start_url=url, view="Simple", per_page=PER_PAGE)
    return rc.call_log_pages(
        session, date_from=state.window_from, date_to=state.window_to, view="Simple", per_page=PER_PAGE
    )


_DONE = object()


def prefetched(pages: Iterator[Any], *, depth: int = 2) -> Iterator[Any]:
    """Fetch the next page from RingCentral while the current one is written to the database.

    Pages arrive in order; an exception from the fetch (RateLimited with its resume URL, an
    outage) is raised here after the pages before it, exactly as the plain iterator would.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for page in pages:
                if not put(page):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, which decides
            put(exc)
        finally:
            connections.close_all()  # this thread's own connections (a token refresh may use one)

    thread = threading.Thread(target=produce, name="call-log-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=30)


def _add(totals: Counts, counts: Counts) -> None:
    totals.created += counts.created
    totals.updated += counts.updated
    totals.unchanged += counts.unchanged


def _page_done(token: str, state: CallLogSync, page: rc.CallLogPage, counts: Counts) -> CallLogSync:
    state = _update_claimed(
        token,
        next_url=page.next_url or "",
        pages=state.pages + 1,
        records_seen=state.records_seen + counts.records,
        created=state.created + counts.created,
        updated=state.updated + counts.updated,
        unchanged=state.unchanged + counts.unchanged,
    )
    _notify(state)
    return state


def _finish(token: str, state: CallLogSync, totals: Counts, waited: float) -> SyncOutcome:
    now = timezone.now()
    state = _update_claimed(
        token,
        synced_until=state.window_to,
        window_from=None,
        window_to=None,
        next_url="",
        last_finished_at=now,
        last_success_at=now,
        last_result="ok",
        last_error="",
        error_count=0,
    )
    _release(token)
    state.run_token = ""
    _notify(state)
    return SyncOutcome(result="ok", counts=totals, pages=state.pages, rate_limit_seconds=waited)


def _fail(token: str, message: str) -> SyncOutcome:
    state = CallLogSync.objects.filter(run_token=token).first()
    if state is None:
        return SyncOutcome(result="error", error=message)
    # next_url stays: the next run resumes from the page that failed.
    CallLogSync.objects.filter(pk=state.pk, run_token=token).update(
        last_finished_at=timezone.now(),
        last_result="error",
        last_error=message[:1000],
        error_count=state.error_count + 1,
        total_errors=state.total_errors + 1,
    )
    _release(token)
    state.refresh_from_db()
    _notify(state)
    logger.warning("Call-log sync of connector %s failed: %s", state.connector_id, message)
    counts = Counts(created=state.created, updated=state.updated, unchanged=state.unchanged)
    return SyncOutcome(result="error", counts=counts, pages=state.pages, error=message)


def _release(token: str) -> None:
    CallLogSync.objects.filter(run_token=token).update(run_token="", running_since=None)


def _notify(state: CallLogSync) -> None:
    """Live progress to the user who asked for the sync: the connector page's panel and the Calls
    tab's progress line, in every tab that shows one (the socket drops fragments for absent ids)."""
    if state.requested_by_id is None:
        return
    html = sync_status_html(state, oob=True) + sync_progress_html(state, oob=True)
    push.send_html(user_id=state.requested_by_id, html=html)


def connectors_due() -> list[int]:
    """Connected connectors (the periodic sync queues one run for each)."""
    return list(Connector.objects.filter(status=Connector.Status.CONNECTED).values_list("pk", flat=True))

"""The figures behind the charts, counted in the database (a few grouped queries however many
calls there are).

- A *call* is a telephony session, however many people it rang (several `Call` rows).
- *Answered*: an inbound call from outside the company that someone answered.
- *Missed*: an unanswered one, as the callback queue recorded it (`CallbackAttempt`);
  *returned* when its item was closed because someone reached the caller.
- Weeks and hours are the company's, in its promise's time zone.
"""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate

from crm.models import Customer, Entity, Resource
from telephony.callbacks.models import CallbackAttempt, CallbackItem
from telephony.callbacks.promise import promise_for
from telephony.models import Call

WEEKS = 12


def span_text(minutes: float | None) -> str:
    """45 → "45 min", 130 → "2 h 10 min", 3000 → "2 d 2 h" (wall-clock time)."""
    if minutes is None:
        return "—"
    whole = round(minutes)
    days, rest = divmod(whole, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


@dataclass(frozen=True)
class Week:
    start: date
    answered: int
    returned: int
    not_returned: int

    @property
    def total(self) -> int:
        return self.answered + self.returned + self.not_returned


@dataclass(frozen=True)
class StaffFigures:
    resource: Resource
    answered: int
    missed: int
    called_back: int
    median_minutes: float | None

    @property
    def median_text(self) -> str:
        return span_text(self.median_minutes)


@dataclass(frozen=True)
class Insights:
    weeks: list[Week]
    since: datetime
    zone: ZoneInfo
    median_callback_minutes: float | None
    promise_met: int
    promise_missed: int

    @property
    def median_text(self) -> str:
        return span_text(self.median_callback_minutes)

    @property
    def promise_met_percent(self) -> float | None:
        judged = self.promise_met + self.promise_missed
        return round(100 * self.promise_met / judged, 1) if judged else None

    @property
    def totals(self) -> Week:
        return Week(
            start=self.weeks[0].start if self.weeks else self.since.date(),
            answered=sum(w.answered for w in self.weeks),
            returned=sum(w.returned for w in self.weeks),
            not_returned=sum(w.not_returned for w in self.weeks),
        )


def window_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Monday 00:00 (company time) of the oldest of the last WEEKS weeks, this one included."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS - 1)
    return datetime.combine(monday, datetime.min.time(), tzinfo=zone)


def answered_calls(entity: Entity, since: datetime, customer: Customer | None = None) -> QuerySet[Call]:
    calls = Call.objects.filter(
        entity=entity, direction=Call.Direction.INBOUND, other_extension_id="", started_at__gte=since
    ).filter(Q(answered_at__isnull=False) | Q(state=Call.State.ENDED))
    return calls.filter(customer=customer) if customer is not None else calls


def missed_attempts(
    entity: Entity, since: datetime, customer: Customer | None = None
) -> QuerySet[CallbackAttempt]:
    attempts = CallbackAttempt.objects.filter(entity=entity, at__gte=since)
    return attempts.filter(item__customer=customer) if customer is not None else attempts


def _week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(
    entity: Entity, *, since: datetime, zone: ZoneInfo, customer: Customer | None = None
) -> list[Week]:
    starts = [(since + timedelta(weeks=n)).date() for n in range(WEEKS)]
    answered = {s: 0 for s in starts}
    returned = {s: 0 for s in starts}
    not_returned = {s: 0 for s in starts}
    days = (
        answered_calls(entity, since, customer)
        .annotate(day=TruncDate("started_at", tzinfo=zone))
        .values("day")
        .annotate(
            # A session's rows count once; a row known only from the call log is its own call.
            # (Counted on started_at, set on every row of the window and in the insights index.)
            sessions=Count("telephony_session_id", distinct=True, filter=~Q(telephony_session_id="")),
            logged=Count("started_at", filter=Q(telephony_session_id="")),
        )
    )
    for day, sessions, logged in days.values_list("day", "sessions", "logged"):
        week = _week_of(day)
        if week in answered:  # a clock ahead of ours can date a call next week
            answered[week] += sessions + logged
    missed = (
        missed_attempts(entity, since, customer)
        .annotate(day=TruncDate("at", tzinfo=zone))
        .values("day")
        .annotate(
            back=Count("pk", filter=Q(item__close_reason=CallbackItem.CloseReason.REACHED)),
            n=Count("pk"),
        )
    )
    for day, back, total in missed.values_list("day", "back", "n"):
        week = _week_of(day)
        if week not in returned:
            continue
        returned[week] += back
        not_returned[week] += total - back
    return [Week(s, answered[s], returned[s], not_returned[s]) for s in starts]


def _minutes(pairs: list[tuple[datetime | None, datetime]]) -> list[float]:
    return [(closed - first).total_seconds() / 60 for closed, first in pairs if closed is not None]


def _reached(entity: Entity, since: datetime, customer: Customer | None) -> QuerySet[CallbackItem]:
    items = CallbackItem.objects.filter(
        entity=entity, first_attempt_at__gte=since, close_reason=CallbackItem.CloseReason.REACHED
    )
    return items.filter(customer=customer) if customer is not None else items


def median_callback_minutes(
    entity: Entity, since: datetime, customer: Customer | None = None
) -> float | None:
    minutes = _minutes(list(_reached(entity, since, customer).values_list("closed_at", "first_attempt_at")))
    return round(statistics.median(minutes), 1) if minutes else None


def promise_figures(
    entity: Entity, since: datetime, now: datetime, customer: Customer | None = None
) -> tuple[int, int]:
    """(met, missed): reached by the due time / reached late or still open past it."""
    items = CallbackItem.objects.filter(entity=entity, first_attempt_at__gte=since, due_at__isnull=False)
    if customer is not None:
        items = items.filter(customer=customer)
    reached = Q(close_reason=CallbackItem.CloseReason.REACHED)
    figures = items.aggregate(
        met=Count("pk", filter=reached & Q(closed_at__lte=F("due_at"))),
        late=Count("pk", filter=reached & Q(closed_at__gt=F("due_at"))),
        open_late=Count("pk", filter=Q(status=CallbackItem.Status.OPEN, due_at__lt=now)),
    )
    return figures["met"], figures["late"] + figures["open_late"]


def insights(entity: Entity, *, now: datetime, customer: Customer | None = None) -> Insights:
    zone = promise_for(entity).business_hours().zone
    since = window_start(now, zone)
    met, missed = promise_figures(entity, since, now, customer)
    return Insights(
        weeks=weekly(entity, since=since, zone=zone, customer=customer),
        since=since,
        zone=zone,
        median_callback_minutes=median_callback_minutes(entity, since, customer),
        promise_met=met,
        promise_missed=missed,
    )


def heatmap(entity: Entity, *, since: datetime, zone: ZoneInfo) -> dict[tuple[int, int], int]:
    """Missed calls per (ISO weekday 1–7, hour 0–23), company time."""
    rows = (
        missed_attempts(entity, since)
        .annotate(weekday=ExtractIsoWeekDay("at", tzinfo=zone), hour=ExtractHour("at", tzinfo=zone))
        .values("weekday", "hour")
        .annotate(n=Count("pk"))
    )
    return {(row["weekday"], row["hour"]): row["n"] for row in rows}


def per_staff(entity: Entity, *, since: datetime) -> list[StaffFigures]:
    answered = dict(
        answered_calls(entity, since).exclude(resource=None).values_list("resource").annotate(n=Count("*"))
    )
    missed_sessions = missed_attempts(entity, since).values("session_key")
    missed = dict(
        # started_at bounds the scan to the window (a missed call's rows start with it, give or take
        # the rings of a forward). Missed calls are inbound calls from outside: said so, the rows
        # come from the insights index alone (COUNT(*) needs no column outside it).
        Call.objects.filter(
            entity=entity,
            direction=Call.Direction.INBOUND,
            other_extension_id="",
            started_at__gte=since - timedelta(hours=1),
            telephony_session_id__in=missed_sessions,
        )
        .exclude(resource=None)
        .values_list("resource")
        .annotate(n=Count("*"))
    )
    backs: dict[int, list[float]] = {}
    for closer, closed, first in (
        _reached(entity, since, None)
        .exclude(closed_by=None)
        .values_list("closed_by", "closed_at", "first_attempt_at")
    ):
        backs.setdefault(closer, []).extend(_minutes([(closed, first)]))
    staff = Resource.objects.filter(pk__in={*answered, *missed, *backs}).order_by("display_name")
    return [
        StaffFigures(
            resource=r,
            answered=answered.get(r.pk, 0),
            missed=missed.get(r.pk, 0),
            called_back=len(backs.get(r.pk, [])),
            median_minutes=round(statistics.median(backs[r.pk]), 1) if backs.get(r.pk) else None,
        )
        for r in staff
    ]

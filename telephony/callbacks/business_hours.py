"""Business-hours arithmetic as pure functions: no models, no clock.

A company's working time is its business days (ISO weekdays, minus holidays) between an opening
and a closing time, in its own time zone. Each working day becomes one window in UTC; adding and
measuring walk those windows, so daylight-saving changes, weekends and holidays fall out of the
calendar instead of being special cases.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far ahead the arithmetic looks for working time before it gives up (a calendar with no
# working day left, e.g. every day a holiday).
MAX_DAYS = 3 * 366


class NoBusinessHours(ValueError):
    """The calendar has no working time in reach."""


@dataclass(frozen=True)
class BusinessHours:
    zone: ZoneInfo
    workdays: frozenset[int]  # ISO weekdays: 1 = Monday … 7 = Sunday
    opens: time
    closes: time
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.workdays or not self.workdays <= set(range(1, 8)):
            raise ValueError("Business days must be a non-empty set of weekdays 1–7.")
        if self.closes <= self.opens:
            raise ValueError("Closing time must be after opening time.")

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.workdays and day not in self.holidays


def _instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def windows(hours: BusinessHours, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The working windows (UTC) from the local day of `since` on, in order."""
    day = since.astimezone(hours.zone).date() - timedelta(days=1)
    for _ in range(MAX_DAYS):
        if hours.is_working_day(day):
            opens, closes = _instant(day, hours.opens, hours.zone), _instant(day, hours.closes, hours.zone)
            # A time in a spring-forward gap maps an hour late: such a window can come out empty.
            if closes > opens:
                yield opens, closes
        day += timedelta(days=1)


def add_business_time(start: datetime, duration: timedelta, hours: BusinessHours) -> datetime:
    """The moment `duration` of working time after `start` has passed."""
    if duration <= timedelta(0):
        return start
    remaining = duration
    for opens, closes in windows(hours, start):
        begin = max(opens, start)
        if begin >= closes:
            continue
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
    raise NoBusinessHours("No working time within reach of this calendar.")


def business_time_between(start: datetime, end: datetime, hours: BusinessHours) -> timedelta:
    """Working time from `start` to `end` (negative when `end` comes first)."""
    if end < start:
        return -business_time_between(end, start, hours)
    total = timedelta(0)
    for opens, closes in windows(hours, start):
        if opens >= end:
            break
        overlap = min(closes, end) - max(opens, start)
        if overlap > timedelta(0):
            total += overlap
    return total

"""Business-hours arithmetic (telephony/callbacks/business_hours.py): worked examples over
weekends, holidays and time zones, and properties over any calendar, start and duration,
daylight-saving changes included."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telephony.callbacks.business_hours import (
    BusinessHours,
    NoBusinessHours,
    add_business_time,
    business_time_between,
)

NEW_YORK, BERLIN, TOKYO = ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Tokyo")
WEEKDAYS = frozenset({1, 2, 3, 4, 5})


def office(zone=NEW_YORK, holidays=(), opens=time(9), closes=time(17), workdays=WEEKDAYS):
    return BusinessHours(
        zone=zone, workdays=workdays, opens=opens, closes=closes, holidays=frozenset(holidays)
    )


def local(zone, *args):
    return datetime(*args, tzinfo=zone)


def test_friday_afternoon_plus_two_hours_is_monday_morning():
    friday_4pm = local(NEW_YORK, 2026, 11, 27, 16, 0)
    assert add_business_time(friday_4pm, timedelta(hours=2), office()) == local(NEW_YORK, 2026, 11, 30, 10, 0)


def test_a_call_at_night_counts_from_the_next_opening():
    tuesday_11pm = local(NEW_YORK, 2026, 12, 1, 23, 0)
    assert add_business_time(tuesday_11pm, timedelta(hours=2), office()) == local(
        NEW_YORK, 2026, 12, 2, 11, 0
    )


def test_holidays_are_skipped():
    christmas_eve = local(NEW_YORK, 2026, 12, 24, 16, 0)
    hours = office(holidays=[date(2026, 12, 25)])
    assert add_business_time(christmas_eve, timedelta(hours=2), hours) == local(NEW_YORK, 2026, 12, 28, 10, 0)


def test_the_company_time_zone_decides_not_the_servers():
    # 08:30 UTC on a Monday is 09:30 in Berlin (open) and 17:30 in Tokyo (closed).
    at = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
    assert add_business_time(at, timedelta(minutes=30), office(BERLIN)) == datetime(
        2026, 11, 30, 9, 0, tzinfo=UTC
    )
    assert add_business_time(at, timedelta(minutes=30), office(TOKYO)) == local(TOKYO, 2026, 12, 1, 9, 30)


def test_the_spring_forward_night_does_not_count_an_hour_twice_or_lose_one():
    # New York springs forward on 2026-03-08 (a Sunday); a 24/7 desk loses one wall-clock hour.
    always = office(opens=time(0), closes=time(23, 59), workdays=frozenset(range(1, 8)))
    saturday_noon = local(NEW_YORK, 2026, 3, 7, 12, 0)
    sunday_noon = local(NEW_YORK, 2026, 3, 8, 12, 0)
    assert business_time_between(saturday_noon, sunday_noon, always) == timedelta(hours=23) - timedelta(
        minutes=1
    )


def test_time_between_is_negative_backwards_and_zero_outside_hours():
    hours = office()
    saturday, sunday = local(NEW_YORK, 2026, 11, 28, 10), local(NEW_YORK, 2026, 11, 29, 15)
    assert business_time_between(saturday, sunday, hours) == timedelta(0)
    monday_9, monday_11 = local(NEW_YORK, 2026, 11, 30, 9), local(NEW_YORK, 2026, 11, 30, 11)
    assert business_time_between(monday_11, monday_9, hours) == -timedelta(hours=2)


def test_a_calendar_without_working_time_says_so():
    every_day_off = office(
        workdays=frozenset({6}), holidays=[date(2026, 12, 5) + timedelta(weeks=n) for n in range(200)]
    )
    with pytest.raises(NoBusinessHours):
        add_business_time(local(NEW_YORK, 2026, 12, 1, 9), timedelta(hours=1), every_day_off)
    with pytest.raises(ValueError):
        office(opens=time(17), closes=time(9))
    with pytest.raises(ValueError):
        office(workdays=frozenset())


ZONES = st.sampled_from(
    [NEW_YORK, BERLIN, TOKYO, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("America/Sao_Paulo"), ZoneInfo("UTC")]
)
TIMES = st.times().map(lambda t: t.replace(microsecond=0, tzinfo=None))


@st.composite
def calendars(draw):
    # At least an hour a working day: shorter days would put a 2-day target years away.
    opens = draw(TIMES.filter(lambda t: t < time(23)))
    earliest = (datetime.combine(date.min, opens) + timedelta(hours=1)).time()
    closes = draw(TIMES.filter(lambda t: t >= earliest))
    workdays = draw(st.frozensets(st.integers(1, 7), min_size=1))
    holidays = draw(st.frozensets(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=40))
    return BusinessHours(zone=draw(ZONES), workdays=workdays, opens=opens, closes=closes, holidays=holidays)


STARTS = st.datetimes(datetime(2026, 1, 1), datetime(2027, 6, 30), timezones=st.just(UTC))
DURATIONS = st.integers(min_value=1, max_value=2 * 24 * 60).map(lambda m: timedelta(minutes=m))


def _inside(moment: datetime, hours: BusinessHours) -> bool:
    here = moment.astimezone(hours.zone)
    return hours.is_working_day(here.date())


@settings(max_examples=300, deadline=None)
@given(calendars(), STARTS, DURATIONS)
def test_adding_then_measuring_gives_the_same_working_time(hours, start, duration):
    due = add_business_time(start, duration, hours)
    assert due > start
    assert business_time_between(start, due, hours) == duration
    assert business_time_between(due, start, hours) == -duration


@settings(max_examples=300, deadline=None)
@given(calendars(), STARTS, DURATIONS)
def test_a_due_time_falls_on_a_working_day_never_a_weekend_or_holiday(hours, start, duration):
    assert _inside(add_business_time(start, duration, hours) - timedelta(microseconds=1), hours)


@settings(max_examples=200, deadline=None)
@given(calendars(), STARTS, DURATIONS, DURATIONS)
def test_more_working_time_is_never_due_earlier(hours, start, a, b):
    shorter, longer = sorted((a, b))
    assert add_business_time(start, shorter, hours) <= add_business_time(start, longer, hours)


@settings(max_examples=200, deadline=None)
@given(calendars(), STARTS, DURATIONS, DURATIONS)
def test_working_time_adds_up_over_consecutive_spans(hours, start, a, b):
    middle = add_business_time(start, a, hours)
    assert add_business_time(middle, b, hours) == add_business_time(start, a + b, hours)

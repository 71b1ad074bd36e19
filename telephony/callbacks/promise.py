"""The company's response-time promise applied to items: when a callback is due, how much
working time is left, and whether the promise was kept."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from crm.models import Entity
from telephony.callbacks.business_hours import NoBusinessHours, add_business_time, business_time_between
from telephony.callbacks.models import CallbackItem, ResponsePromise


def promise_for(entity: Entity | int) -> ResponsePromise:
    """The company's promise, or the default one (Mon–Fri 9–17, 2 business hours) unsaved."""
    entity_id = entity if isinstance(entity, int) else entity.pk
    return ResponsePromise.objects.filter(entity_id=entity_id).first() or ResponsePromise(entity_id=entity_id)


def due_at(first_attempt_at: datetime, promise: ResponsePromise) -> datetime | None:
    try:
        return add_business_time(first_attempt_at, promise.target, promise.business_hours())
    except NoBusinessHours:
        return None


@dataclass(frozen=True)
class TimeLeft:
    text: str
    overdue: bool


def _span(delta: timedelta) -> str:
    minutes = max(1, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def time_left(item: CallbackItem, promise: ResponsePromise, now: datetime) -> TimeLeft | None:
    """ "1 h 20 min left" in business time, or "Overdue by 35 min" (wall-clock); None if closed."""
    if not item.is_open or item.due_at is None:
        return None
    if now >= item.due_at:
        return TimeLeft(f"Overdue by {_span(now - item.due_at)}", overdue=True)
    left = business_time_between(now, item.due_at, promise.business_hours())
    return TimeLeft(f"{_span(left)} left", overdue=False)


def promise_kept(item: CallbackItem) -> bool | None:
    """Reached by the due time? None for items the promise does not judge (closed without a
    callback, or still open and not due yet)."""
    if item.due_at is None:
        return None
    if item.was_reached and item.closed_at:
        return item.closed_at <= item.due_at
    return None

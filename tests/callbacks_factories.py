"""Callback items as the queue makes them, for tests about what people do with them (the
simulator-driven tests in test_callbacks_queue.py show how calls make them)."""

from datetime import timedelta

from django.utils import timezone

from telephony.callbacks.models import CallbackAttempt, CallbackItem

_session = iter(range(10**9))


def open_item(
    entity, *, number="+12125550100", customer=None, attempts=1, minutes_ago=30, due_in=None, **fields
):
    first = timezone.now() - timedelta(minutes=minutes_ago)
    item = CallbackItem.objects.create(
        entity=entity,
        number=number,
        customer=customer,
        first_attempt_at=first,
        last_attempt_at=first + timedelta(minutes=attempts - 1),
        attempt_count=attempts,
        due_at=timezone.now() + (due_in if due_in is not None else timedelta(hours=1)),
        **fields,
    )
    for n in range(attempts):
        CallbackAttempt.objects.create(
            entity=entity,
            item=item,
            session_key=f"s-test-{next(_session)}",
            at=first + timedelta(minutes=n),
            rang=["Alice"],
        )
    return item

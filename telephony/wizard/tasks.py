"""Celery tasks of the wizard: the reverse lookup of an unknown caller."""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from telephony.models import Call
from telephony.wizard.unknown_caller import call_lookup_run, claim_stale_lookups, lookup_queued


@shared_task
def reverse_lookup_task(call_id: int, attempt: int = 0) -> str | None:
    """Unknown caller: look the number up and push what was found into the call's wizard.

    Queue it on commit when `find_callers` found nothing. A provider that fails transiently is
    asked again with backoff; after REVERSE_LOOKUP_MAX_RETRIES the wizard says “lookup unavailable”.
    Idempotent: complete answers are cached, and a call matched meanwhile is left alone.
    """
    final = attempt >= settings.REVERSE_LOOKUP_MAX_RETRIES
    outcome = call_lookup_run(call_id=call_id, final=final)
    if outcome is None:
        return None
    if outcome.failed and outcome.retryable and not final:
        # A new message rather than self.retry(): under in-process (eager) execution Celery
        # re-raises Retry into the caller, which here is the webhook's on-commit hook.
        reverse_lookup_task.apply_async(args=[call_id, attempt + 1], countdown=min(2 ** (attempt + 1), 60))
    return outcome.status


def queue_lookup(call: Call, *, dated: bool = False) -> None:
    """Date the call's lookup (unless the caller has, `dated`) and queue it once the surrounding
    transaction commits."""
    if not dated:
        lookup_queued(call)
    # robust: with the broker down the request still succeeds; the lookup stays dated and
    # requeue_lookups_task queues it again.
    transaction.on_commit(lambda: reverse_lookup_task.delay(call.pk), robust=True)


@shared_task
def requeue_lookups_task() -> int:
    """Beat: queue again the reverse lookups lost while Redis or the worker was down."""
    stale = claim_stale_lookups()
    for call_id in stale:
        reverse_lookup_task.delay(call_id)
    return len(stale)

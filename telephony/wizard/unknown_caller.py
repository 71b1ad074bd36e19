"""An unknown caller: run the reverse lookup for the call and show what it found in the wizard.

A queued lookup is dated on its call (`lookup_queued_at`) until its answer is shown: a lookup
lost with Redis or the worker (never queued, or queued and never run) is queued again by the
sweep (`telephony.wizard.tasks.requeue_lookups_task`), so the wizard never says "lookup running" for ever.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from telephony.models import Call
from telephony.wizard import composer
from telephony.wizard.reverse_lookup import LookupOutcome, lookup_caller

logger = logging.getLogger(__name__)
# A lookup whose call started longer ago than this is not worth running any more.
GIVE_UP_AFTER = timedelta(hours=1)


def lookup_queued(call: Call) -> None:
    """Date the call's lookup: it stays dated until its answer is shown."""
    call.lookup_queued_at = timezone.now()
    Call.objects.filter(pk=call.pk).update(lookup_queued_at=call.lookup_queued_at)


def call_lookup_run(*, call_id: int, final: bool) -> LookupOutcome | None:
    """Look up a call's unknown caller and push the result to the call's user.

    Returns None when there is nothing to do (call gone, already matched). When a provider failed
    transiently and this is not the `final` attempt, the user sees what is known so far with
    “trying again”, and the caller (the task) retries.
    """
    call = Call.objects.select_related("entity", "resource").filter(pk=call_id).first()
    if call is None or call.customer_id or call.contact_id:
        Call.objects.filter(pk=call_id).update(lookup_queued_at=None)
        return None
    outcome = lookup_caller(entity_id=call.entity_id, number=call.caller_number)
    retrying = bool(outcome.failed and outcome.retryable and not final)
    # Retrying: dated again, so the sweep leaves the retry to its countdown.
    Call.objects.filter(pk=call.pk).update(
        lookup_outcome=outcome.to_cache(), lookup_queued_at=timezone.now() if retrying else None
    )
    call.lookup_outcome = outcome.to_cache()
    composer.push_lookup(call, outcome=outcome, retrying=retrying)
    return outcome


def stale_lookups() -> list[int]:
    """Calls whose lookup was queued (or last tried) over REVERSE_LOOKUP_REQUEUE_SECONDS ago and
    has not been shown yet."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.REVERSE_LOOKUP_REQUEUE_SECONDS)
    pending = Call.objects.filter(lookup_queued_at__lt=stale)
    Call.objects.filter(lookup_queued_at__isnull=False, started_at__lt=now - GIVE_UP_AFTER).update(
        lookup_queued_at=None
    )
    return list(pending.filter(started_at__gte=now - GIVE_UP_AFTER).values_list("pk", flat=True)[:200])


def claim_stale_lookups() -> list[int]:
    """The stale lookups, dated again now (so the next sweep leaves them to this one)."""
    stale = stale_lookups()
    Call.objects.filter(pk__in=stale).update(lookup_queued_at=timezone.now())
    if stale:
        logger.info("Queueing %s reverse lookups again", len(stale))
    return stale

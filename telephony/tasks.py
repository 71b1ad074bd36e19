"""Celery tasks: thin, idempotent adapters that take ids and call plain functions."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from telephony import connection, events
from telephony import ringcentral as rc
from telephony.models import RingCentralToken

logger = logging.getLogger(__name__)
TRANSIENT = (rc.RingCentralUnavailable, rc.RateLimited)


@shared_task(
    autoretry_for=TRANSIENT, retry_backoff=5, retry_backoff_max=300, retry_jitter=True, max_retries=8
)
def ensure_subscription_task(resource_id: int) -> None:
    """Create, renew or recreate one resource's subscription."""
    connection.ensure_subscription(resource_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=5, retry_backoff_max=300, max_retries=5)
def resource_disabled_task(resource_id: int) -> None:
    """RingCentral was unticked on the resource: revoke and unsubscribe."""
    connection.resource_disabled(resource_id)


@shared_task
def renew_subscriptions_task() -> int:
    """Beat: queue a check for every listening resource whose subscription needs attention."""
    due = connection.subscriptions_due()
    for resource_id in due:
        ensure_subscription_task.delay(resource_id)
    return len(due)


@shared_task
def refresh_tokens_task() -> int:
    """Beat: refresh sessions whose refresh token would otherwise lapse while the user is idle."""
    soon = timezone.now() + timedelta(days=2)
    refreshed = 0
    for token in RingCentralToken.objects.valid().filter(refresh_expires_at__lt=soon):
        try:
            rc.fresh_token(token.pk, stale_access_token=token.access_token)
            refreshed += 1
        except rc.RingCentralError as exc:
            logger.warning("Token #%s could not be refreshed: %s", token.pk, exc.message)
    return refreshed


@shared_task
def retry_events_task() -> int:
    """Beat: apply notifications that were stored but could not be applied at first."""
    return events.retry_unprocessed_events()


@shared_task
def reverse_lookup_task(call_id: int, attempt: int = 0) -> str | None:
    """Unknown caller: look the number up and push what was found into the call's wizard.

    Queue it on commit when `find_callers` found nothing. A provider that fails transiently is
    asked again with backoff; after REVERSE_LOOKUP_MAX_RETRIES the wizard says “lookup unavailable”.
    Idempotent: complete answers are cached, and a call matched meanwhile is left alone.
    """
    from django.conf import settings

    from telephony import reverse_lookup

    final = attempt >= settings.REVERSE_LOOKUP_MAX_RETRIES
    outcome = reverse_lookup.call_lookup_run(call_id=call_id, final=final)
    if outcome is None:
        return None
    if outcome.failed and outcome.retryable and not final:
        # A new message rather than self.retry(): under in-process (eager) execution Celery
        # re-raises Retry into the caller, which here is the webhook's on-commit hook.
        reverse_lookup_task.apply_async(args=[call_id, attempt + 1], countdown=min(2 ** (attempt + 1), 60))
    return outcome.status


# -- call-log sync (telephony/sync.py) ----------------------------------------------------------


# Rate-limit waits happen inside the run (Heavy group: 10 requests a minute), so a first sync of a
# large account can take a while; the hard limit only stops a run that is truly stuck, and the
# next run resumes from the page it stopped at.
@shared_task(soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60)
def sync_call_log_task(connector_id: int, user_id: int | None = None) -> str:
    """Sync one connector's call log (manual or periodic); one run at a time per connector."""
    from telephony import sync

    return sync.connector_sync(connector_id=connector_id, user_id=user_id).result


@shared_task
def sync_call_logs_task() -> int:
    """Beat: queue a call-log sync for every connected connector."""
    from telephony import sync

    due = sync.connectors_due()
    for connector_id in due:
        sync_call_log_task.delay(connector_id)
    return len(due)

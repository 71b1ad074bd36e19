"""Celery tasks: thin, idempotent adapters that take ids and call plain functions."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from telephony import ringcentral as rc
from telephony.connect import health, subscriptions
from telephony.models import RingCentralToken, Subscription

logger = logging.getLogger(__name__)
TRANSIENT = (rc.RingCentralUnavailable, rc.RateLimited)


@shared_task(
    autoretry_for=TRANSIENT, retry_backoff=5, retry_backoff_max=300, retry_jitter=True, max_retries=8
)
def ensure_subscription_task(resource_id: int) -> None:
    """Create, renew or recreate one resource's subscription."""
    subscriptions.ensure_subscription(resource_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=5, retry_backoff_max=300, max_retries=5)
def resource_disabled_task(resource_id: int) -> None:
    """RingCentral was unticked on the resource: revoke and unsubscribe."""
    subscriptions.resource_disabled(resource_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=5, retry_backoff_max=300, max_retries=5)
def resource_switched_off_task(resource_id: int) -> None:
    """The company's connection was switched off: unsubscribe, keep the authorization."""
    subscriptions.resource_switched_off(resource_id)


@shared_task
def renew_subscriptions_task() -> int:
    """Beat: queue a check for every listening resource whose subscription needs attention."""
    due = subscriptions.subscriptions_due()
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
def check_subscriptions_task() -> int:
    """Beat (every 30 s): ask RingCentral about every webhook subscription, one task each."""
    due = health.subscriptions_to_check()
    for subscription_id in due:
        check_subscription_task.delay(subscription_id)
    return len(due)


# Bounded: a RingCentral that does not answer must not hold the worker past the next round.
@shared_task(time_limit=30, soft_time_limit=25)
def check_subscription_task(subscription_id: int) -> None:
    """Is RingCentral reachable, and is this subscription still active there? If not, recreate it."""
    if not health.check_subscription(subscription_id):
        resource_id = (
            Subscription.objects.filter(pk=subscription_id).values_list("resource_id", flat=True).first()
        )
        if resource_id is not None:
            ensure_subscription_task.delay(resource_id)

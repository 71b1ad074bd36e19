"""Celery tasks of the ingest path: thin adapters that call plain functions."""

import logging
import threading
import time

from celery import shared_task
from django import db

from telephony.connect.tasks import check_subscriptions_task
from telephony.ingest import events, reconcile

logger = logging.getLogger(__name__)


@shared_task
def retry_events_task() -> int:
    """Beat: apply notifications that were stored but could not be applied at first."""
    return events.retry_unprocessed_events()


# A run reads one session per live call; it must not pile up behind itself when RingCentral is slow.
@shared_task(time_limit=55, soft_time_limit=50)
def reconcile_live_calls_task() -> int:
    """Start-up and beat (every minute): correct live calls whose events were lost. Does nothing,
    without asking RingCentral, while no call is live in our records."""
    if not reconcile.live_calls_exist():
        return 0
    return reconcile.reconcile_live_calls()


def catch_up_on_start(
    *, delay_seconds: float = 1.0, settle_seconds: float = reconcile.SETTLE_SECONDS
) -> None:
    """A web process just started: deliveries made while it was down failed, so RingCentral may
    have blacklisted the subscriptions (check them) and the live calls missed events (reconcile
    them). In the background: starting must not wait for RingCentral, nor fail when it is down.
    The live calls are reconciled once every call that began before the start is old enough to
    be (a call that rang just before a crash would otherwise wait for the next minute's run)."""

    def run() -> None:
        try:
            time.sleep(delay_seconds)
            check_subscriptions_task.delay()
            time.sleep(settle_seconds)
            reconcile_live_calls_task.delay()
        except Exception:
            logger.warning("Could not catch up after start-up", exc_info=True)
        finally:
            db.connections.close_all()

    threading.Thread(target=run, name="catch-up-on-start", daemon=True).start()

"""Celery tasks of the call history: call-log syncs."""

from celery import shared_task

from telephony.history import sync


# Rate-limit waits happen inside the run (Heavy group: 10 requests a minute), so a first sync of a
# large account can take a while; the hard limit only stops a run that is truly stuck, and the
# next run resumes from the page it stopped at.
@shared_task(soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60)
def sync_call_log_task(connector_id: int, user_id: int | None = None) -> str:
    """Sync one connector's call log (manual or periodic); one run at a time per connector."""
    return sync.connector_sync(connector_id=connector_id, user_id=user_id).result


@shared_task
def sync_call_logs_task() -> int:
    """Beat: queue a call-log sync for every connected connector."""
    due = sync.connectors_due()
    for connector_id in due:
        sync_call_log_task.delay(connector_id)
    return len(due)

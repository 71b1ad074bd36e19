"""Celery tasks of the callback queue (thin: the work is in overdue.py and voicemail.py)."""

from celery import shared_task

from telephony import ringcentral as rc
from telephony.callbacks import overdue, queue, voicemail


@shared_task
def notify_overdue_task() -> int:
    """Beat (every minute): tell supervisors about callbacks that just became overdue, once each."""
    return overdue.notify_overdue()


@shared_task(
    autoretry_for=(rc.RingCentralUnavailable, rc.RateLimited),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def fetch_transcription_task(voicemail_id: int) -> None:
    """Read a voicemail's transcription from RingCentral's message store."""
    voicemail.voicemail_transcribed(voicemail_id)


# A first sync of a large account brings many pages; each page's review is its own task.
@shared_task(soft_time_limit=600, time_limit=660)
def review_synced_task(entity_id: int, call_log_ids: list[str]) -> int:
    """Review the calls one call-log page wrote (missed ones become attempts, reached ones close)."""
    return queue.review_synced(entity_id=entity_id, call_log_ids=call_log_ids)

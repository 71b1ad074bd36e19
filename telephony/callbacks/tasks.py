"""Celery tasks of the callback queue (thin: the work is in overdue.py and voicemail.py)."""

from celery import shared_task

from telephony import ringcentral as rc
from telephony.callbacks import overdue, voicemail


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

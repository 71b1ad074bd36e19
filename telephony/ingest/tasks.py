"""Celery tasks of the ingest path: thin adapters that call plain functions."""

from celery import shared_task

from telephony.ingest import events


@shared_task
def retry_events_task() -> int:
    """Beat: apply notifications that were stored but could not be applied at first."""
    return events.retry_unprocessed_events()

"""The call-log sync's listener: the calls a page brought in are reviewed by a task after the page
commits (queue.review_synced), so the sync itself is not slowed down."""

from django.db import transaction

from crm.models import Entity
from telephony.callbacks.tasks import review_synced_task


def calls_synced(*, entity: Entity, call_log_ids: list[str]) -> None:
    entity_id = entity.pk
    transaction.on_commit(lambda: review_synced_task.delay(entity_id, call_log_ids), robust=True)

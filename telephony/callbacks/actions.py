"""What people do with an item: claim it, let it go, hand it to a colleague, close it.

Claims are decided by the database, not by what a page showed: a conditional UPDATE takes an
item only while nobody holds it, so of two people pressing Claim at once exactly one wins and the
other is told who did.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.timezone import localtime

from crm.models import Resource
from telephony.callbacks import live
from telephony.callbacks.models import CallbackItem

SUPERVISE_PERMISSION = "callbacks.supervise_callbacks"


class CallbackRefused(Exception):
    """The action cannot be done; the message says why in plain words."""


def _locked(item_id: int, resource: Resource) -> CallbackItem:
    item = (
        CallbackItem.objects.select_for_update(of=("self",))
        .select_related("claimed_by")
        .filter(pk=item_id, entity_id=resource.entity_id)
        .first()
    )
    if item is None:
        raise CallbackRefused("This callback no longer exists.")
    if not item.is_open:
        raise CallbackRefused("This callback is closed already.")
    return item


def _held_by_someone_else(item: CallbackItem) -> CallbackRefused:
    assert item.claimed_by is not None and item.claimed_at is not None
    since = time_format(localtime(item.claimed_at), "H:i")
    return CallbackRefused(
        f"{item.claimed_by.display_name} is already on it (since {since}). "
        "Ask them, or a supervisor can reassign it."
    )


def item_claim(*, item_id: int, resource: Resource) -> CallbackItem:
    """Take the item. Refused if someone else holds it; claiming your own again changes nothing."""
    with transaction.atomic():
        taken = CallbackItem.objects.filter(
            pk=item_id, entity_id=resource.entity_id, status=CallbackItem.Status.OPEN, claimed_by__isnull=True
        ).update(claimed_by=resource, claimed_at=timezone.now(), updated_at=timezone.now())
        item = _locked(item_id, resource)
        if not taken and item.claimed_by_id != resource.pk:
            if item.claimed_by is None:  # released between our UPDATE and now: try again later
                raise CallbackRefused("This callback changed a moment ago. Please try again.")
            raise _held_by_someone_else(item)
        if taken:
            live.queue_changed(item)
        return item


def item_release(*, item_id: int, resource: Resource, supervisor: bool = False) -> CallbackItem:
    with transaction.atomic():
        item = _locked(item_id, resource)
        if item.claimed_by_id is None:
            return item
        if item.claimed_by_id != resource.pk and not supervisor:
            raise _held_by_someone_else(item)
        item.claimed_by, item.claimed_at = None, None
        item.save()
        live.queue_changed(item)
        return item


def item_reassign(
    *, item_id: int, resource: Resource, to: Resource, supervisor: bool = False
) -> CallbackItem:
    """Hand the item to a colleague: the holder or a supervisor may; anyone may for a free item."""
    if to.entity_id != resource.entity_id:
        raise CallbackRefused("Pick a colleague from your own company.")
    with transaction.atomic():
        item = _locked(item_id, resource)
        if item.claimed_by_id not in (None, resource.pk) and not supervisor:
            raise _held_by_someone_else(item)
        item.claimed_by, item.claimed_at = to, timezone.now()
        item.save()
        live.queue_changed(item)
        return item


def item_close(*, item_id: int, resource: Resource, reason: str, note: str = "") -> CallbackItem:
    """Close by hand, with a reason ("no callback needed", "wrong number"…)."""
    by_itself = (CallbackItem.CloseReason.REACHED, CallbackItem.CloseReason.HISTORY)
    if reason not in CallbackItem.CloseReason.values or reason in by_itself:
        raise CallbackRefused("Pick why no callback is needed.")
    with transaction.atomic():
        item = _locked(item_id, resource)
        item.status = CallbackItem.Status.CLOSED
        item.closed_at, item.closed_by = timezone.now(), resource
        item.close_reason, item.close_note = reason, note.strip()[:200]
        item.save()
        live.queue_changed(item)
        return item

"""Items as a staff member sees them: who called, what was matched, time left, who holds it.
One function builds the cards for the page, the htmx answer and the live push alike."""

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from crm.models import Entity, Resource
from telephony.callbacks.models import CallbackAttempt, CallbackItem, ResponsePromise, Voicemail
from telephony.callbacks.promise import TimeLeft, promise_for, time_left

FILTERS = {"open": "Open", "mine": "Mine", "overdue": "Overdue", "closed": "Closed"}
PAGE_LIMIT = 200


@dataclass(frozen=True)
class ItemCard:
    item: CallbackItem
    rang: list[str]
    voicemails: list[Voicemail]
    time_left: TimeLeft | None
    mine: bool

    @property
    def pk(self) -> int:
        return self.item.pk

    @property
    def overdue(self) -> bool:
        return bool(self.time_left and self.time_left.overdue)

    @property
    def record(self) -> object:
        return self.item.contact or self.item.customer


def items_for(
    *, entity: Entity, view: str, resource: Resource, now: datetime | None = None
) -> QuerySet[CallbackItem]:
    items = CallbackItem.objects.for_entity(entity)
    now = now or timezone.now()
    if view == "closed":
        return items.filter(status=CallbackItem.Status.CLOSED).order_by("-closed_at", "-pk")
    items = items.open()
    if view == "mine":
        items = items.filter(claimed_by=resource)
    elif view == "overdue":
        items = items.filter(due_at__lte=now)
    return items.order_by("due_at", "-last_attempt_at", "pk")


def _with_details(items: QuerySet[CallbackItem]) -> QuerySet[CallbackItem]:
    return items.select_related("customer", "contact", "claimed_by", "closed_by").prefetch_related(
        Prefetch("attempts", queryset=CallbackAttempt.objects.order_by("at")),
        Prefetch("voicemails", queryset=Voicemail.objects.order_by("left_at")),
    )


def card(item: CallbackItem, *, viewer: Resource, promise: ResponsePromise, now: datetime) -> ItemCard:
    rang = sorted({name for attempt in item.attempts.all() for name in attempt.rang})
    return ItemCard(
        item=item,
        rang=rang,
        voicemails=list(item.voicemails.all()),
        time_left=time_left(item, promise, now),
        mine=item.claimed_by_id == viewer.pk,
    )


def cards(items: QuerySet[CallbackItem], *, viewer: Resource, limit: int = PAGE_LIMIT) -> list[ItemCard]:
    promise, now = promise_for(viewer.entity_id), timezone.now()
    return [card(i, viewer=viewer, promise=promise, now=now) for i in _with_details(items)[:limit]]


def one_card(item_id: int, *, viewer: Resource) -> ItemCard | None:
    """The card of one item of the viewer's company (None for any other company's item)."""
    found = cards(CallbackItem.objects.filter(pk=item_id, entity_id=viewer.entity_id), viewer=viewer, limit=1)
    return found[0] if found else None


def as_seen_by(found: ItemCard, viewer: Resource) -> ItemCard:
    """The same card for another viewer (only "mine" depends on who looks)."""
    return dataclasses.replace(found, mine=found.item.claimed_by_id == viewer.pk)


def open_count(entity_id: int) -> int:
    return CallbackItem.objects.filter(entity_id=entity_id, status=CallbackItem.Status.OPEN).count()

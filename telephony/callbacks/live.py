"""What the queue shows live, for everyone at the company: the header badge, each item's card,
and overdue toasts for supervisors. Everything leaves through telephony/live/push.py, rendered per
user (a card's buttons depend on who looks), and only to the company's own staff."""

from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template.loader import render_to_string

from arcadium import prepared
from crm.models import Entity, Resource
from crm.numbers import home_region
from telephony.callbacks import presenting
from telephony.callbacks.forms import CloseForm, ReassignForm
from telephony.callbacks.models import CallbackItem
from telephony.live import push

BADGE = "callbacks/_badge.html"
QUEUE = "callbacks/queue.html"
SUPERVISE_PERMISSION = "callbacks.supervise_callbacks"


def _staff(entity_id: int) -> list[Resource]:
    return list(
        Resource.objects.filter(entity_id=entity_id, user__is_active=True).select_related("user", "entity")
    )


def badge_context(entity_id: int) -> dict:
    return {"callback_count": presenting.open_count(entity_id), "callback_version": version_of(entity_id)}


def version_of(entity_id: int) -> str:
    return versions_of([entity_id])[entity_id]


def versions_of(entity_ids: list[int]) -> dict[int, str]:
    """The version of each company's queue: its open items and its last change ("0-" with no
    items at all). One prepared statement: the heartbeat reads it every second."""
    where, params = prepared.any_of("entity_id", entity_ids)
    versions = dict.fromkeys(entity_ids, "0-")
    for entity_id, open_items, changed in prepared.fetch_all(
        _versions_sql(where), [str(CallbackItem.Status.OPEN), *params]
    ):
        (last,) = prepared.converted(CallbackItem, ("updated_at",), [changed])  # SQLite's dates are text
        versions[entity_id] = f"{open_items}-{last.timestamp():.6f}"
    return versions


@cache
def _versions_sql(where: str) -> str:
    # Identifiers come from model metadata and `where` from code; values are bound parameters.
    return (
        "SELECT entity_id, SUM(CASE WHEN status = %s THEN 1 ELSE 0 END), MAX(updated_at) "  # noqa: S608
        f"FROM {CallbackItem._meta.db_table} WHERE {where} GROUP BY entity_id"
    )


def queue_version(user_ids: list[int]) -> dict[int, dict[str, str]]:
    """Heartbeat provider: the version of each user's company queue (static/js/callbacks.js compares)."""
    where, params = prepared.any_of("user_id", user_ids)
    entities = {
        r.user_id: r.entity_id
        for r in prepared.select(Resource, where, params, fields=("user_id", "entity_id"))
    }
    versions = versions_of(sorted(set(entities.values())))
    return {user_id: {"callbacks": versions[entity_id]} for user_id, entity_id in entities.items()}


def queue_changed(
    item: CallbackItem | None,
    *,
    new: bool = False,
    entity_id: int | None = None,
    removed_id: int | None = None,
) -> None:
    """Tell every staff member at the item's company: the badge, the item's card (a tab that
    does not show it drops it), and for a new item a nudge to reload the list it is filtered on."""
    entity_id = item.entity_id if item is not None else entity_id
    assert entity_id is not None
    badge = render_to_string(BADGE, {**badge_context(entity_id), "oob": True})
    region = Entity.objects.filter(pk=entity_id).values_list("default_region", flat=True).first() or "US"
    forms = {"close_form": CloseForm(), "reassign_form": ReassignForm(entity=Entity(pk=entity_id))}
    staff = _staff(entity_id)
    refresh = render_to_string(f"{QUEUE}#refresh", {"oob": True, "version": version_of(entity_id)})
    found = None
    if item is not None and not new and staff:
        with home_region(region):
            found = presenting.one_card(item.pk, viewer=staff[0])
    rendered: dict[bool, str] = {}  # a card differs only by whether it is the viewer's own
    for resource in staff:
        html: str = badge
        if found is not None:
            card = presenting.as_seen_by(found, resource)
            if card.mine not in rendered:
                with home_region(region):
                    rendered[card.mine] = render_to_string(
                        f"{QUEUE}#item", {"card": card, "oob": True, **forms}
                    )
            html += rendered[card.mine]
        if new or removed_id:
            html += refresh
        push.send_html(user_id=resource.user_id, html=html)


def supervisors(entity_id: int) -> list:
    """Active users at the company holding the supervise permission (directly, by group, or superuser)."""
    User = get_user_model()
    holders = Q(user_permissions__codename="supervise_callbacks") | Q(
        groups__permissions__codename="supervise_callbacks"
    )
    return list(
        User.objects.filter(resource__entity_id=entity_id, is_active=True)
        .filter(holders | Q(is_superuser=True))
        .distinct()
    )


def overdue_toast(item: CallbackItem, *, users: list) -> None:
    html = render_to_string("callbacks/_overdue_toast.html", {"item": item})
    for user in users:
        push.send_html(user_id=user.pk, html=html)

"""What the header phone icon says: hidden, green (listening) or red (and why)."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.template.loader import render_to_string
from django.utils import timezone

from arcadium import prepared
from crm.models import Resource
from telephony.live import push
from telephony.models import CallEvent, Connector, RingCentralToken, Subscription
from telephony.models_sync import CallLogSync

# The listener stamps its subscriptions at least this often while its socket is up.
LISTENER_STALE_AFTER = timedelta(seconds=90)
# Red once this many of the last DELIVERY_WINDOW deliveries were refused by our webhook.
DELIVERY_WINDOW = 5
DELIVERY_REFUSALS_RED = 2
# Events stored by the door wait this long at most while an ingest process runs (it applies them
# within a second); older ones mean no ingest process is applying them.
INBOX_STALE_AFTER = timedelta(seconds=30)
NOT_READY = "Your company is not ready for RingCentral yet: ask Arcadium support to get your system ready."
SWITCHED_OFF = (
    "Your company's RingCentral connection was switched off by an administrator. You stay "
    "authorized: calls reach you again as soon as it is connected."
)


@dataclass(frozen=True)
class PhoneStatus:
    visible: bool
    listening: bool = False
    reason: str = ""
    action: str = ""  # "authorize" when the user can fix it by authorizing again
    browser_phone: bool = False  # "Answer in browser": each browser runs its phone (static/js/phone.js)

    @property
    def version(self) -> str:
        """A fingerprint of what the icon shows: the heartbeat carries the current one."""
        facts = (self.visible, self.listening, self.reason, self.action, self.browser_phone)
        return hashlib.blake2s(repr(facts).encode(), digest_size=4).hexdigest()

    @property
    def state(self) -> str:
        if not self.visible:
            return "hidden"
        return "listening" if self.listening else "not-listening"


HIDDEN = PhoneStatus(visible=False)
SWITCHED_OFF_BY_ADMIN = PhoneStatus(visible=True, reason=SWITCHED_OFF)


@dataclass
class _Facts:
    """What the icons of several resources depend on, read in a fixed number of queries."""

    connectors: dict[int, Connector]  # by entity id
    tokens: dict[int, RingCentralToken]  # by resource id
    subscriptions: dict[int, Subscription]  # by resource id
    waiting_since: dict[int, datetime]  # oldest waiting inbox event, by subscription id
    paused: dict[int, set[int]]  # resource ids switched off by an administrator, by entity id

    @classmethod
    def of(cls, resources: list[Resource]) -> "_Facts":
        # Prepared statements reading only what the icon needs: the heartbeat runs this every
        # second for a fifth of a web process's sockets, on the thread its event loop shares the
        # interpreter with (ORM querysets for 40 users held the loop ~15 ms: the slowest popups).
        entity_ids = sorted({r.entity_id for r in resources})
        resource_ids = [r.pk for r in resources]
        of_resources = prepared.any_of("resource_id", resource_ids)
        of_entities = prepared.any_of("entity_id", entity_ids)
        subscriptions = {
            s.resource_id: s for s in prepared.select(Subscription, *of_resources, fields=ICON_SUBSCRIPTION)
        }
        return cls(
            connectors={
                c.entity_id: c for c in prepared.select(Connector, *of_entities, fields=ICON_CONNECTOR)
            },
            # Only whether each token is valid: tokens (encrypted) are not decrypted for the icon.
            tokens={
                t.resource_id: t
                for t in prepared.select(RingCentralToken, *of_resources, fields=("resource_id", "is_valid"))
                if t.resource_id is not None  # the company's own token has no resource
            },
            subscriptions=subscriptions,
            waiting_since=_waiting_since([s.pk for s in subscriptions.values()]),
            paused=_paused(entity_ids),
        )


def _waiting_since(subscription_ids: list[int]) -> dict[int, datetime]:
    """The oldest waiting inbox event of each subscription (the inbox's waiting rows have their
    own small index, callevent_waiting_idx)."""
    where, params = prepared.any_of("source_id", subscription_ids)
    return {
        source_id: prepared.converted(CallEvent, ("received_at",), [oldest])[0]  # SQLite's dates are text
        for source_id, oldest in prepared.fetch_all(_waiting_sql(where), params)
    }


def _paused(entity_ids: list[int]) -> dict[int, set[int]]:
    """The resources an administrator switched off, by company."""
    where, params = prepared.any_of("c.entity_id", entity_ids)
    return {
        entity_id: set(prepared.converted(CallLogSync, ("paused_resource_ids",), [ids])[0] or ())
        for entity_id, ids in prepared.fetch_all(_paused_sql(where), params)
    }


# What the icon reads of a subscription and a connector (the connector's secret says whether it
# is configured: one decryption per company).
ICON_SUBSCRIPTION = (
    "resource_id",
    "status",
    "transport",
    "unreachable_since",
    "last_error",
    "listener_seen_at",
    "recent_deliveries",
)
ICON_CONNECTOR = ("entity_id", "client_id", "client_secret", "server_url", "switched_off_at")


@cache
def _waiting_sql(where: str) -> str:
    # Identifiers come from model metadata and `where` from code; values are bound parameters.
    return (
        f"SELECT source_id, MIN(received_at) FROM {CallEvent._meta.db_table} "  # noqa: S608
        f"WHERE {where} AND {CallEvent.WAITING_SQL} GROUP BY source_id"
    )


@cache
def _paused_sql(where: str) -> str:
    sync, connector = CallLogSync._meta.db_table, Connector._meta.db_table
    # Identifiers come from model metadata and `where` from code; values are bound parameters.
    return (
        f"SELECT c.entity_id, s.paused_resource_ids FROM {sync} s "  # noqa: S608
        f"JOIN {connector} c ON c.id = s.connector_id WHERE {where}"
    )


def _at(when: datetime) -> str:
    return timezone.localtime(when).strftime("%H:%M")


def _subscription_problem(subscription: Subscription | None, facts: _Facts) -> str:
    if subscription is None or subscription.status == Subscription.Status.PENDING:
        return "Connecting to RingCentral…"
    if subscription.unreachable_since is not None:
        return f"RingCentral has not answered since {_at(subscription.unreachable_since)}. Retrying…"
    if subscription.status == Subscription.Status.BLACKLISTED:
        return "RingCentral stopped delivering calls (subscription blacklisted). Reconnecting…"
    if subscription.status in (Subscription.Status.EXPIRED, Subscription.Status.FAILED):
        detail = f" ({subscription.last_error})" if subscription.last_error else ""
        return f"RingCentral subscription failed{detail}. Retrying…"
    if subscription.transport == Subscription.Transport.WEBSOCKET:
        seen = subscription.listener_seen_at
        if seen is None:
            return "Connection to RingCentral lost. Reconnecting…"
        if timezone.now() - seen > LISTENER_STALE_AFTER:
            return f"Connection to RingCentral lost: RingCentral has not answered since {_at(seen)}. Reconnecting…"
    refused = subscription.recent_deliveries.count("0")
    if refused >= DELIVERY_REFUSALS_RED:
        return f"Event delivery failing: {refused} of the last {DELIVERY_WINDOW} deliveries refused."
    waiting_since = facts.waiting_since.get(subscription.pk)
    if waiting_since is not None and timezone.now() - waiting_since > INBOX_STALE_AFTER:
        return (
            f"Calls are not reaching you: RingCentral's events have been waiting since "
            f"{_at(waiting_since)} (Arcadium's ingest process is not running). Tell your administrator."
        )
    return ""


def phone_status(resource: Resource | None) -> PhoneStatus:
    if resource is None:
        return HIDDEN
    return _status(resource, _Facts.of([resource]))


def phone_statuses(resources: list[Resource]) -> dict[int, PhoneStatus]:
    """The icons of many resources at once (the heartbeat), by resource id."""
    facts = _Facts.of(resources)
    return {resource.pk: _status(resource, facts) for resource in resources}


def _status(resource: Resource, facts: _Facts) -> PhoneStatus:
    if not resource.ringcentral_enabled:
        switched_off = resource.pk in facts.paused.get(resource.entity_id, ())
        return SWITCHED_OFF_BY_ADMIN if switched_off else HIDDEN
    connector = facts.connectors.get(resource.entity_id)
    if connector is None or not connector.is_configured:
        return PhoneStatus(visible=True, reason=NOT_READY)
    if connector.switched_off:
        return PhoneStatus(visible=True, reason=SWITCHED_OFF)
    token = facts.tokens.get(resource.pk)
    if token is None or not token.is_valid:
        return PhoneStatus(
            visible=True, reason="Authorization needed: connect Arcadium to RingCentral.", action="authorize"
        )
    if not resource.ringcentral_on:
        return PhoneStatus(
            visible=True, reason="RingCentral is switched off: Arcadium does not react to calls."
        )
    browser_phone = resource.answer_on == Resource.AnswerOn.BROWSER
    problem = _subscription_problem(facts.subscriptions.get(resource.pk), facts)
    if problem:
        return PhoneStatus(visible=True, reason=problem, browser_phone=browser_phone)
    return PhoneStatus(
        visible=True, listening=True, reason="Listening for incoming calls.", browser_phone=browser_phone
    )


def phone_icon_html(resource: Resource) -> str:
    return render_to_string("telephony/_phone.html#icon", {"phone": phone_status(resource), "oob": True})


def phone_status_changed(resource: Resource) -> None:
    """Every open tab of the resource's user redraws its header phone icon."""
    push.send_html(user_id=resource.user_id, html=phone_icon_html(resource))


def phone_versions(user_ids: list[int]) -> dict[int, dict[str, str]]:
    """Heartbeat provider: the version of each user's header icon."""
    where, params = prepared.any_of("user_id", user_ids)
    resources = prepared.select(Resource, where, params, fields=ICON_RESOURCE)
    statuses = phone_statuses(resources)
    versions = {user_id: {"phone": HIDDEN.version} for user_id in user_ids}
    for resource in resources:
        versions[resource.user_id] = {"phone": statuses[resource.pk].version}
    return versions


# What the icon reads of a resource.
ICON_RESOURCE = ("user_id", "entity_id", "ringcentral_enabled", "ringcentral_on", "answer_on")

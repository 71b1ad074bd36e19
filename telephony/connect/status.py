"""What the header phone icon says: hidden, green (listening) or red (and why)."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Min
from django.template.loader import render_to_string
from django.utils import timezone

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
        entity_ids = {r.entity_id for r in resources}
        resource_ids = [r.pk for r in resources]
        subscriptions = {s.resource_id: s for s in Subscription.objects.filter(resource_id__in=resource_ids)}
        # The inbox's waiting rows have their own small index (callevent_waiting_idx).
        waiting = (
            CallEvent.objects.filter(
                source_id__in=[s.pk for s in subscriptions.values()], processed_at__isnull=True, error=""
            )
            .values("source_id")
            .annotate(oldest=Min("received_at"))
        )
        paused = CallLogSync.objects.filter(connector__entity_id__in=entity_ids).values_list(
            "connector__entity_id", "paused_resource_ids"
        )
        return cls(
            connectors={c.entity_id: c for c in Connector.objects.filter(entity_id__in=entity_ids)},
            tokens={
                t.resource_id: t
                # Only what the icon reads: the tokens themselves (encrypted) are not decrypted
                # for every user at every heartbeat.
                for t in RingCentralToken.objects.filter(resource_id__in=resource_ids).only(
                    "resource_id", "is_valid"
                )
                if t.resource_id is not None  # the company's own token has no resource
            },
            subscriptions=subscriptions,
            waiting_since={row["source_id"]: row["oldest"] for row in waiting},
            paused={entity_id: set(ids) for entity_id, ids in paused},
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
    resources = list(Resource.objects.filter(user_id__in=user_ids))
    statuses = phone_statuses(resources)
    versions = {user_id: {"phone": HIDDEN.version} for user_id in user_ids}
    for resource in resources:
        versions[resource.user_id] = {"phone": statuses[resource.pk].version}
    return versions

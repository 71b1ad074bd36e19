"""What the header phone icon says: hidden, green (listening) or red (and why)."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

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


def _connector(resource: Resource) -> Connector | None:
    return Connector.objects.filter(entity_id=resource.entity_id).first()


def _token(resource: Resource) -> RingCentralToken | None:
    return RingCentralToken.objects.filter(resource=resource).first()


def _subscription(resource: Resource) -> Subscription | None:
    return Subscription.objects.filter(resource=resource).first()


def _at(when: datetime) -> str:
    return timezone.localtime(when).strftime("%H:%M")


def _subscription_problem(subscription: Subscription | None) -> str:
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
    waiting_since = _oldest_waiting_event(subscription)
    if waiting_since is not None and timezone.now() - waiting_since > INBOX_STALE_AFTER:
        return (
            f"Calls are not reaching you: RingCentral's events have been waiting since "
            f"{_at(waiting_since)} (Arcadium's ingest process is not running). Tell your administrator."
        )
    return ""


def _oldest_waiting_event(subscription: Subscription) -> datetime | None:
    # The inbox's waiting rows have their own small index (callevent_waiting_idx).
    waiting = CallEvent.objects.filter(source_id=subscription.pk, processed_at__isnull=True, error="")
    return waiting.order_by("pk").values_list("received_at", flat=True).first()


def _switched_off_by_admin(resource: Resource) -> bool:
    paused = CallLogSync.objects.filter(connector__entity_id=resource.entity_id).values_list(
        "paused_resource_ids", flat=True
    )
    return any(resource.pk in ids for ids in paused)


def phone_status(resource: Resource | None) -> PhoneStatus:
    if resource is None:
        return HIDDEN
    if not resource.ringcentral_enabled:
        return SWITCHED_OFF_BY_ADMIN if _switched_off_by_admin(resource) else HIDDEN
    connector = _connector(resource)
    if connector is None or not connector.is_configured:
        return PhoneStatus(visible=True, reason=NOT_READY)
    if connector.switched_off:
        return PhoneStatus(visible=True, reason=SWITCHED_OFF)
    token = _token(resource)
    if token is None or not token.is_valid:
        return PhoneStatus(
            visible=True, reason="Authorization needed: connect Arcadium to RingCentral.", action="authorize"
        )
    if not resource.ringcentral_on:
        return PhoneStatus(
            visible=True, reason="RingCentral is switched off: Arcadium does not react to calls."
        )
    browser_phone = resource.answer_on == Resource.AnswerOn.BROWSER
    problem = _subscription_problem(_subscription(resource))
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


def phone_versions(user_id: int) -> dict[str, str]:
    """Heartbeat provider: the version of the user's header icon."""
    resource = Resource.objects.select_related("entity").filter(user_id=user_id).first()
    return {"phone": phone_status(resource).version}

"""What the header phone icon says: hidden, green (listening) or red (and why)."""

from dataclasses import dataclass
from datetime import timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from crm.models import Resource
from telephony.live import push
from telephony.models import Connector, RingCentralToken, Subscription

# The listener stamps its subscriptions at least this often while its socket is up.
LISTENER_STALE_AFTER = timedelta(seconds=90)
NOT_READY = "Your company is not ready for RingCentral yet: ask Arcadium support to get your system ready."
SWITCHED_OFF = (
    "Your company's RingCentral connection is switched off. You stay authorized: calls reach you "
    "again as soon as an administrator connects it."
)


@dataclass(frozen=True)
class PhoneStatus:
    visible: bool
    listening: bool = False
    reason: str = ""
    action: str = ""  # "authorize" when the user can fix it by authorizing again

    @property
    def state(self) -> str:
        if not self.visible:
            return "hidden"
        return "listening" if self.listening else "not-listening"


HIDDEN = PhoneStatus(visible=False)


def _connector(resource: Resource) -> Connector | None:
    return Connector.objects.filter(entity_id=resource.entity_id).first()


def _token(resource: Resource) -> RingCentralToken | None:
    return RingCentralToken.objects.filter(resource=resource).first()


def _subscription(resource: Resource) -> Subscription | None:
    return Subscription.objects.filter(resource=resource).first()


def _subscription_problem(subscription: Subscription | None) -> str:
    if subscription is None or subscription.status == Subscription.Status.PENDING:
        return "Connecting to RingCentral…"
    if subscription.status == Subscription.Status.BLACKLISTED:
        return "RingCentral stopped delivering calls (subscription blacklisted). Reconnecting…"
    if subscription.status in (Subscription.Status.EXPIRED, Subscription.Status.FAILED):
        detail = f" ({subscription.last_error})" if subscription.last_error else ""
        return f"RingCentral subscription failed{detail}. Retrying…"
    if subscription.transport == Subscription.Transport.WEBSOCKET:
        seen = subscription.listener_seen_at
        if seen is None or timezone.now() - seen > LISTENER_STALE_AFTER:
            return "Connection to RingCentral lost. Reconnecting…"
    return ""


def phone_status(resource: Resource | None) -> PhoneStatus:
    if resource is None or not resource.ringcentral_enabled:
        return HIDDEN
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
    problem = _subscription_problem(_subscription(resource))
    if problem:
        return PhoneStatus(visible=True, reason=problem)
    return PhoneStatus(visible=True, listening=True, reason="Listening for incoming calls.")


def phone_icon_html(resource: Resource) -> str:
    return render_to_string("telephony/_phone.html#icon", {"phone": phone_status(resource), "oob": True})


def phone_status_changed(resource: Resource) -> None:
    """Every open tab of the resource's user redraws its header phone icon."""
    push.send_html(user_id=resource.user_id, html=phone_icon_html(resource))

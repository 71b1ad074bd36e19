"""Can events reach us? What feeds the header icon besides the subscription's own status.

- A minutely check of every webhook subscription at RingCentral (`check_subscription`): whether
  RingCentral answers at all (`unreachable_since`) and whether the subscription is still active
  there (blacklisted or gone: recreated through `ensure_subscription`). With webhooks, silence
  from RingCentral looks like a quiet phone, so only asking tells the two apart. The WebSocket
  transport needs no check: the listener stamps `listener_seen_at` while its socket is up.
- What our webhook answered RingCentral (`delivery_answered`): RingCentral blacklists a
  subscription whose deliveries keep failing, so refusals show before that happens.

Every change of what the icon says is pushed (`phone_status_changed`); nothing is written or
pushed while all is well.
"""

import logging

from django.db.models import Q
from django.utils import timezone

from telephony import ringcentral as rc
from telephony.connect.status import DELIVERY_WINDOW, phone_status_changed
from telephony.models import Subscription

logger = logging.getLogger(__name__)


def subscriptions_to_check() -> list[int]:
    """The webhook subscriptions of listening resources (not those being created)."""
    return list(
        Subscription.objects.filter(
            transport=Subscription.Transport.WEBHOOK,
            resource__ringcentral_enabled=True,
            resource__ringcentral_token__is_valid=True,
        )
        .exclude(Q(rc_subscription_id="") | Q(status=Subscription.Status.PENDING))
        .values_list("pk", flat=True)
    )


def check_subscription(subscription_id: int) -> bool:
    """Ask RingCentral about one webhook subscription; returns False when it needs the upkeep
    (`ensure_subscription`, queued by the caller): gone, not active there, or failed here."""
    subscription = Subscription.objects.select_related("resource").filter(pk=subscription_id).first()
    if subscription is None:
        return True
    try:
        with rc.session_for(subscription.resource) as session:
            info = rc.get_subscription(session, subscription.rc_subscription_id)
    except rc.NotFound:
        info = None
    except (rc.RingCentralUnavailable, rc.RateLimited) as exc:
        _set_reachable(subscription, False, exc.message)
        return True
    except rc.RingCentralError as exc:  # authorization trouble: the token's own state says so
        logger.warning("Could not check the subscription of %s: %s", subscription.resource, exc.message)
        return True
    _set_reachable(subscription, True)
    healthy_here = subscription.status == Subscription.Status.ACTIVE
    return info is not None and info.is_active and healthy_here


def _set_reachable(subscription: Subscription, reachable: bool, error: str = "") -> None:
    since = None if reachable else (subscription.unreachable_since or timezone.now())
    if since == subscription.unreachable_since:
        return
    if not reachable:
        logger.warning("RingCentral did not answer for %s: %s", subscription.resource, error)
    Subscription.objects.filter(pk=subscription.pk).update(unreachable_since=since)
    subscription.unreachable_since = since
    phone_status_changed(subscription.resource)


def delivery_answered(subscription: Subscription, *, refused: bool) -> None:
    """The webhook answered a delivery for this subscription: taken (2xx) or refused."""
    if subscription.unreachable_since is not None:  # a delivery proves RingCentral is back
        _set_reachable(subscription, True)
    log = (subscription.recent_deliveries + ("0" if refused else "1"))[-DELIVERY_WINDOW:]
    if "0" not in log:
        log = ""
    if log == subscription.recent_deliveries:
        return
    before = log_problem(subscription.recent_deliveries)
    Subscription.objects.filter(pk=subscription.pk).update(recent_deliveries=log)
    subscription.recent_deliveries = log
    if log_problem(log) != before:
        phone_status_changed(subscription.resource)


def log_problem(log: str) -> int:
    return log.count("0")

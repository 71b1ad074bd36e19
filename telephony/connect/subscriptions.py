"""A staff member's connection to RingCentral: linking the extension, keeping one subscription
alive for their calls, and tearing it down when RingCentral is unticked or the company's
connection is switched off (then the authorization stays, and listening resumes on reconnect).

All functions are idempotent and take ids or rows; Celery tasks in tasks.py are thin wrappers.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from crm.models import Resource
from telephony import ringcentral as rc
from telephony.connect import presence
from telephony.connect.status import phone_status_changed
from telephony.models import Connector, RingCentralToken, Subscription

logger = logging.getLogger(__name__)

TELEPHONY_FILTER = "/restapi/v1.0/account/~/extension/~/telephony/sessions"
# Presence (available / on a call / Do Not Disturb) for the header, in the same subscription.
PRESENCE_FILTER = "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true"
# New voicemail in full (the callback queue links it to its call), in the same subscription.
EVENT_FILTERS = [TELEPHONY_FILTER, PRESENCE_FILTER, rc.VOICEMAIL_EVENT_FILTER]
SUBSCRIPTION_TTL_SECONDS = 7 * 24 * 3600
RENEW_WHEN_WITHIN = timedelta(days=2)
VERIFY_EVERY = timedelta(minutes=15)


def webhook_address(connector: Connector) -> str:
    base = (connector.public_base_url or settings.ARCADIUM_PUBLIC_URL).rstrip("/")
    return f"{base}{reverse('telephony-webhook')}"


def resource_authorized(*, resource: Resource, token: RingCentralToken) -> bool:
    """Right after a successful authorization: link the extension, then start listening.

    Returns False when RingCentral could not be subscribed to now (the caller queues a retry)."""
    with rc.session_for(resource) as session:
        extension = rc.current_extension(session)
    resource.ringcentral_extension_id = extension.id
    resource.ringcentral_extension_number = (
        extension.extension_number or resource.ringcentral_extension_number
    )
    resource.save(update_fields=["ringcentral_extension_id", "ringcentral_extension_number"])
    Subscription.objects.filter(resource=resource).exclude(status=Subscription.Status.ACTIVE).delete()
    # Subscribe now, while the user waits on the callback, so they land on a green icon; if
    # RingCentral is busy or down the task retries with backoff and the icon says so meanwhile.
    try:
        ensure_subscription(resource.pk)
        subscribed = True
    except rc.RingCentralError:
        subscribed = False
    phone_status_changed(resource)
    return subscribed


def _set_status(
    subscription: Subscription, status: str, error: str = "", info: rc.SubscriptionInfo | None = None
) -> None:
    subscription.status = status
    subscription.last_error = error[:500]
    if info is not None:
        subscription.rc_subscription_id = info.id
        subscription.expires_at = info.expiration_time
    subscription.save()
    phone_status_changed(subscription.resource)


def _create_webhook(subscription: Subscription, session: rc.Session) -> None:
    info = rc.create_webhook_subscription(
        session,
        address=webhook_address(subscription.connector),
        verification_token=subscription.connector.verification_token,
        event_filters=EVENT_FILTERS,
        expires_in=SUBSCRIPTION_TTL_SECONDS,
    )
    _set_status(
        subscription, Subscription.Status.ACTIVE if info.is_active else Subscription.Status.FAILED, info=info
    )
    presence.refresh_presence(subscription=subscription, session=session)


def _check_webhook(subscription: Subscription, session: rc.Session) -> None:
    try:
        info = rc.get_subscription(session, subscription.rc_subscription_id)
    except rc.NotFound:
        info = None
    if info is None or not info.is_active:
        reason = info.blacklisted_reason if info else "expired at RingCentral"
        logger.warning(
            "Recreating subscription for %s: %s",
            subscription.resource,
            reason or (info.status if info else ""),
        )
        if info is not None:
            rc.delete_subscription(session, info.id)
        _create_webhook(subscription, session)
    elif set(EVENT_FILTERS) - set(info.event_filters):  # made before presence or voicemail was read
        info = rc.update_subscription(
            session, info.id, event_filters=EVENT_FILTERS, expires_in=SUBSCRIPTION_TTL_SECONDS
        )
        _set_status(subscription, Subscription.Status.ACTIVE, info=info)
    elif subscription.expires_within(RENEW_WHEN_WITHIN.total_seconds()):
        _set_status(subscription, Subscription.Status.ACTIVE, info=rc.renew_subscription(session, info.id))
    else:  # healthy: record that we looked, so the next check is due in VERIFY_EVERY
        _set_status(subscription, Subscription.Status.ACTIVE, info=info)


def ensure_subscription(resource_id: int) -> Subscription | None:
    """Make sure a listening resource has a live subscription: create, renew or recreate it.

    Webhook mode talks to RingCentral here; WebSocket mode leaves a pending row that the
    `ringcentral_listen` process picks up. Returns None when the resource should not listen.
    """
    resource = Resource.objects.select_related("entity").filter(pk=resource_id).first()
    token = (
        RingCentralToken.objects.select_related("connector")
        .filter(resource_id=resource_id, is_valid=True)
        .first()
    )
    if resource is None or token is None or not resource.ringcentral_enabled:
        return None
    connector = token.connector
    if connector.switched_off:
        return None
    transport = Subscription.Transport.WEBHOOK if connector.webhook_mode else Subscription.Transport.WEBSOCKET
    subscription, _ = Subscription.objects.get_or_create(
        resource=resource, defaults={"connector": connector, "transport": transport}
    )
    if subscription.transport != transport:
        subscription.transport, subscription.rc_subscription_id = transport, ""
        subscription.save()
    if transport == Subscription.Transport.WEBSOCKET:
        return subscription
    try:
        with rc.session_for(resource) as session:
            if subscription.rc_subscription_id:
                _check_webhook(subscription, session)
            else:
                _create_webhook(subscription, session)
    except rc.AuthExpired as exc:
        _set_status(subscription, Subscription.Status.FAILED, f"authorization needed: {exc.message}")
    except rc.RingCentralError as exc:
        _set_status(subscription, Subscription.Status.FAILED, exc.message)
        raise
    return subscription


def _stop_listening(resource: Resource, token: RingCentralToken | None) -> None:
    """Delete the resource's subscription here and, while its token still works, at RingCentral."""
    subscription = Subscription.objects.filter(resource=resource).first()
    if subscription is None:
        return
    if token is not None and token.is_valid and subscription.rc_subscription_id:
        try:
            with rc.session_for(resource) as session:
                rc.delete_subscription(session, subscription.rc_subscription_id)
        except rc.RingCentralError as exc:
            logger.warning(
                "Could not delete the RingCentral subscription of resource %s: %s", resource.pk, exc.message
            )
    subscription.delete()


def resource_disabled(resource_id: int) -> None:
    """RingCentral unticked: revoke the tokens, delete the subscription, hide the icon."""
    resource = Resource.objects.filter(pk=resource_id).first()
    token = RingCentralToken.objects.select_related("connector").filter(resource_id=resource_id).first()
    if resource is not None:
        _stop_listening(resource, token)
    if token is not None:
        rc.revoke(token)
        token.delete()
    if resource is not None:
        phone_status_changed(resource)


def resource_switched_off(resource_id: int) -> None:
    """The company's connection was switched off: stop listening, keep the authorization; the icon
    turns red and says why."""
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None:
        return
    _stop_listening(resource, RingCentralToken.objects.filter(resource=resource).first())
    phone_status_changed(resource)


def listening_resources(connector: Connector) -> list[int]:
    """The company's ticked staff whose authorization still works (they listen when switched on)."""
    return list(
        Resource.objects.filter(
            entity_id=connector.entity_id, ringcentral_enabled=True, ringcentral_token__is_valid=True
        ).values_list("pk", flat=True)
    )


def subscriptions_due() -> list[int]:
    """Resources whose subscription needs attention: missing, failing, expiring soon, or not
    verified at RingCentral for VERIFY_EVERY (RingCentral blacklists a webhook without telling us)."""
    now = timezone.now()
    listening = Resource.objects.filter(ringcentral_enabled=True, ringcentral_token__is_valid=True).exclude(
        entity__ringcentral_connector__switched_off_at__isnull=False
    )
    healthy = Subscription.objects.filter(status=Subscription.Status.ACTIVE).filter(
        Q(transport=Subscription.Transport.WEBSOCKET)
        | Q(expires_at__gt=now + RENEW_WHEN_WITHIN, updated_at__gt=now - VERIFY_EVERY)
    )
    return list(listening.exclude(ringcentral_subscription__in=healthy).values_list("pk", flat=True))

"""Rows for telephony tests, and notification payloads shaped like API.md §4.3/§4.4 samples.

Payloads built here are for unit tests of our own state mapping (the issue asks for events out
of order and odd sequences that a live simulator run would not produce on demand); end-to-end
tests use the simulator's real notifications instead.
"""

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import factory
from django.utils import timezone

from telephony.models import Connector, RingCentralToken, Subscription
from tests.factories import EntityFactory, ResourceFactory

_sequence = itertools.count(1)
ACCOUNT_ID = "37439510"


class ConnectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connector

    entity = factory.SubFactory(EntityFactory)
    client_id = "arcadium-demo-client"
    client_secret = "arcadium-demo-secret"
    server_url = "http://127.0.0.1:9"
    account_id = ACCOUNT_ID


class TokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RingCentralToken

    connector = factory.SubFactory(ConnectorFactory)
    access_token = factory.Sequence(lambda n: f"access-token-{n}")
    refresh_token = factory.Sequence(lambda n: f"refresh-token-{n}")
    access_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))
    refresh_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    connector = factory.SubFactory(ConnectorFactory)
    resource = factory.SubFactory(ResourceFactory)
    transport = Subscription.Transport.WEBHOOK
    rc_subscription_id = factory.Sequence(lambda n: f"53300e7c-5e69-42bf-ab4d-{n:012d}")
    status = Subscription.Status.ACTIVE
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


def listening_resource(entity, *, extension_id: str = "62000101", username: str | None = None):
    """A resource that is enabled, authorized and subscribed (webhook), as after a real connect."""
    connector = Connector.objects.filter(entity=entity).first() or ConnectorFactory(entity=entity)
    kwargs = {"user__username": username} if username else {}
    resource = ResourceFactory(
        entity=entity,
        ringcentral_enabled=True,
        ringcentral_extension_id=extension_id,
        ringcentral_extension_number="101",
        **kwargs,
    )
    TokenFactory(connector=connector, resource=resource, owner_extension_id=extension_id)
    subscription = SubscriptionFactory(connector=connector, resource=resource)
    return resource, subscription


def party_event(
    subscription: Subscription,
    *,
    session: str = "s-a6abd24ca6774373a8120a3390d3cbe8",
    code: str = "Setup",
    sequence: int | None = None,
    extension_id: str = "62000101",
    party: str = "2",
    direction: str = "Inbound",
    caller: str = "+12125550100",
    reason: str | None = None,
    muted: bool = False,
    missed: bool = False,
    at: datetime | None = None,
) -> dict:
    status = {"code": code, "rcc": False}
    if reason:
        status["reason"] = reason
    at = at or datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    our_number = "+19043014558"
    return {
        "uuid": str(uuid.uuid4().int)[:19],
        "event": f"/restapi/v1.0/account/{ACCOUNT_ID}/extension/{extension_id}/telephony/sessions",
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "subscriptionId": subscription.rc_subscription_id,
        "ownerId": extension_id,
        "body": {
            "sequence": sequence if sequence is not None else next(_sequence),
            "sessionId": "425008160016",
            "telephonySessionId": session,
            "serverId": "10.13.22.28.TAM",
            "eventTime": at.isoformat().replace("+00:00", "Z"),
            "parties": [
                {
                    "accountId": ACCOUNT_ID,
                    "extensionId": extension_id,
                    "id": f"p-{session[2:]}-{party}",
                    "direction": direction,
                    "to": {"phoneNumber": our_number, "name": "Alice Martin", "extensionId": extension_id},
                    "from": {"phoneNumber": caller},
                    "status": status,
                    "park": {},
                    "missedCall": missed,
                    "standAlone": False,
                    "muted": muted,
                }
            ],
            "origin": {"type": "Call"},
        },
    }

"""Beat keeps every listening resource subscribed: renew before expiry, recreate what RingCentral
expired, deleted or blacklisted."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from telephony import ringcentral
from telephony.connect.tasks import renew_subscriptions_task
from telephony.models import Connector, Subscription
from tests.factories import ResourceFactory
from tests.simulator_fixture import sign_in_and_authorize
from tests.telephony_factories import ConnectorFactory
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def subscribed(live_app, simulator, entity):
    ConnectorFactory(
        entity=entity, server_url=simulator.url, delivery_mode="webhook", public_base_url=live_app.url
    )
    resource = ResourceFactory(entity=entity, ringcentral_enabled=True)
    client = Client(HTTP_HOST="127.0.0.1:8000")
    client.force_login(resource.user)
    callback = urlsplit(sign_in_and_authorize(client.get(reverse("telephony-connect"))["Location"]))
    client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
    subscription = Subscription.objects.get(resource=resource, status=Subscription.Status.ACTIVE)
    return resource, subscription


def remote(simulator, subscription_id):
    return next((s for s in simulator.control.subscriptions() if s["id"] == subscription_id), None)


def test_healthy_subscriptions_are_verified_every_quarter_hour_and_left_alone(subscribed):
    _, subscription = subscribed
    assert renew_subscriptions_task() == 0
    Subscription.objects.filter(pk=subscription.pk).update(updated_at=timezone.now() - timedelta(minutes=16))
    assert renew_subscriptions_task() == 1
    checked = Subscription.objects.get(pk=subscription.pk)
    assert checked.rc_subscription_id == subscription.rc_subscription_id
    assert checked.updated_at > timezone.now() - timedelta(minutes=1)
    assert renew_subscriptions_task() == 0


def test_a_subscription_close_to_expiry_is_renewed(subscribed, simulator):
    _, subscription = subscribed
    Subscription.objects.filter(pk=subscription.pk).update(expires_at=timezone.now() + timedelta(hours=3))
    assert renew_subscriptions_task() == 1
    renewed = Subscription.objects.get(pk=subscription.pk)
    assert renewed.rc_subscription_id == subscription.rc_subscription_id
    assert renewed.expires_at > timezone.now() + timedelta(days=6)
    assert renewed.status == Subscription.Status.ACTIVE


def test_a_subscription_ringcentral_no_longer_has_is_recreated(subscribed, simulator):
    resource, subscription = subscribed
    with ringcentral.session_for(resource) as session:
        ringcentral.delete_subscription(session, subscription.rc_subscription_id)
    Subscription.objects.filter(pk=subscription.pk).update(expires_at=timezone.now())
    assert renew_subscriptions_task() == 1
    recreated = Subscription.objects.get(pk=subscription.pk)
    assert recreated.status == Subscription.Status.ACTIVE
    assert recreated.rc_subscription_id != subscription.rc_subscription_id
    assert remote(simulator, recreated.rc_subscription_id)["status"] == "Active"


def test_a_blacklisted_subscription_is_recreated_once_arcadium_is_reachable_again(
    subscribed, simulator, live_app_factory, live_app
):
    resource, subscription = subscribed
    simulator.control.voice_config(webhook_max_failures=1)
    live_app.process.kill()  # RingCentral cannot deliver: the webhook gets blacklisted
    live_app.process.wait(10)
    simulator.control.place_call("+12125550100", "101", ring_timeout=0.5)
    wait_for(
        lambda: remote(simulator, subscription.rc_subscription_id)["status"] == "Blacklisted", timeout=15
    )

    # Nothing told us: the next periodic check (due every 15 minutes) finds it.
    Subscription.objects.filter(pk=subscription.pk).update(updated_at=timezone.now() - timedelta(minutes=16))
    back = live_app_factory(env={"RINGCENTRAL_SERVER_URL": simulator.url})
    Connector.objects.filter(entity=resource.entity).update(public_base_url=back.url)
    renew_subscriptions_task()

    recreated = Subscription.objects.get(pk=subscription.pk)
    assert recreated.status == Subscription.Status.ACTIVE
    assert recreated.rc_subscription_id != subscription.rc_subscription_id
    assert remote(simulator, subscription.rc_subscription_id) is None  # the blacklisted one was deleted

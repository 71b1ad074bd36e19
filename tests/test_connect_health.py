"""What the header icon says about whether events can reach us, and that it comes back by itself."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from telephony.connect import health
from telephony.connect.status import phone_status
from telephony.connect.tasks import check_subscription_task, check_subscriptions_task
from telephony.history.connector import connector_disconnect
from telephony.models import Subscription
from tests.telephony_factories import listening_resource, party_event

pytestmark = pytest.mark.django_db(transaction=True)


def reason(resource) -> str:
    resource.refresh_from_db()
    return phone_status(resource).reason


def post(subscription, payload, *, token: str | None = None):
    return Client().post(
        reverse("telephony-webhook"),
        data=json.dumps(payload),
        content_type="application/json",
        headers={"Verification-Token": token or subscription.connector.verification_token},
    )


def test_refused_deliveries_turn_it_red_and_taken_ones_green_again(entity):
    resource, subscription = listening_resource(entity)
    for _ in range(3):
        assert post(subscription, party_event(subscription), token="wrong").status_code == 403
    assert reason(resource) == "Event delivery failing: 3 of the last 5 deliveries refused."

    for sequence in range(2, 7):
        assert post(subscription, party_event(subscription, sequence=sequence)).status_code == 200
    assert phone_status(resource).listening
    assert Subscription.objects.get(pk=subscription.pk).recent_deliveries == ""


def test_one_stray_refusal_does_not_turn_it_red(entity):
    resource, subscription = listening_resource(entity)
    post(subscription, party_event(subscription), token="wrong")
    assert phone_status(resource).listening


def test_an_administrator_switching_the_company_off_is_said_so(entity):
    resource, subscription = listening_resource(entity)
    connector_disconnect(connector=subscription.connector)
    resource.refresh_from_db()
    status = phone_status(resource)
    assert status.visible and not status.listening
    assert status.reason.startswith(
        "Your company's RingCentral connection was switched off by an administrator."
    )


@pytest.fixture
def subscribed(live_app, simulator, entity):
    """A resource authorized at the simulator with a real webhook subscription to the live app."""
    from tests.telephony_factories import ConnectorFactory
    from tests.test_wizard_browser import connected_staff

    ConnectorFactory(
        entity=entity, server_url=simulator.url, delivery_mode="webhook", public_base_url=live_app.url
    )
    resource = connected_staff(entity, "101")
    return resource, Subscription.objects.get(resource=resource)


def test_ringcentral_not_answering_turns_it_red_since_when_and_green_when_it_answers(subscribed, simulator):
    resource, subscription = subscribed
    assert check_subscriptions_task() == 1
    assert phone_status(resource).listening

    simulator.stop()
    check_subscription_task(subscription.pk)
    assert reason(resource).startswith("RingCentral has not answered since ")
    since = Subscription.objects.get(pk=subscription.pk).unreachable_since
    check_subscription_task(subscription.pk)
    assert Subscription.objects.get(pk=subscription.pk).unreachable_since == since

    simulator.start()
    check_subscription_task(subscription.pk)
    assert phone_status(resource).listening


def test_a_subscription_gone_at_ringcentral_is_recreated_by_the_check(subscribed, simulator):
    resource, subscription = subscribed
    simulator.control.reset_voice()  # RingCentral forgot every subscription

    check_subscription_task(subscription.pk)

    renewed = Subscription.objects.get(pk=subscription.pk)
    assert renewed.rc_subscription_id != subscription.rc_subscription_id
    assert renewed.status == Subscription.Status.ACTIVE and phone_status(resource).listening
    assert health.check_subscription(subscription.pk)


def test_a_delivery_proves_ringcentral_answers_again(entity):
    resource, subscription = listening_resource(entity)
    Subscription.objects.filter(pk=subscription.pk).update(unreachable_since=timezone.now())
    assert reason(resource).startswith("RingCentral has not answered since ")

    assert post(subscription, party_event(subscription)).status_code == 200

    assert phone_status(resource).listening

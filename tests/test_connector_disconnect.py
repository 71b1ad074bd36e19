"""Disconnecting the company's connector switches listening off and says so; staff keep their
authorization, and reconnecting turns them green again without a new RingCentral sign-in."""

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from crm.models import Resource
from telephony.models import Connector, RingCentralToken, Subscription
from tests.factories import ResourceFactory
from tests.simulator_fixture import sign_in_and_authorize
from tests.test_sync_support import connect, grant

pytestmark = pytest.mark.django_db(transaction=True)
SWITCHED_OFF = "Your company's RingCentral connection was switched off by an administrator"


@pytest.fixture
def company(live_app, simulator, entity):
    """A connected company whose staff member authorized and listens (webhook delivery)."""
    connector = connect(entity, simulator)
    Connector.objects.filter(pk=connector.pk).update(delivery_mode="webhook", public_base_url=live_app.url)
    staff = ResourceFactory(entity=entity, ringcentral_enabled=True)
    staff_client = Client(HTTP_HOST="127.0.0.1:8000")
    staff_client.force_login(staff.user)
    callback = urlsplit(sign_in_and_authorize(staff_client.get(reverse("telephony-connect"))["Location"]))
    staff_client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
    assert Subscription.objects.get(resource=staff).status == Subscription.Status.ACTIVE
    admin = ResourceFactory(entity=entity)
    grant(admin.user, "manage_connector")
    admin_client = Client()
    admin_client.force_login(admin.user)
    return connector, staff, staff_client, admin_client


def icon(client: Client) -> tuple[str, str]:
    html = BeautifulSoup(client.get(reverse("telephony-phone-icon")).content, "html.parser")
    return html.select_one("#phone-icon")["data-state"], html.select_one("#phone-icon button")["title"]


def at_ringcentral(simulator, subscription_id: str) -> bool:
    return any(s["id"] == subscription_id for s in simulator.control.subscriptions())


def test_disconnect_keeps_staff_authorized_and_says_why_they_stopped_listening(company, simulator):
    connector, staff, staff_client, admin_client = company
    token = RingCentralToken.objects.get(resource=staff).access_token
    subscription_id = Subscription.objects.get(resource=staff).rc_subscription_id
    assert icon(staff_client)[0] == "listening"

    response = admin_client.post(reverse("telephony-connector-disconnect"), follow=True)

    assert "keep their authorization" in response.content.decode()
    staff.refresh_from_db()
    assert staff.ringcentral_enabled  # still ticked
    assert RingCentralToken.objects.get(resource=staff).is_valid  # still authorized
    assert not Subscription.objects.filter(resource=staff).exists()  # but not listening
    assert not at_ringcentral(simulator, subscription_id)
    state, title = icon(staff_client)
    assert state == "not-listening" and title.startswith(f"RingCentral: {SWITCHED_OFF}")
    # No trip to RingCentral's sign-in while the company is switched off.
    assert staff_client.get(reverse("crm-customer-list")).status_code == 200

    reconnected = admin_client.post(reverse("telephony-connector-connect"), follow=True)  # the stored JWT

    assert "RingCentral is connected" in reconnected.content.decode()
    assert icon(staff_client)[0] == "listening"  # green again, no new sign-in
    assert RingCentralToken.objects.get(resource=staff).access_token == token
    assert Subscription.objects.get(resource=staff).status == Subscription.Status.ACTIVE


def test_the_connector_page_says_the_connection_is_switched_off(company):
    _, _, _, admin_client = company
    admin_client.post(reverse("telephony-connector-disconnect"))

    page = admin_client.get(reverse("telephony-connector")).content.decode()

    assert "Switched off" in page


def test_renewal_leaves_a_switched_off_company_alone(company):
    from telephony.connect.tasks import renew_subscriptions_task

    _, staff, _, admin_client = company
    admin_client.post(reverse("telephony-connector-disconnect"))

    assert renew_subscriptions_task() == 0
    assert not Subscription.objects.filter(resource=staff).exists()
    assert Resource.objects.get(pk=staff.pk).ringcentral_enabled

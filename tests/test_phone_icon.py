"""The header phone icon, its settings panel, and authorization on next connection."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from crm.models import Resource
from telephony.connect.authorization import DECLINED_KEY
from telephony.connect.status import phone_status
from telephony.models import Subscription
from tests.telephony_factories import ConnectorFactory, listening_resource


def icon(client) -> BeautifulSoup:
    response = client.get(reverse("crm-customer-list"))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select_one("#phone-icon")


@pytest.fixture
def listening(client, entity):
    resource, subscription = listening_resource(entity)
    client.force_login(resource.user)
    return resource, subscription


def test_no_icon_when_ringcentral_is_not_enabled(staff_client):
    element = icon(staff_client)
    assert element["data-state"] == "hidden"
    assert element.select_one("button") is None


def test_green_when_listening(client, listening):
    element = icon(client)
    assert element["data-state"] == "listening"
    assert "phone-listening" in element["class"]
    assert element.select_one("button")["title"] == "RingCentral: Listening for incoming calls."


def test_red_and_why_when_switched_off(client, listening):
    resource, _ = listening
    resource.ringcentral_on = False
    resource.save()
    element = icon(client)
    assert element["data-state"] == "not-listening"
    assert "switched off" in element.select_one("button")["title"]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Subscription.Status.BLACKLISTED, "blacklisted"),
        (Subscription.Status.FAILED, "subscription failed"),
        (Subscription.Status.PENDING, "Connecting"),
    ],
)
def test_red_when_the_subscription_is_not_healthy(client, listening, status, words):
    _, subscription = listening
    subscription.status = status
    subscription.save()
    element = icon(client)
    assert element["data-state"] == "not-listening"
    assert words in element.select_one("button")["title"]


def test_red_when_the_listener_connection_is_lost(client, listening):
    _, subscription = listening
    subscription.transport = Subscription.Transport.WEBSOCKET
    subscription.listener_seen_at = timezone.now() - timedelta(minutes=5)
    subscription.save()
    assert "Connection to RingCentral lost" in icon(client).select_one("button")["title"]
    subscription.listener_seen_at = timezone.now()
    subscription.save()
    assert icon(client)["data-state"] == "listening"


def test_red_with_an_authorize_link_when_authorization_is_needed(client, listening):
    resource, _ = listening
    resource.ringcentral_token.is_valid = False
    resource.ringcentral_token.save()
    session = client.session
    session[DECLINED_KEY] = True
    session.save()
    element = icon(client)
    assert element["data-state"] == "not-listening"
    assert element.select_one("a.phone-authorize")["href"] == reverse("telephony-connect")


def test_red_with_the_seed_wording_when_the_company_is_not_ready(client, entity):
    from tests.factories import ResourceFactory

    resource = ResourceFactory(entity=entity, ringcentral_enabled=True)
    client.force_login(resource.user)
    status = phone_status(resource)
    assert status.visible and not status.listening
    assert "ask Arcadium support to get your system ready" in status.reason
    assert icon(client)["data-state"] == "not-listening"


def test_the_settings_panel_shows_the_switches_and_do_not_disturb(client, listening):
    response = client.get(reverse("telephony-settings"), headers={"HX-Request": "true"})
    soup = BeautifulSoup(response.content, "html.parser")
    legends = [legend.get_text(strip=True) for legend in soup.select("legend")]
    assert legends == [
        "RingCentral",
        "Phone ringer",
        "Answer on",
        "Close wizard on hang-up",
        "Open the wizard for calls I place from my phone",
        "Do Not Disturb",
    ]
    assert soup.select_one("input[name=ringcentral][value=on]").has_attr("checked")
    assert soup.select_one("input[name=answer_on][value=pc]").has_attr("checked")


def test_saving_settings_applies_them_and_pushes_the_icon(
    client, listening, django_capture_on_commit_callbacks
):
    resource, _ = listening
    data = {"ringcentral": "off", "ringer": "off", "answer_on": "phone", "close_on_hangup": "off"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("telephony-settings"), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Saved." in response.content.decode()
    resource.refresh_from_db()
    assert (
        resource.ringcentral_on,
        resource.ringer_on,
        resource.answer_on,
        resource.close_wizard_on_hangup,
    ) == (
        False,
        False,
        Resource.AnswerOn.PHONE,
        False,
    )
    assert len(callbacks) == 1  # the icon push waits for the commit


def test_settings_work_without_javascript(client, listening):
    data = {"ringcentral": "on", "ringer": "off", "answer_on": "pc", "close_on_hangup": "on"}
    response = client.post(reverse("telephony-settings"), data)
    assert response.status_code == 302
    page = client.get(reverse("telephony-settings"))
    assert "RingCentral settings saved." in page.content.decode()


def test_bad_settings_are_refused(client, listening):
    resource, _ = listening
    response = client.post(
        reverse("telephony-settings"), {"ringcentral": "maybe"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    resource.refresh_from_db()
    assert resource.ringcentral_on is True


def test_a_ticked_user_without_authorization_is_sent_to_ringcentral(client, entity):
    from tests.factories import ResourceFactory

    ConnectorFactory(entity=entity)
    resource = ResourceFactory(entity=entity, ringcentral_enabled=True)
    client.force_login(resource.user)
    response = client.get(reverse("crm-customer-list"), headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("telephony-connect"))
    # htmx fragments and the phone endpoints themselves are never redirected
    assert client.get(reverse("crm-customer-list"), headers={"HX-Request": "true"}).status_code == 200
    assert client.get(reverse("telephony-phone-icon")).status_code == 200


def test_no_redirect_once_the_user_declined_or_when_the_company_is_not_ready(client, entity):
    from tests.factories import ResourceFactory

    resource = ResourceFactory(entity=entity, ringcentral_enabled=True)
    client.force_login(resource.user)
    assert client.get(reverse("crm-customer-list")).status_code == 200  # no connector yet
    ConnectorFactory(entity=entity)
    session = client.session
    session[DECLINED_KEY] = True
    session.save()
    assert client.get(reverse("crm-customer-list")).status_code == 200

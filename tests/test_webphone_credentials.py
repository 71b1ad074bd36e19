"""The browser phone's credentials: RingCentral's sip-provision through the client module, per
user, encrypted at rest, handed only to that user's browser (no caching), never logged, and
asked for again before they lapse; and the switch to "Answer in browser" a browser makes once it
has the microphone."""

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import Resource
from telephony.connect.forms import PhoneSettingsForm
from telephony.models import WebPhoneCredential
from telephony.webphone.credentials import webphone_device_id
from tests.factories import ResourceFactory
from tests.ringcentral_helpers import authorize_resource, make_connector

pytestmark = pytest.mark.django_db

URL = reverse("telephony-webphone-credentials")


def staff(connector, extension: str, **fields) -> Resource:
    resource = authorize_resource(connector, username=extension).resource
    values = {"ringcentral_enabled": True, "answer_on": Resource.AnswerOn.BROWSER, **fields}
    Resource.objects.filter(pk=resource.pk).update(**values)
    resource.refresh_from_db()
    return resource


@pytest.fixture
def connector(simulator_settings):
    return make_connector(simulator_settings)


@pytest.fixture
def alice(connector):
    return staff(connector, "101")


def client_for(resource: Resource) -> Client:
    client = Client()
    client.force_login(resource.user)
    return client


def test_it_hands_the_user_their_own_credentials_uncached_encrypted_and_unlogged(alice, simulator, caplog):
    caplog.set_level(logging.DEBUG)
    response = client_for(alice).get(URL)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    body = response.json()
    password = body["sipInfo"]["password"]
    (registration_device,) = [
        d
        for d in simulator.sdk_platform("101")
        .get("/restapi/v1.0/account/~/extension/~/device")
        .json_dict()["records"]
        if d["type"] == "WebPhone"
    ]
    assert body["deviceId"] == registration_device["id"] == webphone_device_id(alice)
    assert body["sipInfo"]["outboundProxy"] and body["sipInfo"]["authorizationId"]
    assert 60 <= body["refreshInSeconds"] <= 86400
    with connection.cursor() as cursor:
        cursor.execute("SELECT sip_info FROM telephony_webphonecredential")
        (stored,) = cursor.fetchone()
    assert password not in stored and body["sipInfo"]["username"] not in stored  # Fernet at rest
    assert password not in caplog.text
    assert password not in repr(WebPhoneCredential.objects.get())


def test_it_keeps_one_device_and_asks_again_before_the_credentials_lapse(alice):
    client = client_for(alice)
    first = client.get(URL).json()
    credential = WebPhoneCredential.objects.get(resource=alice)
    assert client.get(URL).json() == {**first, "refreshInSeconds": client.get(URL).json()["refreshInSeconds"]}
    assert WebPhoneCredential.objects.get(resource=alice).provisioned_at == credential.provisioned_at

    WebPhoneCredential.objects.filter(pk=credential.pk).update(
        refresh_after=timezone.now() - timedelta(seconds=1)
    )
    again = client.get(URL).json()
    refreshed = WebPhoneCredential.objects.get(resource=alice)
    assert refreshed.provisioned_at > credential.provisioned_at and refreshed.fresh
    assert again["deviceId"] == first["deviceId"]  # the same WebPhone device, not a new one each time

    # A browser that could not reach the SIP proxy asks again, but RingCentral at most every 2 minutes.
    client.get(URL, {"renew": "1"})
    assert WebPhoneCredential.objects.get(resource=alice).provisioned_at == refreshed.provisioned_at
    WebPhoneCredential.objects.filter(pk=credential.pk).update(
        provisioned_at=timezone.now() - timedelta(minutes=3)
    )
    client.get(URL, {"renew": "1"})
    assert WebPhoneCredential.objects.get(resource=alice).provisioned_at > refreshed.provisioned_at


def test_only_the_signed_in_user_gets_credentials_and_only_their_own(alice, connector):
    assert Client().get(URL).status_code == 302  # to the sign-in page
    alice_password = client_for(alice).get(URL).json()["sipInfo"]["password"]

    bob = staff(connector, "102")
    Resource.objects.filter(pk=bob.pk).update(entity=alice.entity)
    bobs = client_for(bob).get(URL)
    assert bobs.status_code == 200 and alice_password not in bobs.content.decode()
    assert bobs.json()["deviceId"] != webphone_device_id(alice)

    switched_off = ResourceFactory(entity=alice.entity, ringcentral_enabled=False)
    refused = client_for(switched_off).get(URL)
    assert refused.status_code == 409
    assert refused.json() == {
        "error": "RingCentral is switched off for you: switch it on from the phone icon first."
    }
    assert client_for(alice).post(URL).status_code == 405


def test_ringcentral_down_is_a_sentence_not_a_500(alice, simulator):
    simulator.stop()
    response = client_for(alice).get(URL)
    assert response.status_code == 409
    assert "RingCentral is not answering right now" in response.json()["error"]


def test_a_browser_with_the_microphone_makes_answer_in_browser_the_default_once(alice):
    url = reverse("telephony-webphone-default")
    Resource.objects.filter(pk=alice.pk).update(answer_on=Resource.AnswerOn.PC)
    assert client_for(alice).post(url).status_code == 204
    alice.refresh_from_db()
    assert alice.answer_on == Resource.AnswerOn.BROWSER

    form = PhoneSettingsForm.for_resource(
        alice, data={"ringcentral": "on", "ringer": "on", "answer_on": "phone", "close_on_hangup": "on"}
    )
    assert form.is_valid()
    form.apply_to(alice)
    alice.save()
    assert client_for(alice).post(url).status_code == 204
    alice.refresh_from_db()
    assert (alice.answer_on, alice.answer_on_chosen) == (Resource.AnswerOn.PHONE, True)  # their choice stands
    assert client_for(alice).get(url).status_code == 405


def test_declining_the_offer_keeps_the_mode_the_user_has(alice):
    Resource.objects.filter(pk=alice.pk).update(answer_on=Resource.AnswerOn.PC)
    client = client_for(alice)
    assert client.post(reverse("telephony-webphone-default"), {"choice": "keep"}).status_code == 204
    assert client.post(reverse("telephony-webphone-default")).status_code == 204  # a microphone later
    alice.refresh_from_db()
    assert (alice.answer_on, alice.answer_on_chosen) == (Resource.AnswerOn.PC, True)

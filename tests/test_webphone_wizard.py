"""The wizard with "Answer in browser": its buttons name the browser's call (RingCentral's
telephony session) for static/js/phone.js, the server path answers on the browser's device, and
a hang-up done by the browser's phone only closes the wizards."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import Resource
from telephony.models import Call
from telephony.wizard import composer
from telephony.wizard.call_control import CallControlError, call_control
from tests.telephony_factories import listening_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(entity):
    resource, _ = listening_resource(entity)
    Resource.objects.filter(pk=resource.pk).update(answer_on=Resource.AnswerOn.BROWSER)
    resource.refresh_from_db()
    return resource


def ringing_call(resource: Resource) -> Call:
    return Call.objects.create(
        entity=resource.entity,
        resource=resource,
        direction=Call.Direction.INBOUND,
        state=Call.State.RINGING,
        telephony_session_id="s-abc123",
        party_id="p-abc123-2",
        from_number="+12125550100",
        extension_id=resource.ringcentral_extension_id,
        started_at=timezone.now(),
    )


def test_the_wizard_names_the_browsers_call_and_offers_answer(alice):
    call = ringing_call(alice)
    controls = BeautifulSoup(composer.wizard_html(call), "html.parser").select_one(".wizard-controls")
    assert (controls["data-browser-call"], controls["data-browser-party"]) == ("s-abc123", "p-abc123-2")
    assert controls.select_one("[data-action=answer]").get_text(strip=True) == "Answer"

    Resource.objects.filter(pk=alice.pk).update(answer_on=Resource.AnswerOn.PHONE)
    call.resource.refresh_from_db()
    controls = BeautifulSoup(composer.wizard_html(call), "html.parser").select_one(".wizard-controls")
    assert not controls.has_attr("data-browser-call") and controls.select_one("[data-action=answer]") is None


def test_answering_from_the_server_needs_the_browser_phone(alice):
    with pytest.raises(CallControlError, match="Your browser phone is not ready"):
        call_control(call=ringing_call(alice), resource=alice, action="answer")


def test_a_hang_up_done_by_the_browser_only_closes_the_wizards(alice, monkeypatch):
    call = ringing_call(alice)
    closed: list[int] = []
    monkeypatch.setattr(composer, "push_closed", lambda c: closed.append(c.pk))
    client = Client()
    client.force_login(alice.user)
    url = reverse("telephony-call-control", args=[call.pk, "hangup"])

    # No RingCentral request is made (this connector is not even reachable): the browser hung up.
    assert client.post(url, {"done": "browser"}).status_code == 204
    assert closed == [call.pk]
    call.refresh_from_db()
    assert call.state == Call.State.RINGING  # RingCentral's events end it, not this request

    Resource.objects.filter(pk=alice.pk).update(close_wizard_on_hangup=False)
    assert client.post(url, {"done": "browser"}).status_code == 204
    assert closed == [call.pk]

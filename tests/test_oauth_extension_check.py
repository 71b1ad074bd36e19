"""Linking checks who signed in at RingCentral: only the extension mapped to the resource (or, when
none is, one no colleague holds) is stored; any other is revoked at RingCentral, nothing is kept,
and the user reads which extension they used and which one their company expects. Never a 500."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from arcadium.audit.models import AuditEvent
from crm.models import Resource
from telephony.connect.authorization import DECLINED_KEY
from telephony.models import RingCentralToken
from tests.factories import ResourceFactory
from tests.simulator_fixture import sign_in_and_authorize
from tests.telephony_factories import ConnectorFactory

pytestmark = pytest.mark.django_db(transaction=True)
HOST = "127.0.0.1:8000"


def link(client, resource, *, as_extension: str):
    client.defaults["HTTP_HOST"] = HOST
    client.force_login(resource.user)
    location = client.get(reverse("telephony-connect"), {"next": "/customers/"})["Location"]
    callback = sign_in_and_authorize(location, username=as_extension)
    return client.get(urlsplit(callback).path, parse_qs(urlsplit(callback).query), follow=True)


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def connector(entity, simulator_settings):
    return ConnectorFactory(entity=entity, server_url=simulator_settings.url, delivery_mode="websocket")


def test_signing_in_as_a_colleagues_extension_stores_nothing_and_says_which(
    client, entity, connector, simulator
):
    alice = ResourceFactory(entity=entity, ringcentral_enabled=True, ringcentral_extension_number="101")
    ResourceFactory(entity=entity, display_name="Bob Chen", ringcentral_extension_number="102")

    response = link(client, alice, as_extension="102")

    assert response.status_code == 200
    text = said(response)
    assert "You signed in to RingCentral as extension 102" in text
    assert "which your company has given to Bob Chen" in text
    assert "your company expects you to use extension 101" in text
    assert not RingCentralToken.objects.exists()
    alice.refresh_from_db()
    assert (alice.ringcentral_extension_id, alice.ringcentral_extension_number) == ("", "101")
    assert client.session[DECLINED_KEY] is True  # not bounced straight back to RingCentral
    assert AuditEvent.objects.filter(action="link_refused", actor=alice.user).exists()


def test_a_wrong_extension_for_a_mapped_resource_names_both(client, entity, connector, simulator):
    alice = ResourceFactory(entity=entity, ringcentral_enabled=True, ringcentral_extension_number="101")
    response = link(client, alice, as_extension="103")
    text = said(response)
    assert "You signed in to RingCentral as extension 103" in text
    assert "your company expects you to use extension 101" in text
    assert not RingCentralToken.objects.exists()


def test_the_refused_token_is_revoked_at_ringcentral(client, entity, connector, simulator, monkeypatch):
    from telephony import ringcentral

    revoked = []
    real_revoke = ringcentral.revoke
    monkeypatch.setattr(
        ringcentral, "revoke", lambda token: revoked.append(real_revoke(token)) or revoked[-1]
    )
    alice = ResourceFactory(entity=entity, ringcentral_enabled=True, ringcentral_extension_number="101")
    link(client, alice, as_extension="102")
    assert revoked == [True]  # the simulator accepted the revoke


def test_the_mapped_extension_links(client, entity, connector, simulator):
    alice = ResourceFactory(entity=entity, ringcentral_enabled=True, ringcentral_extension_number="101")
    response = link(client, alice, as_extension="101")
    assert "RingCentral is connected" in said(response)
    alice.refresh_from_db()
    assert alice.ringcentral_extension_id == RingCentralToken.objects.get(resource=alice).owner_extension_id


def test_an_unmapped_resource_cannot_take_an_extension_a_colleague_holds(
    client, entity, connector, simulator
):
    bob = ResourceFactory(entity=entity, display_name="Bob Chen", ringcentral_extension_number="102")
    newcomer = ResourceFactory(entity=entity, ringcentral_enabled=True)
    response = link(client, newcomer, as_extension="102")
    assert response.status_code == 200
    assert "which your company has given to Bob Chen" in said(response)
    assert not RingCentralToken.objects.exists()
    assert Resource.objects.get(pk=bob.pk).ringcentral_extension_number == "102"

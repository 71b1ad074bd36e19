"""Authorizing a staff member with RingCentral: state, PKCE, the round trip, denial, unticking."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse

from telephony import ringcentral
from telephony.connect.authorization import DECLINED_KEY, SESSION_KEY
from telephony.models import RingCentralToken, Subscription
from tests.factories import ResourceFactory
from tests.simulator_fixture import sign_in_and_authorize
from tests.telephony_factories import ConnectorFactory

HOST = "127.0.0.1:8000"  # the simulator accepts loopback callback URLs, like a registered dev app


@pytest.fixture
def ticked(client, entity):
    ConnectorFactory(entity=entity)
    resource = ResourceFactory(entity=entity, ringcentral_enabled=True)
    client.defaults["HTTP_HOST"] = HOST
    client.force_login(resource.user)
    return resource


def start(client) -> dict:
    response = client.get(reverse("telephony-connect"), {"next": "/customers/?q=acme"})
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_connect_sends_the_user_to_ringcentral_with_state_and_pkce(client, ticked):
    params = start(client)
    assert params["response_type"] == "code"
    assert params["client_id"] == "arcadium-demo-client"
    assert params["redirect_uri"] == f"http://{HOST}/telephony/oauth/callback/"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    pending = client.session[SESSION_KEY]
    assert list(pending) == [params["state"]]
    assert pending[params["state"]]["verifier"] not in params.values()


@pytest.mark.parametrize("query", [{}, {"code": "abc"}, {"code": "abc", "state": "made-up"}])
def test_a_callback_without_our_state_is_refused(client, ticked, query):
    start(client)
    response = client.get(reverse("telephony-oauth-callback"), query)
    assert response.status_code == 400
    assert "not valid any more" in response.content.decode()
    assert not RingCentralToken.objects.exists()
    # It only explains itself: the session is still sent to RingCentral automatically.
    assert DECLINED_KEY not in client.session
    assert client.get("/customers/", HTTP_ACCEPT="text/html")["Location"].startswith(
        reverse("telephony-connect")
    )


def test_a_state_belongs_to_the_session_that_started_it(client, ticked, entity):
    from django.test import Client

    params = start(client)
    other = Client(HTTP_HOST=HOST)
    other.force_login(ResourceFactory(entity=entity, ringcentral_enabled=True).user)
    response = other.get(reverse("telephony-oauth-callback"), {"code": "x", "state": params["state"]})
    assert "not valid any more" in response.content.decode()


def test_denied_authorization_keeps_arcadium_usable_and_says_why(client, ticked):
    params = start(client)
    response = client.get(
        reverse("telephony-oauth-callback"), {"error": "access_denied", "state": params["state"]}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/customers/?q=acme"
    assert "was not authorized" in " ".join(messages_of(response))
    assert client.session[DECLINED_KEY] is True
    assert not RingCentralToken.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_round_trip_through_ringcentral_stores_encrypted_tokens_and_links_the_extension(
    client, entity, simulator_settings
):
    ConnectorFactory(entity=entity, server_url=simulator_settings.url, delivery_mode="websocket")
    resource = ResourceFactory(entity=entity, ringcentral_enabled=True)
    client.defaults["HTTP_HOST"] = HOST
    client.force_login(resource.user)

    location = client.get(reverse("telephony-connect"), {"next": "/customers/"})["Location"]
    callback = sign_in_and_authorize(location, username="101")
    state = parse_qs(urlsplit(callback).query)["state"][0]
    response = client.get(urlsplit(callback).path, parse_qs(urlsplit(callback).query) | {"state": state})

    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    token = RingCentralToken.objects.get(resource=resource)
    assert token.is_valid and token.access_token and token.refresh_token
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM telephony_ringcentraltoken WHERE id = %s", [token.pk]
        )
        raw_access, raw_refresh = cursor.fetchone()
    assert token.access_token not in raw_access and token.refresh_token not in raw_refresh
    resource.refresh_from_db()
    assert resource.ringcentral_extension_number == "101"
    assert resource.ringcentral_extension_id == token.owner_extension_id != ""
    subscription = Subscription.objects.get(resource=resource)
    assert subscription.transport == Subscription.Transport.WEBSOCKET
    # The state is single-use: replaying the callback is refused and changes nothing.
    replay = client.get(urlsplit(callback).path, parse_qs(urlsplit(callback).query))
    assert "not valid any more" in replay.content.decode()
    assert RingCentralToken.objects.get(resource=resource).pk == token.pk


@pytest.mark.django_db(transaction=True)
def test_a_wrong_pkce_verifier_is_refused_by_ringcentral(client, entity, simulator_settings):
    ConnectorFactory(entity=entity, server_url=simulator_settings.url, delivery_mode="websocket")
    resource = ResourceFactory(entity=entity, ringcentral_enabled=True)
    client.defaults["HTTP_HOST"] = HOST
    client.force_login(resource.user)
    location = client.get(reverse("telephony-connect"))["Location"]
    session = client.session
    state = parse_qs(urlsplit(location).query)["state"][0]
    session[SESSION_KEY][state]["verifier"] = "x" * 43
    session.save()

    callback = sign_in_and_authorize(location)
    response = client.get(urlsplit(callback).path, parse_qs(urlsplit(callback).query), follow=True)

    assert "RingCentral authorization failed" in " ".join(messages_of(response))
    assert not RingCentralToken.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_unticking_revokes_the_session_and_removes_the_subscription(client, entity, simulator_settings):
    ConnectorFactory(entity=entity, server_url=simulator_settings.url, delivery_mode="websocket")
    resource = ResourceFactory(entity=entity, ringcentral_enabled=True)
    client.defaults["HTTP_HOST"] = HOST
    client.force_login(resource.user)
    location = client.get(reverse("telephony-connect"))["Location"]
    callback = sign_in_and_authorize(location)
    client.get(urlsplit(callback).path, parse_qs(urlsplit(callback).query))
    token = RingCentralToken.objects.get(resource=resource)
    session = ringcentral.session_for(resource)

    resource.ringcentral_enabled = False
    resource.save()

    assert not RingCentralToken.objects.filter(pk=token.pk).exists()
    assert not Subscription.objects.filter(resource=resource).exists()
    with pytest.raises(ringcentral.AuthExpired):
        ringcentral.current_extension(session)

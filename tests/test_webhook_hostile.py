"""The webhook under hostile input: absurd nesting, any header value, any bytes. Always a clear
4xx (or the ordinary answer), never a 500, and nothing stored from what was refused."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony.models import CallEvent
from tests.telephony_factories import listening_resource, party_event

URL = reverse("telephony-webhook")
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def subscribed(entity):
    return listening_resource(entity)


def post(body, **headers):
    client = Client(raise_request_exception=False)
    return client.post(URL, data=body, content_type="application/json", headers=headers)


def test_two_hundred_thousand_levels_of_nesting_are_a_400(db):
    response = post(b"[" * 200_000 + b"]" * 200_000)
    assert response.status_code == 400
    assert "nested deeper" in response.json()["error"]
    handshake = post(b"{" * 200_000, **{"Validation-Token": "abc"})
    assert handshake.status_code == 200  # not a notification: the handshake is still answered


def test_a_non_ascii_verification_token_for_a_known_subscription_is_a_403(subscribed):
    _, subscription = subscribed
    response = post(json.dumps(party_event(subscription)), **{"Verification-Token": "tökén-☃"})
    assert response.status_code == 403
    assert not CallEvent.objects.exists()


def test_a_validation_token_that_cannot_be_echoed_is_a_400(db):
    assert post(b"", **{"Validation-Token": "☃" * 3}).status_code == 400
    assert post(b"", **{"Validation-Token": "x" * 300}).status_code == 400


@SETTINGS
@given(token=st.text(max_size=80), header=st.sampled_from(["Verification-Token", "Validation-Token"]))
def test_any_token_header_on_a_real_notification_is_answered_without_a_500(subscribed, token, header):
    _, subscription = subscribed
    response = post(json.dumps(party_event(subscription)), **{header: token})
    if token != subscription.connector.verification_token:
        assert response.status_code == 403
        assert not CallEvent.objects.exists()


@SETTINGS
@given(body=st.binary(max_size=400) | st.text(max_size=200).map(str.encode))
def test_any_body_is_answered_without_a_500(subscribed, body):
    _, subscription = subscribed
    response = post(body, **{"Verification-Token": subscription.connector.verification_token})
    assert response.status_code in {200, 400}


@SETTINGS
@given(depth=st.integers(min_value=33, max_value=5000), opener=st.sampled_from(["[", '{"a":']))
def test_deep_nesting_anywhere_is_a_400(db, depth, opener):
    assert post((opener * depth).encode()).status_code == 400

"""The webhook door: handshake, verification, duplicates, order, unknown subscriptions, fuzz."""

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony.models import Call, CallEvent
from tests.telephony_factories import listening_resource, party_event

URL = reverse("telephony-webhook")


@pytest.fixture
def subscribed(entity):
    return listening_resource(entity)


def post(client, payload, token: str | None, header: str = "Verification-Token"):
    headers = {header: token} if token is not None else {}
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(URL, data=body, content_type="application/json", headers=headers)


def test_it_echoes_the_validation_token_handshake(client, db):
    response = client.post(
        URL, data="", content_type="application/json", headers={"Validation-Token": "abc123"}
    )
    assert response.status_code == 200
    assert response["Validation-Token"] == "abc123"
    assert response["Content-Type"] == "application/json"
    assert len(response.content) + sum(len(k) + len(v) for k, v in response.items()) < 1024


def test_it_applies_a_verified_delivery(client, subscribed):
    resource, subscription = subscribed
    token = subscription.connector.verification_token
    response = post(client, party_event(subscription, code="Setup"), token)
    assert response.status_code == 200
    assert response.json() == {"status": "applied"}
    call = Call.objects.get()
    assert (call.resource, call.state, call.direction, call.from_number) == (
        resource,
        Call.State.RINGING,
        Call.Direction.INBOUND,
        "+12125550100",
    )
    assert CallEvent.objects.get().processed_at is not None


@pytest.mark.parametrize("header", ["Verification-Token", "validation-token"])
def test_it_accepts_both_documented_header_spellings(client, subscribed, header):
    _, subscription = subscribed
    response = post(client, party_event(subscription), subscription.connector.verification_token, header)
    assert response.status_code == 200
    assert Call.objects.count() == 1


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_a_wrong_or_missing_verification_token_is_refused_without_side_effects(client, subscribed, token):
    _, subscription = subscribed
    response = post(client, party_event(subscription), token)
    assert response.status_code == 403
    assert not CallEvent.objects.exists()
    assert not Call.objects.exists()


def test_unknown_subscriptions_are_ignored(client, subscribed):
    _, subscription = subscribed
    payload = party_event(subscription)
    payload["subscriptionId"] = "00000000-dead-beef-0000-000000000000"
    response = post(client, payload, subscription.connector.verification_token)
    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    assert not CallEvent.objects.exists()


def test_duplicates_are_stored_once_and_applied_once(client, subscribed):
    _, subscription = subscribed
    token = subscription.connector.verification_token
    payload = party_event(subscription, code="Answered")
    assert post(client, payload, token).json() == {"status": "applied"}
    assert post(client, payload, token).json() == {"status": "duplicate"}
    assert CallEvent.objects.count() == 1
    assert Call.objects.get().state == Call.State.ON_CALL


def test_shuffled_delivery_ends_in_the_right_state(client, subscribed):
    _, subscription = subscribed
    token = subscription.connector.verification_token
    start = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    codes = ["Setup", "Proceeding", "Answered", "Hold", "Answered", "Disconnected"]
    payloads = [
        party_event(subscription, code=code, sequence=10 + i, at=start + timedelta(seconds=5 * i))
        for i, code in enumerate(codes)
    ]
    random.Random(7).shuffle(payloads)
    for payload in payloads:
        assert post(client, payload, token).status_code == 200
    call = Call.objects.get()
    assert call.state == Call.State.ENDED
    assert call.answered_at == start + timedelta(seconds=10)
    assert call.ended_at == start + timedelta(seconds=25)
    assert CallEvent.objects.count() == 6


MALFORMED = [
    "not json",
    "[]",
    "null",
    json.dumps({"uuid": "1"}),
    json.dumps({"subscriptionId": "x"}),
    json.dumps({"uuid": {"nested": 1}, "subscriptionId": "x"}),
]


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_bodies_are_answered_400(client, subscribed, body):
    _, subscription = subscribed
    response = post(client, body, subscription.connector.verification_token)
    assert response.status_code == 400
    assert "malformed notification" in response.json()["error"]
    assert not CallEvent.objects.exists()


@pytest.mark.parametrize(
    "breakage",
    [
        lambda p: p["body"].pop("parties"),
        lambda p: p["body"].update(parties=[]),
        lambda p: p["body"].update(sequence="three"),
        lambda p: p["body"].update(sequence=-1),
        lambda p: p["body"].pop("telephonySessionId"),
        lambda p: p["body"]["parties"][0].pop("status"),
        lambda p: p["body"]["parties"][0].update(id=None),
        lambda p: p["body"]["parties"][0].update({"from": "+1212"}),
        lambda p: p.update(body="text"),
    ],
)
def test_a_telephony_event_missing_what_we_need_is_400_and_not_half_written(client, subscribed, breakage):
    _, subscription = subscribed
    payload = party_event(subscription)
    breakage(payload)
    response = post(client, payload, subscription.connector.verification_token)
    assert response.status_code == 400
    assert not CallEvent.objects.exists()
    assert not Call.objects.exists()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mutation=st.dictionaries(
        st.sampled_from(["uuid", "body", "event", "subscriptionId", "sequence", "parties", "status", "from"]),
        json_values,
        max_size=3,
    )
)
def test_fuzzed_bodies_never_cause_a_500_or_a_half_written_call(client, subscribed, mutation):
    _, subscription = subscribed
    payload = party_event(subscription)
    depth = {"status": 0, "from": 0, "sequence": 1, "parties": 1}
    nested_first = sorted(mutation.items(), key=lambda item: depth.get(item[0], 2))
    for key, value in nested_first:
        if key in ("status", "from"):
            payload["body"]["parties"][0][key] = value
        elif key in ("sequence", "parties"):
            payload["body"][key] = value
        else:
            payload[key] = value
    events_before = CallEvent.objects.count()
    response = post(client, payload, subscription.connector.verification_token)
    assert response.status_code in (200, 400, 403)
    if response.status_code == 400:
        assert CallEvent.objects.count() == events_before
    for call in Call.objects.all():
        assert call.telephony_session_id and call.party_id and call.state in Call.State.values


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "caller\udfffname"])
def test_characters_postgresql_cannot_store_are_refused_as_malformed(client, subscribed, bad):
    _, subscription = subscribed
    payload = party_event(subscription)
    payload["body"]["parties"][0]["from"]["name"] = bad
    response = post(client, payload, subscription.connector.verification_token)
    assert response.status_code == 400
    assert not CallEvent.objects.exists()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_numbers_json_allows_but_postgresql_refuses_are_malformed(client, subscribed, constant):
    _, subscription = subscribed
    body = json.dumps(party_event(subscription)).replace(
        '"timestamp": ', f'"extra": {constant}, "timestamp": ', 1
    )
    response = post(client, body, subscription.connector.verification_token)
    assert response.status_code == 400
    assert not CallEvent.objects.exists()


def test_a_presence_event_that_cannot_be_applied_is_kept_and_still_answered_200(
    client, subscribed, monkeypatch
):
    from telephony.ingest import events

    def broken(payload, *, subscription):
        raise RuntimeError("presence handling broke")

    monkeypatch.setattr(events, "apply_presence_event", broken)
    _, subscription = subscribed
    payload = {
        "uuid": "presence-1",
        "event": "/restapi/v1.0/account/37439510/extension/62000101/presence?detailedTelephonyState=true",
        "timestamp": "2026-11-22T09:00:00Z",
        "subscriptionId": subscription.rc_subscription_id,
        "ownerId": "62000101",
        "body": {
            "extensionId": "62000101",
            "telephonyStatus": "NoCall",
            "dndStatus": "TakeAllCalls",
            "sequence": 3,
        },
    }
    response = post(client, payload, subscription.connector.verification_token)
    assert response.status_code == 200
    stored = CallEvent.objects.get(uuid="presence-1")
    assert "presence handling broke" in stored.error
    assert events.retry_unprocessed_events() == 0


def test_it_tells_someone_elses_party_apart_from_a_stale_event(client, subscribed, caplog):
    _, subscription = subscribed
    token = subscription.connector.verification_token
    caller_side = party_event(subscription, code="Setup", sequence=1, extension_id="", direction="Outbound")
    caller_side["body"]["parties"][0].pop("extensionId")  # the PSTN side carries no extensionId
    colleague = party_event(subscription, code="Setup", sequence=2, extension_id="62000999")
    answered = party_event(subscription, code="Answered", sequence=4)
    late_ring = party_event(subscription, code="Proceeding", sequence=3)

    with caplog.at_level("INFO", logger="telephony.ingest.webhooks"):
        answers = [
            post(client, p, token).json()["status"] for p in (caller_side, colleague, answered, late_ring)
        ]
        again = post(client, answered, token).json()["status"]

    assert answers == ["not_for_user", "not_for_user", "applied", "stale"]
    assert again == "duplicate"
    logged = [r.getMessage() for r in caplog.records]
    assert any(caller_side["uuid"] in m and "not_for_user" in m for m in logged)
    assert any(late_ring["uuid"] in m and "stale" in m for m in logged)

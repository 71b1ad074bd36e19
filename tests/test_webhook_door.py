"""The webhook door under ASGI (telephony/ingest/door.py): RingCentral's deliveries answered
outside Django's request machinery, through the real `arcadium.asgi.application`, with the same
answers as the Django view."""

import json
import logging

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.test import Client
from django.urls import reverse

from arcadium.asgi import application
from telephony.ingest import inbox
from telephony.models import Call, CallEvent
from tests.telephony_factories import listening_resource, party_event

pytestmark = pytest.mark.django_db(transaction=True)
URL = reverse("telephony-webhook")


async def deliver(body: bytes, headers: dict[str, str], *, method: str = "POST", host: str = "testserver"):
    """One request through the whole ASGI application: (status, headers, body)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": URL,
        "raw_path": URL.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", host.encode()), (b"content-length", str(len(body)).encode())]
        + [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 443),
    }
    door = ApplicationCommunicator(application, scope)
    await door.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await door.receive_output(timeout=10)
    content = await door.receive_output(timeout=10)
    await door.wait(timeout=10)
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, content["body"]


@pytest.fixture
def subscribed(entity):
    return listening_resource(entity)


def token_of(subscription) -> dict[str, str]:
    return {
        "Verification-Token": subscription.connector.verification_token,
        "Content-Type": "application/json",
    }


async def test_a_verified_delivery_is_stored_applied_and_answered_as_json(subscribed, caplog):
    resource, subscription = subscribed
    caplog.set_level(logging.INFO, logger="arcadium.request")
    body = json.dumps(party_event(subscription, code="Setup")).encode()

    status, headers, content = await deliver(body, token_of(subscription))

    assert (status, json.loads(content)) == (200, {"status": "applied"})
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    call = await sync_to_async(Call.objects.get)()
    assert (call.resource_id, call.state) == (resource.pk, Call.State.RINGING)
    assert any(f"POST {URL} 200" in record.getMessage() for record in caplog.records)


async def test_the_handshake_is_echoed_with_an_empty_body(db):
    status, headers, content = await deliver(b"", {"Validation-Token": "tok-123"})
    assert (status, headers["validation-token"], content) == (200, "tok-123", b"")


async def test_a_wrong_token_is_refused_and_nothing_is_stored(subscribed):
    _, subscription = subscribed
    body = json.dumps(party_event(subscription)).encode()
    status, _, content = await deliver(body, {"Verification-Token": "not-the-token"})
    assert (status, json.loads(content)) == (403, {"error": "verification token mismatch"})
    assert not await sync_to_async(CallEvent.objects.exists)()


async def test_malformed_json_gets_a_clear_400(subscribed):
    _, subscription = subscribed
    status, _, content = await deliver(b'{"uuid": ', token_of(subscription))
    assert status == 400
    assert json.loads(content)["error"].startswith("malformed notification")


async def test_a_host_that_is_not_served_here_is_refused_before_anything_is_read(subscribed):
    _, subscription = subscribed
    body = json.dumps(party_event(subscription)).encode()
    status, _, content = await deliver(body, token_of(subscription), host="evil.example")
    assert (status, json.loads(content)) == (400, {"error": "this host is not served here"})
    assert not await sync_to_async(CallEvent.objects.exists)()


async def test_other_methods_go_on_to_django(db):
    status, headers, _ = await deliver(b"", {}, method="GET")
    assert status == 405  # the Django view's require_POST
    assert "POST" in headers["allow"]


async def test_a_failure_while_storing_is_a_500_that_asks_for_the_delivery_again(subscribed, monkeypatch):
    _, subscription = subscribed

    def database_gone(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(inbox, "ingest_delivery", database_gone)
    body = json.dumps(party_event(subscription)).encode()
    status, _, content = await deliver(body, token_of(subscription))
    assert status == 500
    assert "send it again" in json.loads(content)["error"]


async def test_the_door_and_the_django_view_refuse_alike(subscribed):
    _, subscription = subscribed
    good = token_of(subscription)
    unknown = {**party_event(subscription), "subscriptionId": "unknown"}
    refusals = [
        (json.dumps(party_event(subscription)).encode(), {"Verification-Token": "x"}),
        (json.dumps(unknown).encode(), good),
        (b"[1, 2", good),
        (b"", {"Validation-Token": "bad token with spaces"}),
        (b"", {"Validation-Token": "tok"}),
    ]
    for body, headers in refusals:
        status, _, content = await deliver(body, headers)
        view = await sync_to_async(Client().post)(
            URL, data=body, content_type="application/json", headers=headers
        )
        assert (status, content) == (view.status_code, view.content)


async def test_a_delivery_the_door_stored_is_a_duplicate_for_the_view(subscribed):
    _, subscription = subscribed
    body = json.dumps(party_event(subscription)).encode()
    status, _, content = await deliver(body, token_of(subscription))
    view = await sync_to_async(Client().post)(
        URL, data=body, content_type="application/json", headers=token_of(subscription)
    )
    assert (status, json.loads(content)) == (200, {"status": "applied"})
    assert (view.status_code, view.json()) == (200, {"status": "duplicate"})
    assert await sync_to_async(CallEvent.objects.count)() == 1

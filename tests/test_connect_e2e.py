"""Connect and listen end to end: real OAuth through the simulator, a real subscription, real
notifications into Arcadium by webhook (through a live daphne server) and by WebSocket (the
listener), including a RingCentral restart in the middle."""

import asyncio
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from telephony.ingest.listener import Listener
from telephony.models import Call, Subscription
from tests.factories import CustomerFactory, PhoneNumberFactory, ResourceFactory
from tests.simulator_fixture import sign_in_and_authorize
from tests.telephony_factories import ConnectorFactory
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
HOST = "127.0.0.1:8000"


def authorize(entity, *, extension: str = "101"):
    """Tick RingCentral for a new resource and walk the authorization like the user would."""
    resource = ResourceFactory(entity=entity, ringcentral_enabled=True)
    client = Client(HTTP_HOST=HOST)
    client.force_login(resource.user)
    location = client.get(reverse("telephony-connect"))["Location"]
    callback = urlsplit(sign_in_and_authorize(location, username=extension))
    response = client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
    assert response.status_code == 302, response
    resource.refresh_from_db()
    return resource


def test_webhook_mode_subscribes_with_the_handshake_and_receives_a_whole_call(
    live_app_factory, simulator, entity
):
    app = live_app_factory(env={"RINGCENTRAL_SERVER_URL": simulator.url})
    ConnectorFactory(
        entity=entity, server_url=simulator.url, delivery_mode="webhook", public_base_url=app.url
    )
    customer = CustomerFactory(entity=entity, name="ACME Corp")
    PhoneNumberFactory(customer=customer, raw="(212) 555-0100")

    resource = authorize(entity)

    subscription = Subscription.objects.get(resource=resource)
    assert (subscription.transport, subscription.status) == ("webhook", Subscription.Status.ACTIVE)
    remote = next(s for s in simulator.control.subscriptions() if s["id"] == subscription.rc_subscription_id)
    assert remote["deliveryMode"]["address"] == f"{app.url}/telephony/webhook/"
    assert remote["status"] == "Active"

    placed = simulator.control.place_call("+12125550100", "101", answer_after=0.3, hangup_after=0.5)
    call = wait_for(
        lambda: Call.objects.filter(telephony_session_id=placed["telephonySessionId"], state="ended").first(),
        timeout=15,
        what="the call to end in Arcadium",
    )
    assert (call.resource, call.direction, call.from_number) == (resource, "inbound", "+12125550100")
    assert call.answered_at is not None and call.ended_at > call.answered_at
    deliveries = simulator.control.deliveries(subscription=subscription.rc_subscription_id)
    assert deliveries and {d["httpStatus"] for d in deliveries} == {200}


def _run_listener(stop: asyncio.Event, loop_ready: threading.Event, holder: dict) -> None:
    loop = asyncio.new_event_loop()
    holder["loop"] = loop
    listener = Listener(poll_seconds=0.2)
    holder["listener"] = listener
    loop_ready.set()
    loop.run_until_complete(listener.run(stop))
    loop.close()


def test_the_listener_receives_calls_and_survives_a_ringcentral_restart(simulator, entity):
    ConnectorFactory(entity=entity, server_url=simulator.url, delivery_mode="websocket")
    resource = authorize(entity, extension="102")
    stop, ready, holder = asyncio.Event(), threading.Event(), {}
    thread = threading.Thread(target=_run_listener, args=(stop, ready, holder), daemon=True)
    thread.start()
    ready.wait(5)
    try:
        subscription = wait_for(
            lambda: (
                Subscription.objects.filter(
                    resource=resource, status="active", listener_seen_at__isnull=False
                )
                .exclude(rc_subscription_id="")
                .first()
            ),
            what="the listener to subscribe",
        )
        first = simulator.control.place_call("+15145550142", "102", answer_after=0.2, hangup_after=0.2)
        wait_for(
            lambda: Call.objects.filter(
                telephony_session_id=first["telephonySessionId"], state="ended"
            ).exists(),
            timeout=15,
            what="the first call through the WebSocket",
        )

        simulator.stop()
        simulator.start()

        worker = holder["listener"].connections[subscription.pk]
        wait_for(lambda: worker.connections >= 2, timeout=30, what="the listener to reconnect")
        second = simulator.control.place_call("+15145550142", "102", answer_after=0.2, hangup_after=0.2)
        wait_for(
            lambda: Call.objects.filter(
                telephony_session_id=second["telephonySessionId"], state="ended"
            ).exists(),
            timeout=15,
            what="a call after the reconnect",
        )
    finally:
        holder["loop"].call_soon_threadsafe(stop.set)
        thread.join(10)


def test_the_listener_stops_listening_when_ringcentral_is_unticked(simulator, entity):
    ConnectorFactory(entity=entity, server_url=simulator.url, delivery_mode="websocket")
    resource = authorize(entity, extension="103")
    stop, ready, holder = asyncio.Event(), threading.Event(), {}
    thread = threading.Thread(target=_run_listener, args=(stop, ready, holder), daemon=True)
    thread.start()
    ready.wait(5)
    try:
        wait_for(lambda: holder["listener"].tasks, what="the listener to start a connection")
        resource.ringcentral_enabled = False
        resource.save()
        wait_for(lambda: not holder["listener"].tasks, what="the listener to drop the connection")
    finally:
        holder["loop"].call_soon_threadsafe(stop.set)
        thread.join(10)

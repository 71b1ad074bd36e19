"""Webhook subscriptions (create, read, renew, list, delete, refused handshake) and the WebSocket
`TelephonyStream` (subscribe, receive, recover with `wsc`) through our client and the simulator."""

import asyncio
import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from telephony import ringcentral
from tests.ringcentral_helpers import authorize_resource, make_connector
from tests.sim_voice_support import ALICE_ID, TELEPHONY_EXT, WebhookReceiver, wait_until

RESOLVED_FILTER = f"/restapi/v1.0/account/37439510/extension/{ALICE_ID}/telephony/sessions"


@pytest.fixture
def rc(simulator, db):
    token = authorize_resource(make_connector(simulator), username="101")
    return ringcentral.session_for(token.resource)


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


def test_webhook_subscription_lifecycle(rc, simulator, receiver):
    created = ringcentral.create_webhook_subscription(
        rc,
        address=receiver.url,
        verification_token="verify-123",
        event_filters=[TELEPHONY_EXT],
        expires_in=3600,
    )

    assert created.is_active and created.transport == "WebHook" and created.address == receiver.url
    assert created.event_filters == [RESOLVED_FILTER]
    assert timedelta(minutes=59) < created.expiration_time - timezone.now() <= timedelta(hours=1)
    assert len(receiver.handshakes()) == 1
    simulator.control.place_call("+15145550100", "101")
    receiver.wait_for(1)
    headers, envelope = receiver.deliveries()[0]
    assert headers["verification-token"] == "verify-123" and envelope["subscriptionId"] == created.id

    assert ringcentral.get_subscription(rc, created.id).id == created.id
    renewed = ringcentral.renew_subscription(rc, created.id)
    assert renewed.id == created.id and renewed.expiration_time >= created.expiration_time
    assert [s.id for s in ringcentral.list_subscriptions(rc)] == [created.id]
    shortened = ringcentral.update_subscription(rc, created.id, event_filters=[TELEPHONY_EXT], expires_in=120)
    assert shortened.id == created.id and 0 < shortened.expires_in <= 120

    assert ringcentral.delete_subscription(rc, created.id) is True
    assert ringcentral.delete_subscription(rc, created.id) is False
    with pytest.raises(ringcentral.NotFound):
        ringcentral.get_subscription(rc, created.id)


def test_a_blacklisted_subscription_reports_why(rc, simulator, receiver):
    simulator.control.voice_config(webhook_max_failures=2)
    created = ringcentral.create_webhook_subscription(
        rc, address=receiver.url, verification_token="v", event_filters=[TELEPHONY_EXT], expires_in=3600
    )
    receiver.status = 500
    simulator.control.place_call("+15145550100", "101")
    receiver.wait_for(2)

    info = wait_until(
        lambda: (i := ringcentral.get_subscription(rc, created.id)).status == "Blacklisted" and i,
        what="blacklisting",
    )
    assert not info.is_active and info.blacklisted_at is not None
    assert info.blacklisted_reason == "Webhook responses with code: [500], reason: [Internal Server Error]"
    assert [s.status for s in ringcentral.list_subscriptions(rc)] == ["Blacklisted"]


def test_an_address_that_does_not_echo_the_validation_token_is_refused(rc):
    silent = WebhookReceiver(echo=False)
    try:
        with pytest.raises(ringcentral.InvalidRequest) as caught:
            ringcentral.create_webhook_subscription(
                rc, address=silent.url, verification_token="v", event_filters=[TELEPHONY_EXT], expires_in=600
            )
    finally:
        silent.close()
    assert caught.value.error_code == "SUB-520"
    assert ringcentral.list_subscriptions(rc) == []


def test_invalid_event_filters_are_refused(rc, receiver):
    with pytest.raises(ringcentral.InvalidRequest) as caught:
        ringcentral.create_webhook_subscription(
            rc, address=receiver.url, verification_token="v", event_filters=["/not/a/filter"], expires_in=600
        )
    assert caught.value.error_code == "SUB-508"


async def take(stream, count: int, timeout: float = 10.0) -> list[dict]:
    got: list[dict] = []

    async def collect() -> None:
        async for envelope in stream:
            got.append(envelope)
            if len(got) == count:
                return

    await asyncio.wait_for(collect(), timeout)
    return got


def party_codes(envelopes: list[dict]) -> list[str]:
    return [e["body"]["parties"][0]["status"]["code"] for e in envelopes]


def test_telephony_stream_receives_and_recovers_missed_events(rc, simulator, caplog):
    caplog.set_level(logging.DEBUG)
    first_token, second_token = ringcentral.ws_token(rc), ringcentral.ws_token(rc)
    assert first_token.uri.startswith("ws://") and first_token.expires_in > 0

    async def scenario():
        stream = await ringcentral.TelephonyStream.open(first_token, event_filters=[TELEPHONY_EXT])
        call = await asyncio.to_thread(simulator.control.place_call, "+15145550100", "101")
        tsid = call["telephonySessionId"]
        before = await take(stream, 2)
        wsc, subscription_id = stream.wsc, stream.subscription_id
        await stream.close()  # the connection drops; RingCentral buffers what follows
        await asyncio.to_thread(simulator.control.answer_call, tsid)
        await asyncio.to_thread(
            wait_until,
            lambda: any(
                d["state"] == "buffered" for d in simulator.control.deliveries(subscription=subscription_id)
            ),
            what="a buffered delivery",
        )
        async with await ringcentral.TelephonyStream.open(
            second_token, event_filters=[TELEPHONY_EXT], wsc=wsc, heartbeat_interval=0.2
        ) as again:
            after = await take(again, 1)
            recovered = again.recovered
        return tsid, subscription_id, before, after, recovered

    tsid, subscription_id, before, after, recovered = asyncio.run(scenario())
    assert party_codes(before) == ["Setup", "Proceeding"] and party_codes(after) == ["Answered"]
    assert recovered is True
    for envelope in before + after:
        assert (
            envelope["subscriptionId"] == subscription_id and envelope["body"]["telephonySessionId"] == tsid
        )
    assert len({e["uuid"] for e in before + after}) == 3
    assert "RingCentral WebSocket subscription" in caplog.text
    for secret in (first_token.token, second_token.token, rc.platform.auth().access_token()):
        assert secret not in caplog.text


def test_telephony_stream_resubscribes_when_recovery_fails(rc, simulator):
    token = ringcentral.ws_token(rc)

    async def scenario():
        stale = {"token": "not-a-session", "sequence": 1}
        async with await ringcentral.TelephonyStream.open(
            token, event_filters=[TELEPHONY_EXT], wsc=stale
        ) as s:
            await asyncio.to_thread(simulator.control.place_call, "+15145550100", "101")
            got = await take(s, 1)
            return s.recovered, s.subscription_id, s.wsc, got

    recovered, subscription_id, wsc, got = asyncio.run(scenario())
    assert recovered is False and subscription_id and wsc["token"] != "not-a-session"
    assert got[0]["subscriptionId"] == subscription_id


def test_a_spent_ws_token_is_unavailable(rc):
    token = ringcentral.ws_token(rc)

    async def scenario():
        async with await ringcentral.TelephonyStream.open(token, event_filters=[TELEPHONY_EXT]):
            pass
        await ringcentral.TelephonyStream.open(token, event_filters=[TELEPHONY_EXT])

    with pytest.raises(ringcentral.RingCentralUnavailable) as caught:
        asyncio.run(scenario())
    assert token.token not in str(caught.value)


def test_a_gateway_that_never_sends_connection_details_times_out():
    from websockets.asyncio.server import serve

    async def silent(connection) -> None:
        await asyncio.sleep(5)  # accepts the socket, never speaks (the simulator always answers)

    async def scenario():
        async with serve(silent, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            token = ringcentral.WsToken(uri=f"ws://127.0.0.1:{port}/ws", token="t-123", expires_in=60)
            await ringcentral.TelephonyStream.open(token, event_filters=[TELEPHONY_EXT], open_timeout=0.3)

    with pytest.raises(ringcentral.RingCentralUnavailable, match="did not complete"):
        asyncio.run(scenario())


def test_a_dropped_connection_ends_the_stream_with_unavailable(rc, simulator):
    token = ringcentral.ws_token(rc)

    async def scenario():
        stream = await ringcentral.TelephonyStream.open(token, event_filters=[TELEPHONY_EXT])
        try:
            await asyncio.to_thread(simulator.stop)  # RingCentral goes away mid-stream
            await take(stream, 1)
        finally:
            await stream.close()

    with pytest.raises(ringcentral.RingCentralUnavailable, match="closed"):
        asyncio.run(scenario())
    assert simulator.running is False

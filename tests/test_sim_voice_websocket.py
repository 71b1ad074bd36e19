"""Contract: the simulator's WebSocket gateway — the official SDK's WebSocketClient receiving telephony
events, RingCentral's `[meta, body]` framing, heartbeats and `wsc` session recovery (API.md §3)."""

import asyncio
import contextlib
import json
import uuid

import pytest
import websockets
from ringcentral import SDK
from ringcentral.http.api_exception import ApiException
from ringcentral.websocket.events import WebSocketEvents

from tests.sim_voice_support import ACCOUNT_ID, ALICE_ID, TELEPHONY_EXT, error_of, login, wait_until
from tests.simulator_fixture import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET


async def until(predicate, timeout=10.0, what="condition"):
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_sdks_websocket_client_receives_telephony_events(simulator):
    sdk = SDK(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, simulator.url)
    sdk.platform().login(jwt=simulator.control.jwt("101"))
    received, subscription = [], {}

    async def scenario():
        client = sdk.create_web_socket_client()
        client.on(
            WebSocketEvents.connectionCreated,
            lambda c: asyncio.ensure_future(c.create_subscription([TELEPHONY_EXT])),
        )
        client.on(
            WebSocketEvents.subscriptionCreated, lambda s: subscription.update(info=s.get_subscription_info())
        )
        client.on(WebSocketEvents.receiveSubscriptionNotification, received.append)
        connection = asyncio.ensure_future(client.create_new_connection())
        await until(lambda: "info" in subscription, what="subscription")
        details = json.loads(client.get_connection_info()["connection_details"])
        tsid = (await asyncio.to_thread(simulator.control.place_call, "+15145550100", "101"))[
            "telephonySessionId"
        ]
        await asyncio.to_thread(simulator.control.answer_call, tsid)
        await asyncio.to_thread(simulator.control.hang_up, tsid, side="caller")
        await until(lambda: len(received) >= 4, what="4 notifications")
        await client.close_connection()
        with contextlib.suppress(Exception):
            await connection
        return details, tsid

    details, tsid = asyncio.run(scenario())
    meta, limits = details
    assert meta["type"] == "ConnectionDetails" and meta["status"] == 200 and meta["wsc"]["token"]
    assert (
        limits["recoveryBufferSize"] == 100
        and limits["recoveryTimeout"] == 180
        and "recoveryState" not in limits
    )
    reply_meta, info = subscription["info"]
    assert reply_meta["type"] == "ClientRequest" and reply_meta["status"] == 200
    assert reply_meta["headers"]["WSG-SubscriptionId"] == info["id"]
    assert info["status"] == "Active" and info["deliveryMode"] == {
        "transportType": "WebSocket",
        "encryption": False,
    }
    assert info["eventFilters"] == [
        f"/restapi/v1.0/account/{ACCOUNT_ID}/extension/{ALICE_ID}/telephony/sessions"
    ]
    statuses = [
        body["body"]["parties"][0]["status"]["code"]
        for _, body in (json.loads(m) if isinstance(m, str) else m for m in received)
    ]
    assert statuses == ["Setup", "Proceeding", "Answered", "Disconnected"]
    for frame in received:
        note_meta, note = frame
        assert note_meta["type"] == "ServerNotification" and note_meta["messageId"] == note["uuid"]
        assert note["subscriptionId"] == info["id"] and note["body"]["telephonySessionId"] == tsid


def _ws_token(platform) -> str:
    token = platform.post("/restapi/oauth/wstoken").json_dict()
    return f"{token['uri']}?access_token={token['ws_access_token']}"


async def _request_subscription(ws, message_id: str) -> list:
    request = [
        {
            "type": "ClientRequest",
            "messageId": message_id,
            "method": "POST",
            "path": "/restapi/v1.0/subscription/",
        },
        {"eventFilters": [TELEPHONY_EXT], "deliveryMode": {"transportType": "WebSocket"}},
    ]
    await ws.send(json.dumps(request))
    reply = json.loads(await ws.recv())
    assert reply[0]["messageId"] == message_id
    return reply


async def _subscribe(ws) -> tuple[list, list]:
    details = json.loads(await ws.recv())
    return details, await _request_subscription(ws, str(uuid.uuid4()))


def test_heartbeat_one_subscription_per_connection_and_spent_tokens(simulator):
    platform = login(simulator)

    async def scenario():
        url = _ws_token(platform)
        async with websockets.connect(url) as ws:
            await _subscribe(ws)
            second = await _request_subscription(ws, "again")
            await ws.send(json.dumps([{"type": "Heartbeat", "messageId": "hb-1"}]))
            beat = json.loads(await ws.recv())
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(url):
                pass  # a ws token is single-use
        return second, beat

    second, beat = asyncio.run(scenario())
    assert beat == [{"type": "Heartbeat", "messageId": "hb-1", "status": 200}]
    sockets = [
        s for s in simulator.control.subscriptions() if s["deliveryMode"]["transportType"] == "WebSocket"
    ]
    assert [s["id"] for s in sockets] == [second[1]["id"]]


def test_session_recovery_replays_missed_events_or_fails(simulator):
    platform = login(simulator)

    async def scenario():
        async with websockets.connect(_ws_token(platform)) as ws:
            details, reply = await _subscribe(ws)
        sub_id, wsc = reply[1]["id"], details[0]["wsc"]["token"]
        tsid = (await asyncio.to_thread(simulator.control.place_call, "+15145550100", "101"))[
            "telephonySessionId"
        ]
        await asyncio.to_thread(
            wait_until,
            lambda: (
                [d["state"] for d in simulator.control.deliveries(subscription=sub_id)]
                == ["buffered", "buffered"]
            ),
            what="buffered deliveries",
        )
        async with websockets.connect(f"{_ws_token(platform)}&wsc={wsc}") as ws:
            recovered = json.loads(await ws.recv())
            replay = [json.loads(await ws.recv()) for _ in range(2)]
        async with websockets.connect(f"{_ws_token(platform)}&wsc=not-a-session") as ws:
            failed = json.loads(await ws.recv())
        return recovered, replay, failed, tsid, wsc

    recovered, replay, failed, tsid, wsc = asyncio.run(scenario())
    assert recovered[0]["wsc"]["token"] == wsc and recovered[1]["recoveryState"] == "Successful"
    assert [frame[1]["body"]["parties"][0]["status"]["code"] for frame in replay] == ["Setup", "Proceeding"]
    assert all(frame[0]["messageId"] == frame[1]["uuid"] for frame in replay)
    assert {frame[1]["body"]["telephonySessionId"] for frame in replay} == {tsid}
    sequences = [frame[0]["wsc"]["sequence"] for frame in replay]
    assert sequences == sorted(sequences) and sequences[0] > recovered[0]["wsc"]["sequence"] - 1
    assert failed[1]["recoveryState"] == "Failed" and failed[1]["recoveryErrorCode"] == "WSG-1005"
    assert failed[0]["wsc"]["token"] != wsc


def test_recovery_after_the_timeout_fails(simulator):
    simulator.control.voice_config(ws_recovery_timeout=0.3)
    platform = login(simulator)

    async def scenario():
        async with websockets.connect(_ws_token(platform)) as ws:
            details, _ = await _subscribe(ws)
        await asyncio.sleep(0.6)
        async with websockets.connect(f"{_ws_token(platform)}&wsc={details[0]['wsc']['token']}") as ws:
            return json.loads(await ws.recv())

    later = asyncio.run(scenario())
    assert later[1]["recoveryState"] == "Failed"
    simulator.control.place_call("+15145550100", "101")
    simulator.control.deliveries()
    # The stale session's subscription is dropped instead of buffering forever.
    assert [
        s for s in simulator.control.subscriptions() if s["deliveryMode"]["transportType"] == "WebSocket"
    ] == []


def test_a_websocket_subscription_is_readable_over_rest_but_not_updatable(simulator):
    platform = login(simulator)

    async def scenario():
        async with websockets.connect(_ws_token(platform)) as ws:
            _, reply = await _subscribe(ws)
            sub_id = reply[1]["id"]
            listed = await asyncio.to_thread(lambda: platform.get("/restapi/v1.0/subscription").json_dict())
            with pytest.raises(ApiException) as exc:
                await asyncio.to_thread(
                    platform.put, f"/restapi/v1.0/subscription/{sub_id}", {"eventFilters": [TELEPHONY_EXT]}
                )
            return sub_id, listed, error_of(exc.value)

    sub_id, listed, (status, _body) = asyncio.run(scenario())
    assert [(r["id"], r["deliveryMode"]["transportType"]) for r in listed["records"]] == [
        (sub_id, "WebSocket")
    ]
    assert status == 400

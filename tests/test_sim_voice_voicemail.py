"""Contract: voicemail in the simulator, through the official SDK — calls that go to voicemail
(no answer after N rings, Do Not Disturb, on request, Call Control forward), the telephony and
message notifications RingCentral sends for them (webhook and WebSocket), the message store
(list, filters, paging, one message, content with Range, transcription) and the call-log record
that links the voicemail."""

import asyncio
import contextlib
import io
import json
import re
import wave
from datetime import timedelta

import pytest
import requests
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.utils import timezone
from ringcentral import SDK
from ringcentral.http.api_exception import ApiException
from ringcentral.websocket.events import WebSocketEvents

from tests.sim_voice_support import (
    ACCOUNT_ID,
    ALICE_ID,
    TELEPHONY_EXT,
    WebhookReceiver,
    error_of,
    login,
    subscribe_webhook,
    wait_until,
)
from tests.simulator_fixture import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

MESSAGE_STORE = "/restapi/v1.0/account/~/extension/~/message-store"
VOICEMAIL = "/restapi/v1.0/account/~/extension/~/voicemail"
ACME = "+12125550100"


@pytest.fixture
def receiver():
    hook = WebhookReceiver()
    yield hook
    hook.close()


@pytest.fixture
def quick(simulator):
    """Short rings and short messages, so a voicemail is left within a second."""
    simulator.control.voice_config(ring_seconds=0.1, voicemail_length=0.2)
    return simulator


def wait_for_voicemail(simulator, tsid: str) -> dict:
    return wait_until(
        lambda: next((m for m in simulator.control.messages() if m["telephonySessionId"] == tsid), None),
        what="the voicemail",
    )


def user_codes(simulator, tsid: str) -> list[str]:
    return [
        e["party"]["status"]["code"]
        for e in simulator.control.call(tsid)["events"]
        if e["party"].get("extensionId")
    ]


def test_an_unanswered_call_goes_to_voicemail_after_n_rings(quick, receiver):
    quick.control.voice_config(voicemail_rings=2)
    platform = login(quick)
    subscribe_webhook(platform, receiver, [TELEPHONY_EXT, MESSAGE_STORE, VOICEMAIL])
    tsid = quick.control.place_call(ACME, "101", from_name="ACME Corp")["telephonySessionId"]
    left = wait_for_voicemail(quick, tsid)

    assert user_codes(quick, tsid) == ["Setup", "Proceeding", "VoiceMail", "Disconnected"]
    notes = receiver.wait_for(6)
    telephony = [n for n in notes if n["event"].endswith("/telephony/sessions")]
    vm_party = next(
        n["body"]["parties"][0] for n in telephony if n["body"]["parties"][0]["status"]["code"] == "VoiceMail"
    )
    assert vm_party["extensionId"] == ALICE_ID and vm_party["missedCall"] is True
    store = next(n for n in notes if n["event"].endswith("/message-store"))
    assert store["event"] == f"/restapi/v1.0/account/{ACCOUNT_ID}/extension/{ALICE_ID}/message-store"
    assert store["body"]["changes"] == [
        {"type": "VoiceMail", "newCount": 1, "updatedCount": 0, "newMessageIds": [int(left["id"])]}
    ]
    assert (store["body"]["accountId"], store["body"]["extensionId"]) == (int(ACCOUNT_ID), int(ALICE_ID))
    voicemail = next(n for n in notes if n["event"].endswith("/voicemail"))
    assert voicemail["event"] == f"/restapi/v1.0/account/{ACCOUNT_ID}/extension/{ALICE_ID}/voicemail"
    body = voicemail["body"]
    assert body["id"] == left["id"] and body["type"] == "VoiceMail" and body["readStatus"] == "Unread"
    assert body["from"] == {"phoneNumber": ACME, "name": "ACME Corp"}
    assert body["attachments"][0]["type"] == "AudioRecording" and body["attachments"][0]["vmDuration"] == 6
    assert body["vmTranscriptionStatus"] == "Completed"
    assert {n["subscriptionId"] for n in notes} == {store["subscriptionId"]}


def test_unanswered_calls_are_missed_when_the_account_has_no_voicemail_rings(quick):
    tsid = quick.control.place_call(ACME, "101", ring_timeout=0.2)["telephonySessionId"]
    wait_until(lambda: not quick.control.call(tsid)["live"], what="the end of the call")

    assert user_codes(quick, tsid) == ["Setup", "Proceeding", "Disconnected"]
    assert quick.control.messages() == []


def test_do_not_disturb_sends_the_call_straight_to_voicemail(quick):
    platform = login(quick)
    platform.put("/restapi/v1.0/account/~/extension/~/presence", {"dndStatus": "DoNotAcceptAnyCalls"})
    tsid = quick.control.place_call(ACME, "101")["telephonySessionId"]
    left = wait_for_voicemail(quick, tsid)

    assert user_codes(quick, tsid) == ["VoiceMail", "Disconnected"]
    [record] = platform.get(
        "/restapi/v1.0/account/~/extension/~/call-log", {"telephonySessionId": tsid}
    ).json_dict()["records"]
    assert record["result"] == "Voicemail" and record["message"]["id"] == left["id"]


def test_a_call_goes_to_voicemail_on_request_and_its_call_log_record_links_the_message(quick):
    platform = login(quick)
    tsid = quick.control.place_call(ACME, "101", voicemail=True)["telephonySessionId"]
    left = wait_for_voicemail(quick, tsid)

    assert user_codes(quick, tsid) == ["Setup", "Proceeding", "VoiceMail", "Disconnected"]
    [record] = platform.get(
        "/restapi/v1.0/account/~/extension/~/call-log", {"telephonySessionId": tsid}
    ).json_dict()["records"]
    assert (record["result"], record["action"], record["direction"]) == ("Voicemail", "Phone Call", "Inbound")
    assert record["message"] == {
        "id": left["id"],
        "type": "VoiceMail",
        "uri": f"{quick.url}/restapi/v1.0/account/{ACCOUNT_ID}/extension/{ALICE_ID}/message-store/{left['id']}",
    }
    message = platform.get(record["message"]["uri"]).json_dict()
    assert message["id"] == int(left["id"]) and message["from"]["phoneNumber"] == ACME
    assert left["callLogIds"] == [record["id"]]


def test_call_control_forwards_a_ringing_call_to_voicemail(quick):
    platform = login(quick)
    call = quick.control.place_call(ACME, "101")
    party = next(p for p in call["session"]["parties"] if p.get("extensionId"))
    path = f"/restapi/v1.0/account/~/telephony/sessions/{call['telephonySessionId']}/parties/{party['id']}/forward"
    answer = platform.post(path, {"voicemail": ALICE_ID}).json_dict()

    assert answer["status"]["code"] == "VoiceMail"
    assert wait_for_voicemail(quick, call["telephonySessionId"])["extensionId"] == ALICE_ID


def test_a_caller_who_gives_up_while_it_rings_leaves_no_voicemail(quick):
    tsid = quick.control.place_call(ACME, "101", missed=True, hangup_after=0.1, voicemail=True)[
        "telephonySessionId"
    ]
    wait_until(lambda: not quick.control.call(tsid)["live"], what="the end of the call")

    assert "VoiceMail" not in user_codes(quick, tsid)
    assert quick.control.messages() == []


# -- the message store -------------------------------------------------------------------------------


def seed_voicemail(simulator, *, hours_ago: float, n: int = 0, extension: str = "101") -> dict:
    return simulator.control.add_call_log_record(
        extension=extension,
        direction="Inbound",
        from_number=f"+1514555{n:04d}",
        from_name=f"Caller {n}",
        to_number="+16505550101",
        start_time=(timezone.now() - timedelta(hours=hours_ago)).isoformat(),
        duration=25,
        voicemail=True,
    )


def test_the_message_list_filters_by_type_and_date_and_pages_as_ringcentral_does(simulator):
    made = [seed_voicemail(simulator, hours_ago=1 + i, n=i) for i in range(3)]
    seed_voicemail(simulator, hours_ago=30, n=9)  # outside the default window of 24 hours
    platform = login(simulator)

    first = platform.get(MESSAGE_STORE, {"messageType": "VoiceMail", "perPage": 2}).json_dict()
    second = platform.get(first["navigation"]["nextPage"]["uri"]).json_dict()

    assert [r["id"] for r in first["records"] + second["records"]] == [int(m["message_id"]) for m in made]
    assert first["paging"] == {
        "page": 1,
        "perPage": 2,
        "pageStart": 0,
        "pageEnd": 1,
        "totalPages": 2,
        "totalElements": 3,
    }
    assert "nextPage" not in second["navigation"] and second["paging"]["page"] == 2
    since = (timezone.now() - timedelta(hours=48)).isoformat()
    everything = platform.get(MESSAGE_STORE, {"messageType": "VoiceMail", "dateFrom": since}).json_dict()
    assert len(everything["records"]) == 4
    assert platform.get(MESSAGE_STORE, {"messageType": "SMS", "dateFrom": since}).json_dict()["records"] == []
    with pytest.raises(ApiException) as refused:
        platform.get(MESSAGE_STORE, {"messageType": "Carrier pigeon"})
    assert error_of(refused.value)[1]["errors"][0]["errorCode"] == "CMN-101"


def test_a_message_has_its_audio_and_transcription_with_range_support(simulator):
    made = seed_voicemail(simulator, hours_ago=2)
    platform = login(simulator)
    message = platform.get(f"{MESSAGE_STORE}/{made['message_id']}").json_dict()
    audio, text = message["attachments"]
    bearer = {"Authorization": f"Bearer {platform.auth().access_token()}"}

    full = requests.get(audio["uri"], headers=bearer, timeout=10)
    part = requests.get(audio["uri"], headers={**bearer, "Range": "bytes=100-199"}, timeout=10)
    beyond = requests.get(audio["uri"], headers={**bearer, "Range": "bytes=999999999-"}, timeout=10)
    transcription = requests.get(text["uri"], headers=bearer, timeout=10)

    assert (audio["type"], audio["contentType"], audio["size"]) == (
        "AudioRecording",
        "audio/x-wav",
        len(full.content),
    )
    assert full.status_code == 200 and full.headers["Accept-Ranges"] == "bytes"
    with wave.open(io.BytesIO(full.content)) as wav:
        assert round(wav.getnframes() / wav.getframerate()) == audio["vmDuration"] == 6
    assert part.status_code == 206 and part.content == full.content[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(full.content)}"
    assert beyond.status_code == 416
    assert message["vmTranscriptionStatus"] == "Completed" and text["type"] == "AudioTranscription"
    assert transcription.headers["Content-Type"].startswith("text/plain")
    assert "call me back" in transcription.text
    assert requests.get(audio["uri"], timeout=10).status_code == 401


def test_a_message_can_be_marked_read_and_other_users_cannot_read_it(simulator):
    made = seed_voicemail(simulator, hours_ago=2)
    alice, bob = login(simulator, "101"), login(simulator, "102")

    read = alice.put(f"{MESSAGE_STORE}/{made['message_id']}", {"readStatus": "Read"}).json_dict()
    assert read["readStatus"] == "Read"
    with pytest.raises(ApiException) as foreign:
        bob.get(f"/restapi/v1.0/account/~/extension/{ALICE_ID}/message-store/{made['message_id']}")
    assert error_of(foreign.value)[0] == 403
    with pytest.raises(ApiException) as missing:
        alice.get(f"{MESSAGE_STORE}/{made['message_id']}/content/123")
    assert error_of(missing.value)[0] == 404
    assert bob.get(MESSAGE_STORE).json_dict()["records"] == []


def test_the_sdks_websocket_client_receives_voicemail_events(quick):
    sdk = SDK(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, quick.url)
    sdk.platform().login(jwt=quick.control.jwt("101"))
    received, subscription = [], {}

    async def scenario():
        client = sdk.create_web_socket_client()
        client.on(
            WebSocketEvents.connectionCreated,
            lambda c: asyncio.ensure_future(c.create_subscription([MESSAGE_STORE, VOICEMAIL])),
        )
        client.on(WebSocketEvents.subscriptionCreated, lambda s: subscription.update(ok=True))
        client.on(WebSocketEvents.receiveSubscriptionNotification, received.append)
        connection = asyncio.ensure_future(client.create_new_connection())
        for _ in range(200):
            if subscription:
                break
            await asyncio.sleep(0.05)
        call = await asyncio.to_thread(quick.control.place_call, ACME, "101", voicemail=True)
        for _ in range(200):
            if len(received) >= 2:
                break
            await asyncio.sleep(0.05)
        await client.close_connection()
        with contextlib.suppress(Exception):
            await connection
        return call["telephonySessionId"]

    tsid = asyncio.run(scenario())
    frames = [json.loads(m) if isinstance(m, str) else m for m in received]
    events = {body["event"].rsplit("/", 1)[1]: (meta, body) for meta, body in frames}
    left = wait_for_voicemail(quick, tsid)
    meta, store = events["message-store"]
    assert meta["type"] == "ServerNotification" and meta["messageId"] == store["uuid"]
    assert store["body"]["changes"][0]["newMessageIds"] == [int(left["id"])]
    assert events["voicemail"][1]["body"]["id"] == left["id"]


# -- asking for voicemail: the command and the console --------------------------------------------


def test_simulate_call_with_voicemail_leaves_a_message(simulator_settings):
    simulator_settings.control.voice_config(ring_seconds=0.1, voicemail_length=0.2)
    out = io.StringIO()
    call_command(
        "simulate_call", "--from", "(212) 555-0100", "--to-extension", "101", "--voicemail", stdout=out
    )
    tsid = re.search(r"telephony session (s-[0-9a-f]+)", out.getvalue()).group(1)

    assert "goes to voicemail and the caller leaves a message" in out.getvalue()
    assert wait_for_voicemail(simulator_settings, tsid)["from"] == {"phoneNumber": ACME}


def test_the_console_rings_to_voicemail_and_plays_it(quick):
    ring = requests.post(
        f"{quick.url}/_sim/console/ring",
        data={"to_extension": "102", "from": ACME, "voicemail": "on"},
        timeout=10,
    )
    tsid = re.search(r"s-[0-9a-f]{32}", ring.url).group(0)
    left = wait_for_voicemail(quick, tsid)
    page = BeautifulSoup(requests.get(f"{quick.url}/_sim/console", timeout=10).text, "html.parser")
    player = page.select_one(f'audio[src="/_sim/messages/{left["id"]}/audio"]')
    audio = requests.get(f"{quick.url}{player['src']}", timeout=10)

    assert left["extensionId"] == "62264002"
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    assert "call me back" in page.get_text()


def test_a_slow_transcription_changes_the_message_when_it_is_done(quick, receiver):
    quick.control.voice_config(transcription_delay=0.3)
    platform = login(quick)
    subscribe_webhook(platform, receiver, [MESSAGE_STORE, VOICEMAIL])
    tsid = quick.control.place_call(ACME, "101", voicemail=True)["telephonySessionId"]
    left = wait_for_voicemail(quick, tsid)
    notes = receiver.wait_for(3)

    voicemail = next(n["body"] for n in notes if n["event"].endswith("/voicemail"))
    assert voicemail["vmTranscriptionStatus"] == "InProgress"
    assert [a["type"] for a in voicemail["attachments"]] == ["AudioRecording"]
    new, changed = [n["body"]["changes"][0] for n in notes if n["event"].endswith("/message-store")]
    assert (new["newCount"], new["updatedCount"]) == (1, 0)
    assert (changed["newCount"], changed["updatedCount"], "newMessageIds" in changed) == (0, 1, False)
    message = platform.get(f"{MESSAGE_STORE}/{left['id']}").json_dict()
    assert message["vmTranscriptionStatus"] == "Completed"
    assert [a["type"] for a in message["attachments"]] == ["AudioRecording", "AudioTranscription"]


def test_a_deleted_message_leaves_the_list_unless_asked_for(simulator):
    kept, gone = seed_voicemail(simulator, hours_ago=1, n=1), seed_voicemail(simulator, hours_ago=2, n=2)
    platform = login(simulator)
    platform.delete(f"{MESSAGE_STORE}/{gone['message_id']}")

    alive = platform.get(MESSAGE_STORE).json_dict()["records"]
    deleted = platform.get(MESSAGE_STORE, {"availability": "Deleted"}).json_dict()["records"]

    assert [m["id"] for m in alive] == [int(kept["message_id"])]
    assert [(m["id"], m["availability"]) for m in deleted] == [(int(gone["message_id"]), "Deleted")]

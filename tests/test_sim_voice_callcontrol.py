"""Contract: Call Control, call-out and RingOut on the simulator through the official SDK (API.md §5, §9)."""

import pytest
from ringcentral.http.api_exception import ApiException

from tests.sim_voice_support import (
    ACCOUNT_ID,
    ALICE_ID,
    BOB_ID,
    TELEPHONY_EXT,
    WebhookReceiver,
    codes,
    error_of,
    login,
    subscribe_webhook,
    wait_until,
)

SESSIONS = "/restapi/v1.0/account/~/telephony/sessions"


def devices(platform, extension="~"):
    return {
        d["type"]: d["id"]
        for d in platform.get(f"/restapi/v1.0/account/~/extension/{extension}/device").json_dict()["records"]
    }


def ringing_call(simulator):
    call = simulator.control.place_call("+15145550100", "101", from_name="JANE SMITH")
    tsid = call["telephonySessionId"]
    return tsid, f"{SESSIONS}/{tsid}", f"{SESSIONS}/{tsid}/parties/p-{tsid[2:]}-2"


def failure(call) -> tuple[int, str]:
    with pytest.raises(ApiException) as exc:
        call()
    status, body = error_of(exc.value)
    return status, body["errors"][0]["errorCode"]


def test_get_session_answer_hold_mute_and_drop(simulator):
    platform = login(simulator)
    tsid, session, party = ringing_call(simulator)
    got = platform.get(session).json_dict()
    assert got["id"] == tsid and got["origin"] == {"type": "Call"}
    assert [(p["direction"], p["status"]["code"]) for p in got["parties"]] == [
        ("Outbound", "Setup"),
        ("Inbound", "Proceeding"),
    ]
    assert got["parties"][1]["owner"] == {"accountId": ACCOUNT_ID, "extensionId": ALICE_ID}

    softphone = devices(platform)["SoftPhone"]
    answered = platform.post(f"{party}/answer", {"deviceId": softphone}).json_dict()
    assert answered["status"]["code"] == "Answered" and answered["to"]["deviceId"] == softphone
    assert platform.post(f"{party}/hold").json_dict()["status"]["code"] == "Hold"
    assert platform.post(f"{party}/unhold").json_dict()["status"]["code"] == "Answered"
    assert platform.patch(party, {"muted": True}).json_dict()["muted"] is True
    assert platform.patch(party, {"party": {"muted": False}}).json_dict()["muted"] is False
    assert platform.get(party).json_dict()["muted"] is False

    response = platform.delete(session)
    assert response.response().status_code == 204
    assert failure(lambda: platform.post(f"{party}/answer", {"deviceId": softphone})) == (404, "CMN-102")
    assert failure(lambda: platform.get(session)) == (404, "CMN-102")
    events = simulator.control.call(tsid)["events"]
    assert [e["party"]["status"]["code"] for e in events][-2:] == ["Disconnected", "Disconnected"]
    assert [e["party"]["muted"] for e in events if e["party"]["id"].endswith("-2")][-3:-1] == [True, False]


def test_impossible_actions_get_ringcentral_errors(simulator):
    platform = login(simulator)
    _, _, party = ringing_call(simulator)
    assert failure(lambda: platform.post(f"{party}/hold")) == (409, "TAS-102")
    assert failure(lambda: platform.post(f"{party}/transfer", {"phoneNumber": "+14155550190"})) == (
        409,
        "TAS-102",
    )
    bobs_phone = devices(platform, BOB_ID)["HardPhone"]
    assert failure(lambda: platform.post(f"{party}/answer", {"deviceId": bobs_phone})) == (400, "CMN-101")
    assert failure(lambda: platform.post(f"{party}/ignore", {})) == (400, "CMN-101")
    assert failure(
        lambda: platform.post(f"{party}/forward", {"phoneNumber": "+1", "extensionNumber": "102"})
    ) == (400, "CMN-101")
    assert failure(lambda: platform.patch(party, {"muted": "yes"})) == (400, "CMN-101")
    assert failure(lambda: platform.get(f"{SESSIONS}/s-00000000000000000000000000000000")) == (404, "CMN-102")
    platform.post(f"{party}/answer", {"deviceId": devices(platform)["HardPhone"]})
    assert failure(lambda: platform.post(f"{party}/answer", {})) == (409, "TAS-102")
    assert failure(lambda: platform.post(f"{party}/reject")) == (409, "TAS-102")


def test_reject_ends_the_call_as_rejected(simulator):
    platform = login(simulator)
    tsid, session, party = ringing_call(simulator)
    assert platform.post(f"{party}/reject").response().status_code == 204
    call = simulator.control.call(tsid)
    assert call["live"] is False
    assert call["events"][3]["party"]["status"] == {
        "code": "Disconnected",
        "reason": "Rejected",
        "rcc": False,
    }
    log = platform.get("/restapi/v1.0/account/~/extension/~/call-log").json_dict()["records"]
    assert next(r for r in log if r.get("telephonySessionId") == tsid)["result"] == "Rejected"


def test_forward_to_a_colleague_rings_them(simulator):
    alice, bob = login(simulator, "101"), login(simulator, "102")
    receiver = WebhookReceiver()
    try:
        subscribe_webhook(bob, receiver, [TELEPHONY_EXT])
        tsid, _, party = ringing_call(simulator)
        forwarded = alice.post(f"{party}/forward", {"extensionNumber": "102"}).json_dict()
        assert forwarded["id"] == party.rsplit("/", 1)[1] and forwarded["extensionId"] == ALICE_ID
        assert forwarded["status"] == {"code": "Disconnected", "reason": "BlindTransfer"}
        notes = receiver.wait_for(2)
        assert [c[1:] for c in codes(notes)] == [("3", "Setup"), ("3", "Proceeding")]
        assert notes[0]["body"]["parties"][0]["to"]["name"] == "Bob Chen"
        bobs_party = notes[0]["body"]["parties"][0]["id"]
        bob.post(f"{SESSIONS}/{tsid}/parties/{bobs_party}/answer", {"deviceId": devices(bob)["SoftPhone"]})
        assert receiver.wait_for(3)[-1]["body"]["parties"][0]["status"]["code"] == "Answered"
    finally:
        receiver.close()


def test_transfer_of_an_answered_call(simulator):
    platform = login(simulator)
    tsid, session, party = ringing_call(simulator)
    simulator.control.answer_call(tsid)
    moved = platform.post(f"{party}/transfer", {"phoneNumber": "+14155550190"}).json_dict()
    assert moved["status"] == {"code": "Disconnected", "reason": "BlindTransfer"}
    parties = platform.get(session).json_dict()["parties"]
    assert (
        parties[2]["to"] == {"phoneNumber": "+14155550190"} and parties[2]["status"]["code"] == "Proceeding"
    )
    assert parties[0]["status"]["code"] == "Answered"


def test_internal_call_and_recorded_call_log(simulator):
    platform = login(simulator)
    call = simulator.control.place_internal_call("101", "102")
    tsid = call["telephonySessionId"]
    simulator.control.answer_call(tsid)
    simulator.control.hang_up(tsid, side="caller")
    events = simulator.control.call(tsid)["events"]
    assert [(e["party"]["id"][-1], e["party"]["status"]["code"]) for e in events] == [
        ("1", "Setup"), ("2", "Setup"), ("1", "Answered"), ("2", "Proceeding"), ("2", "Answered"),
        ("1", "Disconnected"), ("2", "Disconnected"),
    ]  # fmt: skip
    assert events[0]["party"]["extensionId"] == ALICE_ID and events[1]["party"]["extensionId"] == BOB_ID

    recorded = simulator.control.place_call("+15145550100", "101", record=True)["telephonySessionId"]
    simulator.control.answer_call(recorded)
    simulator.control.hang_up(recorded, side="callee")
    log = platform.get("/restapi/v1.0/account/~/extension/~/call-log").json_dict()["records"]
    record = next(r for r in log if r.get("telephonySessionId") == recorded)
    assert record["result"] == "Accepted" and record["recording"]["id"]


def test_ring_out_and_call_out(simulator):
    platform = login(simulator)
    made = platform.post(
        "/restapi/v1.0/account/~/extension/~/ring-out", {"to": {"phoneNumber": "+14155550190"}}
    ).json_dict()
    assert made["status"] == {
        "callStatus": "InProgress",
        "callerStatus": "Success",
        "calleeStatus": "InProgress",
    }
    assert made["uri"].endswith(f"/account/{ACCOUNT_ID}/extension/{ALICE_ID}/ring-out/{made['id']}")
    polled = platform.get(f"/restapi/v1.0/account/~/extension/~/ring-out/{made['id']}").json_dict()
    assert polled["id"] == made["id"]
    assert (
        platform.delete(f"/restapi/v1.0/account/~/extension/~/ring-out/{made['id']}").response().status_code
        == 204
    )
    assert failure(lambda: platform.delete(f"/restapi/v1.0/account/~/extension/~/ring-out/{made['id']}")) == (
        404,
        "CMN-102",
    )
    assert failure(
        lambda: platform.post("/restapi/v1.0/account/~/extension/~/ring-out", {"to": {"phoneNumber": "abc"}})
    ) == (
        400,
        "CMN-101",
    )
    session = platform.post(
        "/restapi/v1.0/account/~/telephony/call-out",
        {"from": {"deviceId": devices(platform)["SoftPhone"]}, "to": {"phoneNumber": "+14155550190"}},
    ).json_dict()["session"]
    assert session["origin"] == {"type": "CallOut"}
    assert [(p["direction"], p["status"]["code"]) for p in session["parties"]] == [
        ("Outbound", "Proceeding"),
        ("Inbound", "Proceeding"),
    ]


def test_call_control_is_rate_limited_as_the_light_group(simulator):
    platform = login(simulator)
    _, session, _ = ringing_call(simulator)
    simulator.control.set_limits(enabled=True, Light=2)
    first = platform.get(session).response()
    assert first.headers["X-Rate-Limit-Group"] == "light" and first.headers["X-Rate-Limit-Remaining"] == "1"
    platform.get(session)
    with pytest.raises(ApiException) as exc:
        platform.get(session)
    response = exc.value.api_response().response()
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert response.json()["errors"][0]["errorCode"] == "CMN-301"


def test_unanswered_calls_go_to_voicemail_or_are_missed_when_ringing_times_out(simulator):
    platform = login(simulator)
    simulator.control.voice_config(voicemail_length=0.2)
    to_voicemail = simulator.control.place_call("+15145550100", "101", voicemail=True)["telephonySessionId"]
    simulator.control.ring_timeout(to_voicemail)
    missed = simulator.control.place_call("+15145550142", "101", ring_timeout=0.2)["telephonySessionId"]
    wait_until(
        lambda: all(not simulator.control.call(t)["live"] for t in (to_voicemail, missed)),
        what="both calls to end",
    )
    voicemail_events = [
        (e["party"]["id"][-1], e["party"]["status"]["code"])
        for e in simulator.control.call(to_voicemail)["events"]
    ]
    assert voicemail_events[3:] == [
        ("2", "VoiceMail"),
        ("1", "Answered"),
        ("1", "Disconnected"),
        ("2", "Disconnected"),
    ]
    missed_events = simulator.control.call(missed)["events"]
    assert (
        missed_events[3]["party"]["status"]["code"] == "Disconnected"
        and missed_events[3]["party"]["missedCall"] is True
    )
    log = {
        r.get("telephonySessionId"): r
        for r in platform.get("/restapi/v1.0/account/~/extension/~/call-log").json_dict()["records"]
    }
    assert log[to_voicemail]["result"] == "Voicemail" and log[missed]["result"] == "Missed"


def test_the_far_end_of_a_ring_out_can_pick_up_by_itself(simulator):
    simulator.control.voice_config(outbound_answer_after=0.2)
    platform = login(simulator)
    made = platform.post(
        "/restapi/v1.0/account/~/extension/~/ring-out", {"to": {"phoneNumber": "+14155550190"}}
    ).json_dict()
    status_path = f"/restapi/v1.0/account/~/extension/~/ring-out/{made['id']}"
    connected = wait_until(
        lambda: (s := platform.get(status_path).json_dict()["status"])["callStatus"] == "Success" and s,
        what="the ring-out to connect",
    )
    assert connected == {"callStatus": "Success", "callerStatus": "Success", "calleeStatus": "Success"}


def test_presence_lists_the_users_live_calls(simulator):
    platform = login(simulator)
    idle = platform.get(
        "/restapi/v1.0/account/~/extension/~/presence", {"detailedTelephonyState": "true"}
    ).json_dict()
    assert idle["telephonyStatus"] == "NoCall" and idle["activeCalls"] == []
    assert idle["extension"]["id"] == int(ALICE_ID) and idle["extension"]["extensionNumber"] == "101"
    tsid, _, party = ringing_call(simulator)
    ringing = platform.get(
        "/restapi/v1.0/account/~/extension/~/presence", {"detailedTelephonyState": "true"}
    ).json_dict()
    assert ringing["telephonyStatus"] == "Ringing"
    assert [(c["telephonySessionId"], c["partyId"]) for c in ringing["activeCalls"]] == [
        (tsid, party.rsplit("/", 1)[1])
    ]
    plain = platform.get("/restapi/v1.0/account/~/extension/~/presence").json_dict()
    assert "activeCalls" not in plain and plain["telephonyStatus"] == "Ringing"

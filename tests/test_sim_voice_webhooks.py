"""Contract: webhook subscriptions and telephony notifications of the simulator, through the official
SDK and a real local HTTP receiver (API.md §2, §4)."""

import re
import time

import pytest
from ringcentral.http.api_exception import ApiException

from tests.sim_voice_support import (
    ACCOUNT_ID,
    ALICE_ID,
    TELEPHONY_ACCOUNT,
    TELEPHONY_EXT,
    WebhookReceiver,
    codes,
    error_of,
    login,
    subscribe_webhook,
    wait_until,
)

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture
def receiver():
    hook = WebhookReceiver()
    yield hook
    hook.close()


def test_it_validates_the_webhook_then_answers_subscription_info(simulator, receiver):
    info = subscribe_webhook(login(simulator), receiver, [TELEPHONY_EXT])
    assert len(receiver.handshakes()) == 1
    assert re.fullmatch(r"[0-9a-f]{32}", receiver.handshakes()[0]["validation-token"])
    assert info["status"] == "Active"
    assert info["eventFilters"] == [
        f"/restapi/v1.0/account/{ACCOUNT_ID}/extension/{ALICE_ID}/telephony/sessions"
    ]
    assert info["deliveryMode"] == {
        "transportType": "WebHook",
        "encryption": False,
        "address": receiver.url,
        "verificationToken": "verify-me-123",
    }
    assert 604790 <= info["expiresIn"] <= 604800
    assert ISO.fullmatch(info["expirationTime"]) and ISO.fullmatch(info["creationTime"])
    assert info["uri"].endswith(f"/restapi/v1.0/subscription/{info['id']}")
    assert "blacklistedData" not in info


@pytest.mark.parametrize(
    ("hook", "code"),
    [
        (dict(echo=False), "SUB-520"),
        (dict(handshake_status=500), "SUB-525"),
    ],
)
def test_it_refuses_a_webhook_that_does_not_echo_the_token(simulator, hook, code):
    bad = WebhookReceiver(**hook)
    platform = login(simulator)
    try:
        with pytest.raises(ApiException) as exc:
            subscribe_webhook(platform, bad, [TELEPHONY_EXT])
    finally:
        bad.close()
    status, body = error_of(exc.value)
    assert status == 400 and body["errors"][0]["errorCode"] == code
    assert platform.get("/restapi/v1.0/subscription").json_dict()["records"] == []


def test_it_refuses_an_unreachable_webhook_and_bad_parameters(simulator, receiver):
    platform = login(simulator)
    gone = WebhookReceiver()
    gone.close()
    with pytest.raises(ApiException) as exc:
        subscribe_webhook(platform, gone, [TELEPHONY_EXT])
    assert error_of(exc.value)[1]["errors"][0]["errorCode"] == "SUB-521"
    with pytest.raises(ApiException) as exc:
        subscribe_webhook(platform, receiver, [TELEPHONY_EXT], expiresIn=0)
    status, body = error_of(exc.value)
    assert status == 400 and body["errors"][0] == {
        "errorCode": "CMN-101",
        "message": "Parameter [expiresIn] value is invalid",
        "parameterName": "expiresIn",
    }
    with pytest.raises(ApiException) as exc:
        subscribe_webhook(platform, receiver, ["/restapi/v1.0/account/~/nonsense"])
    assert error_of(exc.value)[1]["errors"][0]["errorCode"] == "SUB-508"


def test_an_inbound_call_reaches_the_users_webhook_field_by_field(simulator, receiver):
    platform = login(simulator)
    sub = subscribe_webhook(platform, receiver, [TELEPHONY_EXT])
    call = simulator.control.place_call("+15145550100", "101", from_name="JANE SMITH")
    tsid = call["telephonySessionId"]
    simulator.control.answer_call(tsid)
    simulator.control.hold_call(tsid)
    simulator.control.unhold_call(tsid)
    simulator.control.hang_up(tsid, side="callee")
    notes = receiver.wait_for(6)

    # Only the user's party reaches an extension-level subscription, in order.
    assert [c[1:] for c in codes(notes)] == [
        ("2", "Setup"), ("2", "Proceeding"), ("2", "Answered"), ("2", "Hold"), ("2", "Answered"), ("2", "Disconnected"),
    ]  # fmt: skip
    sequences = [n["body"]["sequence"] for n in notes]
    assert sequences == sorted(sequences) and len(set(sequences)) == 6
    assert len({n["uuid"] for n in notes}) == 6
    first = notes[0]
    assert list(first) == ["uuid", "event", "timestamp", "subscriptionId", "ownerId", "body"]
    assert first["event"] == f"/restapi/v1.0/account/{ACCOUNT_ID}/extension/{ALICE_ID}/telephony/sessions"
    assert first["subscriptionId"] == sub["id"] and first["ownerId"] == ALICE_ID
    assert first["uuid"].isdigit() and ISO.fullmatch(first["timestamp"])
    body = first["body"]
    assert body["telephonySessionId"] == tsid and body["sessionId"] == call["sessionId"]
    assert body["origin"] == {"type": "Call"} and body["serverId"] and ISO.fullmatch(body["eventTime"])
    assert body["parties"] == [
        {
            "accountId": ACCOUNT_ID,
            "extensionId": ALICE_ID,
            "id": f"p-{tsid[2:]}-2",
            "direction": "Inbound",
            "to": {"phoneNumber": "+16505550101", "name": "Alice Martin", "extensionId": ALICE_ID},
            "from": {"phoneNumber": "+15145550100", "name": "JANE SMITH"},
            "status": {"code": "Setup", "rcc": False},
            "park": {},
            "missedCall": False,
            "standAlone": False,
            "muted": False,
        }
    ]
    assert notes[2]["body"]["parties"][0]["to"]["deviceId"]  # answered on the desk phone

    for headers, _ in receiver.deliveries():
        assert headers["verification-token"] == "verify-me-123"
        assert headers["content-type"].startswith("application/json")
        assert headers["user-agent"] == "RingCentral-Webhook/8.3"
    delivered = simulator.control.deliveries(subscription=sub["id"])
    assert [d["httpStatus"] for d in delivered] == [200] * 6


def test_the_account_level_filter_gets_every_party_with_the_party_event_path(simulator, receiver):
    admin = login(simulator, "100")
    info = subscribe_webhook(admin, receiver, [TELEPHONY_ACCOUNT])
    assert info["eventFilters"] == [f"/restapi/v1.0/account/{ACCOUNT_ID}/telephony/sessions"]
    tsid = simulator.control.place_call("+15145550100", "101")["telephonySessionId"]
    simulator.control.answer_call(tsid)
    simulator.control.hang_up(tsid, side="caller")
    notes = receiver.wait_for(7)
    assert [c[1:] for c in codes(notes)] == [
        ("1", "Setup"), ("2", "Setup"), ("2", "Proceeding"), ("2", "Answered"), ("1", "Answered"),
        ("1", "Disconnected"), ("2", "Disconnected"),
    ]  # fmt: skip
    caller = notes[0]
    assert caller["event"] == f"/restapi/v1.0/account/{ACCOUNT_ID}/telephony/sessions"
    assert "extensionId" not in caller["body"]["parties"][0]
    assert caller["body"]["parties"][0]["direction"] == "Outbound"
    assert notes[1]["event"].endswith(f"/extension/{ALICE_ID}/telephony/sessions")
    assert caller["ownerId"] == ACCOUNT_ID


def test_a_missed_call_is_flagged_and_logged(simulator, receiver):
    platform = login(simulator)
    subscribe_webhook(platform, receiver, [TELEPHONY_EXT])
    tsid = simulator.control.place_call("+15145550100", "101")["telephonySessionId"]
    simulator.control.hang_up(tsid, side="caller")
    notes = receiver.wait_for(3)
    assert notes[-1]["body"]["parties"][0]["status"]["code"] == "Disconnected"
    assert notes[-1]["body"]["parties"][0]["missedCall"] is True
    log = platform.get("/restapi/v1.0/account/~/extension/~/call-log", {"view": "Detailed"}).json_dict()
    record = next(r for r in log["records"] if r.get("telephonySessionId") == tsid)
    assert record["result"] == "Missed" and record["direction"] == "Inbound"
    assert record["from"]["phoneNumber"] == "+15145550100"


def test_repeated_delivery_failures_blacklist_the_subscription(simulator, receiver):
    simulator.control.voice_config(webhook_max_failures=3)
    admin = login(simulator, "100")
    sub = subscribe_webhook(admin, receiver, [TELEPHONY_ACCOUNT])
    receiver.status = 500
    simulator.control.place_call("+15145550100", "101")  # three notifications, all refused
    receiver.wait_for(3)
    info = wait_until(
        lambda: (
            (i := admin.get(f"/restapi/v1.0/subscription/{sub['id']}").json_dict())["status"] == "Blacklisted"
            and i
        ),
        what="blacklisting",
    )
    assert (
        info["blacklistedData"]["reason"]
        == "Webhook responses with code: [500], reason: [Internal Server Error]"
    )
    assert ISO.fullmatch(info["blacklistedData"]["blacklistedAt"])
    receiver.status = 200
    simulator.control.place_call("+15145550101", "102")
    simulator.control.deliveries()  # waits for the queue
    assert len(receiver.notifications()) == 3
    listed = admin.get("/restapi/v1.0/subscription").json_dict()["records"]
    assert [r["status"] for r in listed] == ["Blacklisted"]


def test_expiry_is_enforced_and_renew_put_delete_work(simulator, receiver):
    platform = login(simulator)
    short = subscribe_webhook(platform, receiver, [TELEPHONY_EXT], expiresIn=1)
    assert short["expiresIn"] <= 1
    keep = subscribe_webhook(platform, receiver, [TELEPHONY_EXT], expiresIn=3600)
    time.sleep(1.2)
    with pytest.raises(ApiException) as exc:
        platform.get(f"/restapi/v1.0/subscription/{short['id']}")
    status, body = error_of(exc.value)
    assert status == 404 and body["errors"][0]["errorCode"] == "SUB-507"
    assert [r["id"] for r in platform.get("/restapi/v1.0/subscription").json_dict()["records"]] == [
        keep["id"]
    ]

    simulator.control.place_call("+15145550100", "101")
    notes = receiver.wait_for(2)
    assert {n["subscriptionId"] for n in notes} == {keep["id"]}

    renewed = platform.post(f"/restapi/v1.0/subscription/{keep['id']}/renew").json_dict()
    assert 3590 <= renewed["expiresIn"] <= 3600
    changed = platform.put(
        f"/restapi/v1.0/subscription/{keep['id']}", {"eventFilters": [TELEPHONY_ACCOUNT], "expiresIn": 7200}
    ).json_dict()
    assert changed["eventFilters"] == [f"/restapi/v1.0/account/{ACCOUNT_ID}/telephony/sessions"]
    assert 7190 <= changed["expiresIn"] <= 7200
    assert platform.delete(f"/restapi/v1.0/subscription/{keep['id']}").response().status_code == 204
    with pytest.raises(ApiException) as exc:
        platform.get(f"/restapi/v1.0/subscription/{keep['id']}")
    assert error_of(exc.value)[0] == 404


def test_subscriptions_are_private_to_their_owner(simulator, receiver):
    alice = login(simulator, "101")
    sub = subscribe_webhook(alice, receiver, [TELEPHONY_EXT])
    bob = login(simulator, "102")
    assert bob.get("/restapi/v1.0/subscription").json_dict()["records"] == []
    with pytest.raises(ApiException) as exc:
        bob.delete(f"/restapi/v1.0/subscription/{sub['id']}")
    assert error_of(exc.value)[0] == 404
    with pytest.raises(ApiException) as exc:
        alice.post("/restapi/v1.0/subscription", {"eventFilters": [TELEPHONY_EXT]})
    assert error_of(exc.value)[1]["errors"][0]["parameterName"] == "deliveryMode"


def test_detailed_presence_follows_the_call(simulator, receiver):
    platform = login(simulator)
    info = subscribe_webhook(
        platform, receiver, ["/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true"]
    )
    path = f"/restapi/v1.0/account/{ACCOUNT_ID}/extension/{ALICE_ID}/presence?detailedTelephonyState=true"
    assert info["eventFilters"] == [path]
    tsid = simulator.control.place_call("+15145550100", "101")["telephonySessionId"]
    simulator.control.answer_call(tsid)
    simulator.control.hang_up(tsid, side="caller")
    notes = receiver.wait_for(3)
    assert [n["body"]["telephonyStatus"] for n in notes] == ["Ringing", "CallConnected", "NoCall"]
    assert {n["event"] for n in notes} == {path}
    ringing = notes[0]["body"]
    assert ringing["extensionId"] == ALICE_ID and ringing["activeCalls"][0]["telephonySessionId"] == tsid
    assert (
        ringing["activeCalls"][0]["from"] == "+15145550100"
        and ringing["activeCalls"][0]["direction"] == "Inbound"
    )

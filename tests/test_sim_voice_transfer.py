"""Contract: blind transfer, forward, warm transfer (hold, consult call-out, bridge) on the simulator
through the official SDK, with the telephony and presence notifications a real webhook receives
(API.md §4, §5) and the call-log legs the call leaves behind (§6)."""

import pytest
import requests
from bs4 import BeautifulSoup
from ringcentral.http.api_exception import ApiException

from tests.sim_voice_support import (
    ACCOUNT_ID,
    ALICE_ID,
    BOB_ID,
    TELEPHONY_ACCOUNT,
    WebhookReceiver,
    error_of,
    login,
    subscribe_webhook,
    wait_until,
)

SESSIONS = "/restapi/v1.0/account/~/telephony/sessions"
CALL_OUT = "/restapi/v1.0/account/~/telephony/call-out"
ACCOUNT_PRESENCE = "/restapi/v1.0/account/~/presence?detailedTelephonyState=true"
CUSTOMER = "+12125550100"
EXTERNAL = "+14155550190"


@pytest.fixture
def receiver(simulator):
    """A webhook subscribed (as the admin) to every telephony session and presence of the account."""
    hook = WebhookReceiver()
    subscribe_webhook(login(simulator, "100"), hook, [TELEPHONY_ACCOUNT, ACCOUNT_PRESENCE])
    yield hook
    hook.close()


def softphone(platform, extension: str = "~") -> str:
    records = platform.get(f"/restapi/v1.0/account/~/extension/{extension}/device").json_dict()["records"]
    return next(d["id"] for d in records if d["type"] == "SoftPhone")


def answered_call(simulator, alice) -> tuple[str, str]:
    """(session, Alice's party) of ACME calling Alice, answered on her softphone through the API."""
    call = simulator.control.place_call(CUSTOMER, "101", from_name="ACME CORP")
    tsid = call["telephonySessionId"]
    party = f"p-{tsid[2:]}-2"
    alice.post(f"{SESSIONS}/{tsid}/parties/{party}/answer", {"deviceId": softphone(alice)})
    return tsid, party


def telephony(receiver, tsid: str) -> list[dict]:
    return [
        n
        for n in receiver.notifications()
        if "/telephony/sessions" in n["event"] and n["body"]["telephonySessionId"] == tsid
    ]


def wait_telephony(receiver, tsid: str, count: int) -> list[dict]:
    def enough():
        found = telephony(receiver, tsid)
        return found if len(found) >= count else None

    return wait_until(enough, what=f"{count} notifications of {tsid}")


def trail(notifications: list[dict]) -> list[tuple[str, str, str]]:
    """(party suffix, status code, reason) in arrival order."""
    parties = [n["body"]["parties"][0] for n in notifications]
    return [(p["id"].rsplit("-", 1)[1], p["status"]["code"], p["status"].get("reason", "")) for p in parties]


def presence_of(receiver, extension_id: str) -> list[str]:
    bodies = [n["body"] for n in receiver.notifications() if "/presence" in n["event"]]
    return [b["telephonyStatus"] for b in bodies if b["extensionId"] == extension_id]


def failure(call) -> tuple[int, str]:
    with pytest.raises(ApiException) as exc:
        call()
    status, body = error_of(exc.value)
    return status, body["errors"][0]["errorCode"]


def detailed_log(platform, tsid: str) -> dict[str, dict]:
    """The account's Detailed call-log records of one session, by the extension they belong to."""
    records = platform.get(
        "/restapi/v1.0/account/~/call-log", {"view": "Detailed", "telephonySessionId": tsid}
    ).json_dict()["records"]
    return {str(r["extension"]["id"]): r for r in records if r.get("telephonySessionId") == tsid}


def assert_envelopes(notifications: list[dict]) -> None:
    """One party per notification, a distinct 19-digit uuid each, sequence rising within the session."""
    assert all(len(n["body"]["parties"]) == 1 for n in notifications)
    uuids = [n["uuid"] for n in notifications]
    assert len(set(uuids)) == len(uuids) and all(u.isdigit() and len(u) == 19 for u in uuids)
    sequences = [n["body"]["sequence"] for n in notifications]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)


def test_blind_transfer_to_a_colleague(simulator, receiver):
    alice, admin = login(simulator, "101"), login(simulator, "100")
    tsid, party = answered_call(simulator, alice)
    before = len(wait_telephony(receiver, tsid, 5))  # -1 Setup, -2 Setup/Proceeding/Answered, -1 Answered

    moved = alice.post(f"{SESSIONS}/{tsid}/parties/{party}/transfer", {"extensionNumber": "102"}).json_dict()
    assert (moved["id"], moved["status"]) == (party, {"code": "Disconnected", "reason": "BlindTransfer"})

    notes = wait_telephony(receiver, tsid, before + 3)[before:]
    assert trail(notes) == [
        ("2", "Disconnected", "BlindTransfer"),
        ("3", "Setup", ""),
        ("3", "Proceeding", ""),
    ]
    left, rings = notes[0]["body"]["parties"][0], notes[1]["body"]["parties"][0]
    assert left["extensionId"] == ALICE_ID and left["to"]["extensionId"] == ALICE_ID
    assert rings == {
        "accountId": ACCOUNT_ID,
        "extensionId": BOB_ID,
        "id": f"p-{tsid[2:]}-3",
        "direction": "Inbound",
        "to": {"phoneNumber": "+16505550102", "name": "Bob Chen", "extensionId": BOB_ID},
        "from": {"phoneNumber": CUSTOMER, "name": "ACME CORP"},
        "status": {"code": "Setup", "rcc": False},
        "park": {},
        "missedCall": False,
        "standAlone": False,
        "muted": False,
    }
    assert notes[1]["event"] == f"/restapi/v1.0/account/{ACCOUNT_ID}/extension/{BOB_ID}/telephony/sessions"
    assert [n["body"]["sequence"] for n in notes] == [before + 1, before + 2, before + 3]

    simulator.control.answer_call(tsid)  # Bob picks up on his desk phone
    simulator.control.hang_up(tsid, side="caller")
    notes = wait_telephony(receiver, tsid, before + 6)
    assert trail(notes[before + 3 :]) == [
        ("3", "Answered", ""),
        ("1", "Disconnected", ""),
        ("3", "Disconnected", ""),
    ]
    assert_envelopes(notes)
    wait_until(lambda: presence_of(receiver, BOB_ID)[-1:] == ["NoCall"], what="Bob's presence back to NoCall")
    assert presence_of(receiver, BOB_ID) == ["Ringing", "CallConnected", "NoCall"]
    assert presence_of(receiver, ALICE_ID) == ["Ringing", "CallConnected", "NoCall"]

    log = detailed_log(admin, tsid)
    assert (log[ALICE_ID]["result"], log[BOB_ID]["result"]) == ("Accepted", "Accepted")
    legs = log[BOB_ID]["legs"]
    assert [(leg["legType"], leg["extension"]["id"], leg["master"]) for leg in legs] == [
        ("PstnToSip", int(ALICE_ID), False),
        ("TransferCall", int(BOB_ID), True),
    ]
    assert legs[1]["to"] == {
        "phoneNumber": "+16505550102",
        "extensionNumber": "102",
        "extensionId": BOB_ID,
        "name": "Bob Chen",
    }
    assert (legs[1]["action"], legs[1]["result"], legs[1]["partyId"]) == (
        "Transfer",
        "Accepted",
        f"p-{tsid[2:]}-3",
    )
    assert [leg["master"] for leg in log[ALICE_ID]["legs"]] == [True, False]


def test_blind_transfer_to_an_external_number(simulator, receiver):
    alice, admin = login(simulator, "101"), login(simulator, "100")
    tsid, party = answered_call(simulator, alice)
    alice.post(f"{SESSIONS}/{tsid}/parties/{party}/hold")
    moved = alice.post(f"{SESSIONS}/{tsid}/parties/{party}/transfer", {"phoneNumber": EXTERNAL}).json_dict()
    assert moved["status"] == {"code": "Disconnected", "reason": "BlindTransfer"}  # from Hold, too

    ringing = wait_until(
        lambda: [n for n in telephony(receiver, tsid) if n["body"]["parties"][0]["id"].endswith("-3")],
        what="the external party",
    )[0]
    far = ringing["body"]["parties"][0]
    assert "extensionId" not in far and far["to"] == {"phoneNumber": EXTERNAL}
    assert ringing["event"] == f"/restapi/v1.0/account/{ACCOUNT_ID}/telephony/sessions"
    simulator.control.answer_call(tsid)
    simulator.control.hang_up(tsid, side="caller")
    wait_until(lambda: not simulator.control.call(tsid)["live"], what="the call to end")

    log = detailed_log(admin, tsid)
    assert set(log) == {ALICE_ID}  # the far end has no extension, so no record of its own
    transfer = log[ALICE_ID]["legs"][1]
    assert (transfer["legType"], transfer["to"], transfer["result"]) == (
        "TransferCall",
        {"phoneNumber": EXTERNAL},
        "Accepted",
    )
    assert "extension" not in transfer


@pytest.mark.parametrize("bob_does", ["answer", "decline"])
def test_forward_while_ringing(simulator, receiver, bob_does):
    alice = login(simulator, "101")
    tsid = simulator.control.place_call(CUSTOMER, "101", from_name="ACME CORP")["telephonySessionId"]
    party = f"p-{tsid[2:]}-2"
    forwarded = alice.post(
        f"{SESSIONS}/{tsid}/parties/{party}/forward", {"extensionNumber": "102"}
    ).json_dict()
    assert (forwarded["id"], forwarded["status"]) == (
        party,
        {"code": "Disconnected", "reason": "BlindTransfer"},
    )

    if bob_does == "answer":
        simulator.control.answer_call(tsid)
        expected = [("3", "Answered", ""), ("1", "Answered", "")]  # the caller was still ringing
    else:
        simulator.control.decline_call(tsid)
        expected = [("3", "Disconnected", "Rejected"), ("1", "Disconnected", "")]
    notes = wait_telephony(receiver, tsid, 6 + len(expected))
    assert trail(notes) == [
        ("1", "Setup", ""),
        ("2", "Setup", ""),
        ("2", "Proceeding", ""),
        ("2", "Disconnected", "BlindTransfer"),
        ("3", "Setup", ""),
        ("3", "Proceeding", ""),
        *expected,
    ]
    assert notes[3]["body"]["parties"][0]["missedCall"] is False
    assert_envelopes(notes)
    assert failure(
        lambda: alice.post(f"{SESSIONS}/{tsid}/parties/{party}/forward", {"extensionNumber": "103"})
    ) == ((409, "TAS-102") if bob_does == "answer" else (404, "CMN-102"))


def consult(simulator, alice, *, to: dict) -> tuple[str, str]:
    """Alice calls out from the softphone she holds the caller on; (consult session, her party)."""
    session = alice.post(CALL_OUT, {"from": {"deviceId": softphone(alice)}, "to": to}).json_dict()["session"]
    return session["id"], session["parties"][0]["id"]


def test_warm_transfer_hold_consult_and_bridge(simulator, receiver):
    alice, admin = login(simulator, "101"), login(simulator, "100")
    tsid, party = answered_call(simulator, alice)
    alice.post(f"{SESSIONS}/{tsid}/parties/{party}/hold")
    held = len(wait_telephony(receiver, tsid, 6))

    consult_id, mine = consult(simulator, alice, to={"extensionNumber": "102"})
    notes = wait_telephony(receiver, consult_id, 4)
    assert trail(notes) == [
        ("1", "Setup", ""),
        ("2", "Setup", ""),
        ("1", "Answered", ""),
        ("2", "Proceeding", ""),
    ]
    assert notes[0]["body"]["parties"][0]["from"] == {
        "phoneNumber": "+16505550101",
        "name": "Alice Martin",
        "extensionId": ALICE_ID,
        "deviceId": softphone(alice),
    }
    assert notes[0]["body"]["origin"] == {"type": "CallOut"}
    assert notes[1]["body"]["parties"][0]["to"]["extensionId"] == BOB_ID
    assert failure(  # Bob has not answered yet
        lambda: alice.post(
            f"{SESSIONS}/{tsid}/parties/{party}/bridge", {"telephonySessionId": consult_id, "partyId": mine}
        )
    ) == (409, "TAS-102")
    simulator.control.answer_call(consult_id)
    wait_telephony(receiver, consult_id, 5)
    wait_until(lambda: presence_of(receiver, BOB_ID)[-1:] == ["CallConnected"], what="Bob on a call")
    assert presence_of(receiver, ALICE_ID)[-1] == "CallConnected"  # the consult call, over the held one

    gone = alice.post(
        f"{SESSIONS}/{tsid}/parties/{party}/bridge", {"telephonySessionId": consult_id, "partyId": mine}
    ).json_dict()
    assert (gone["id"], gone["status"]) == (
        party,
        {
            "code": "Gone",
            "reason": "AttendedTransfer",
            "peerId": {"sessionId": consult_id, "telephonySessionId": consult_id, "partyId": mine},
        },
    )

    notes = wait_telephony(receiver, tsid, held + 2)[held:]
    assert trail(notes) == [("2", "Gone", "AttendedTransfer"), ("3", "Answered", "")]
    joined = notes[1]["body"]["parties"][0]
    assert (joined["extensionId"], joined["direction"], joined["from"], joined["to"]["extensionId"]) == (
        BOB_ID,
        "Inbound",
        {"phoneNumber": CUSTOMER, "name": "ACME CORP"},
        BOB_ID,
    )
    assert [n["body"]["sequence"] for n in notes] == [held + 1, held + 2]
    consult_notes = wait_telephony(receiver, consult_id, 7)
    assert trail(consult_notes[5:]) == [
        ("1", "Disconnected", "AttendedTransfer"),
        ("2", "Gone", "AttendedTransfer"),
    ]
    assert consult_notes[6]["body"]["parties"][0]["status"]["peerId"] == {
        "sessionId": tsid,
        "telephonySessionId": tsid,
        "partyId": f"p-{tsid[2:]}-3",
    }
    assert_envelopes(telephony(receiver, tsid))
    assert_envelopes(consult_notes)
    assert simulator.control.call(consult_id)["live"] is False
    parties = alice.get(f"{SESSIONS}/{tsid}").json_dict()["parties"]
    assert [p["status"]["code"] for p in parties] == ["Answered", "Gone", "Answered"]

    wait_until(lambda: presence_of(receiver, ALICE_ID)[-1:] == ["NoCall"], what="Alice free")
    assert presence_of(receiver, BOB_ID)[-1] == "CallConnected"  # now on the customer's call
    simulator.control.hang_up(tsid, side="caller")
    wait_until(lambda: not simulator.control.call(tsid)["live"], what="the call to end")
    log = detailed_log(admin, tsid)
    assert [(leg["legType"], leg["extension"]["id"]) for leg in log[BOB_ID]["legs"]] == [
        ("PstnToSip", int(ALICE_ID)),
        ("TransferCall", int(BOB_ID)),
    ]
    assert all(leg["transferTarget"] == {"telephonySessionId": consult_id} for leg in log[BOB_ID]["legs"])
    consult_log = detailed_log(admin, consult_id)
    assert set(consult_log) == {ALICE_ID, BOB_ID}
    assert consult_log[ALICE_ID]["legs"][0]["transferee"] == {"telephonySessionId": tsid}


@pytest.mark.parametrize("bob_does", ["decline", "not answer", "nothing: Alice ends the consult"])
def test_consult_that_goes_nowhere_then_back_to_the_caller(simulator, receiver, bob_does):
    alice = login(simulator, "101")
    tsid, party = answered_call(simulator, alice)
    alice.post(f"{SESSIONS}/{tsid}/parties/{party}/hold")
    consult_id, mine = consult(simulator, alice, to={"extensionNumber": "102"})
    if bob_does == "decline":
        simulator.control.decline_call(consult_id)
        ending = [("2", "Disconnected", "Rejected"), ("1", "Disconnected", "")]
    elif bob_does == "not answer":
        simulator.control.ring_timeout(consult_id)
        ending = [("2", "Disconnected", ""), ("1", "Disconnected", "")]
    else:
        alice.delete(f"{SESSIONS}/{consult_id}")
        ending = [("1", "Disconnected", ""), ("2", "Disconnected", "")]
    notes = wait_telephony(receiver, consult_id, 6)
    assert trail(notes[4:]) == ending
    assert notes[4]["body"]["parties"][0]["missedCall"] is (bob_does != "nothing: Alice ends the consult")
    wait_until(
        lambda: presence_of(receiver, ALICE_ID)[-1:] == ["OnHold"], what="Alice back to her held caller"
    )
    assert failure(
        lambda: alice.post(
            f"{SESSIONS}/{tsid}/parties/{party}/bridge", {"telephonySessionId": consult_id, "partyId": mine}
        )
    ) == (409, "TAS-102")

    assert alice.post(f"{SESSIONS}/{tsid}/parties/{party}/unhold").json_dict()["status"]["code"] == "Answered"
    assert trail(wait_telephony(receiver, tsid, 7)[5:]) == [("2", "Hold", ""), ("2", "Answered", "")]


def test_warm_transfer_to_an_external_number(simulator, receiver):
    alice = login(simulator, "101")
    tsid, party = answered_call(simulator, alice)
    alice.post(f"{SESSIONS}/{tsid}/parties/{party}/hold")
    consult_id, mine = consult(simulator, alice, to={"phoneNumber": EXTERNAL})
    simulator.control.answer_call(consult_id)
    alice.post(
        f"{SESSIONS}/{tsid}/parties/{party}/bridge", {"telephonySessionId": consult_id, "partyId": mine}
    )
    joined = wait_until(
        lambda: [n for n in telephony(receiver, tsid) if n["body"]["parties"][0]["id"].endswith("-3")],
        what="the external party joining",
    )[0]
    assert joined["event"] == f"/restapi/v1.0/account/{ACCOUNT_ID}/telephony/sessions"
    far = joined["body"]["parties"][0]
    assert (far["to"], far["status"]["code"], "extensionId" in far) == (
        {"phoneNumber": EXTERNAL},
        "Answered",
        False,
    )


def test_impossible_transfers_get_ringcentral_errors(simulator):
    alice = login(simulator, "101")
    ringing = simulator.control.place_call(CUSTOMER, "101")["telephonySessionId"]
    ringing_party = f"p-{ringing[2:]}-2"
    tsid, party = answered_call(simulator, alice)
    consult_id, mine = consult(simulator, alice, to={"extensionNumber": "103"})
    simulator.control.answer_call(consult_id)

    def bridge(session, on, body):
        return lambda: alice.post(f"{SESSIONS}/{session}/parties/{on}/bridge", body)

    assert failure(
        lambda: alice.post(f"{SESSIONS}/{tsid}/parties/{party}/forward", {"extensionNumber": "102"})
    ) == (
        409,
        "TAS-102",
    )
    assert failure(
        lambda: alice.post(
            f"{SESSIONS}/{ringing}/parties/{ringing_party}/transfer", {"extensionNumber": "102"}
        )
    ) == (409, "TAS-102")
    assert failure(bridge(ringing, ringing_party, {"telephonySessionId": consult_id, "partyId": mine})) == (
        409,
        "TAS-102",
    )
    assert failure(bridge(tsid, party, {"telephonySessionId": consult_id})) == (400, "CMN-101")
    assert failure(bridge(tsid, party, {"telephonySessionId": tsid, "partyId": party})) == (400, "CMN-101")
    theirs = f"p-{consult_id[2:]}-2"  # Carol's party: not Alice's own
    assert failure(bridge(tsid, party, {"telephonySessionId": consult_id, "partyId": theirs})) == (
        400,
        "CMN-101",
    )
    unknown = "s-00000000000000000000000000000000"
    assert failure(bridge(tsid, party, {"telephonySessionId": unknown, "partyId": mine})) == (404, "CMN-102")

    simulator.control.hang_up(tsid, side="caller")  # the caller gives up: nothing left to bridge
    assert failure(bridge(tsid, party, {"telephonySessionId": consult_id, "partyId": mine})) == (
        404,
        "CMN-102",
    )
    assert failure(
        lambda: alice.post(f"{SESSIONS}/{tsid}/parties/{party}/transfer", {"phoneNumber": EXTERNAL})
    ) == (
        404,
        "CMN-102",
    )


def test_a_colleague_on_do_not_disturb_gets_the_transfer_in_voicemail(simulator, receiver):
    alice, bob = login(simulator, "101"), login(simulator, "102")
    bob.put("/restapi/v1.0/account/~/extension/~/presence", {"dndStatus": "DoNotAcceptAnyCalls"})
    tsid, party = answered_call(simulator, alice)
    alice.post(f"{SESSIONS}/{tsid}/parties/{party}/transfer", {"extensionNumber": "102"})
    notes = wait_telephony(receiver, tsid, 7)
    assert trail(notes[5:]) == [("2", "Disconnected", "BlindTransfer"), ("3", "VoiceMail", "")]
    assert notes[6]["body"]["parties"][0]["missedCall"] is True

    consult_id, _ = consult(simulator, alice, to={"extensionNumber": "102"})
    assert trail(wait_telephony(receiver, consult_id, 3)) == [
        ("1", "Setup", ""),
        ("2", "VoiceMail", ""),
        ("1", "Answered", ""),
    ]


def test_a_person_declines_the_transferred_call_on_the_console(simulator, receiver):
    alice = login(simulator, "101")
    tsid, party = answered_call(simulator, alice)
    alice.post(f"{SESSIONS}/{tsid}/parties/{party}/transfer", {"extensionNumber": "103"})
    console = BeautifulSoup(requests.get(f"{simulator.url}/_sim/console", timeout=10).text, "html.parser")
    decline = console.select_one(f"form[action='/_sim/console/calls/{tsid}/decline']")
    requests.post(f"{simulator.url}{decline['action']}", timeout=10)
    notes = wait_telephony(receiver, tsid, 10)
    assert trail(notes[8:]) == [("3", "Disconnected", "Rejected"), ("1", "Disconnected", "")]
    assert notes[8]["body"]["parties"][0]["to"]["name"] == "Carol Diaz"


def test_the_account_presence_lists_every_colleague(simulator):
    alice, bob = login(simulator, "101"), login(simulator, "102")
    bob.put("/restapi/v1.0/account/~/extension/~/presence", {"dndStatus": "DoNotAcceptAnyCalls"})
    tsid, _ = answered_call(simulator, alice)
    page = alice.get("/restapi/v1.0/account/~/presence", {"detailedTelephonyState": "true", "perPage": 3})
    assert page.response().headers["X-Rate-Limit-Group"] == "heavy"
    first = page.json_dict()
    assert first["paging"]["page"] == 1 and "nextPage" in first["navigation"]
    records = first["records"] + alice.get(first["navigation"]["nextPage"]["uri"]).json_dict()["records"]
    by_number = {r["extension"]["extensionNumber"]: r for r in records}
    assert sorted(by_number) == ["100", "101", "102", "103", "800"]
    assert (by_number["101"]["telephonyStatus"], by_number["101"]["presenceStatus"]) == (
        "CallConnected",
        "Busy",
    )
    assert [c["telephonySessionId"] for c in by_number["101"]["activeCalls"]] == [tsid]
    assert by_number["102"]["dndStatus"] == "DoNotAcceptAnyCalls"
    assert by_number["103"]["telephonyStatus"] == "NoCall"
    assert by_number["800"] == {
        "uri": by_number["800"]["uri"],
        "extension": by_number["800"]["extension"],
        "presenceStatus": "Offline",
    }


def test_a_transfer_made_on_the_phone_is_announced_the_same_way(simulator, receiver):
    tsid = simulator.control.place_call(CUSTOMER, "101")["telephonySessionId"]
    simulator.control.answer_call(tsid)
    with pytest.raises(requests.HTTPError):  # one destination, and a real number
        simulator.control.transfer_call(tsid, to_number="415")
    simulator.control.transfer_call(tsid, to_extension="103")
    notes = wait_telephony(receiver, tsid, 8)
    assert trail(notes[5:]) == [
        ("2", "Disconnected", "BlindTransfer"),
        ("3", "Setup", ""),
        ("3", "Proceeding", ""),
    ]
    assert notes[6]["body"]["parties"][0]["to"]["name"] == "Carol Diaz"

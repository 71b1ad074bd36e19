"""The simulator's telephony state machine and notification builder, as plain Python (API.md §4, §5)."""

import re

import pytest

from telephony.simulator.voice.machine import CallControlError, CallSession, Endpoint
from telephony.simulator.voice.notify import (
    InvalidFilter,
    envelope,
    presence_body,
    resolve_filter,
    telephony_body,
    telephony_event_path,
    telephony_matches,
)

ACC = "37439510"
ALICE = Endpoint(phone_number="+16505550101", name="Alice Martin", extension_id="62264001")
BOB = Endpoint(phone_number="+16505550102", name="Bob Chen", extension_id="62264002")
CALLER = Endpoint(phone_number="+15145550100", name="JANE SMITH")


def inbound():
    session = CallSession.new(account_id=ACC)
    user = session.start_inbound(caller=CALLER, callee=ALICE)
    return session, user


def trail(session):
    return [(e.party["id"].rsplit("-", 1)[1], e.party["status"]["code"]) for e in session.events]


def test_it_starts_an_inbound_call_in_ringcentrals_order():
    session, user = inbound()
    assert re.fullmatch(r"s-[0-9a-f]{32}", session.telephony_session_id)
    assert session.session_id.isdigit()
    assert trail(session) == [("1", "Setup"), ("2", "Setup"), ("2", "Proceeding")]
    assert user.id == f"p-{session.telephony_session_id[2:]}-2"
    caller = session.events[0].party
    assert "extensionId" not in caller and caller["direction"] == "Outbound"
    assert caller["from"] == {"phoneNumber": "+15145550100", "name": "JANE SMITH"}
    ringing = session.events[1].party
    assert ringing["direction"] == "Inbound" and ringing["extensionId"] == "62264001"
    assert ringing["to"] == {"phoneNumber": "+16505550101", "name": "Alice Martin", "extensionId": "62264001"}


def test_it_runs_answer_hold_unhold_hangup_like_the_real_capture():
    session, user = inbound()
    session.answer(user.id, device_id="400018633008")
    session.hold(user.id)
    session.unhold(user.id)
    session.hang_up(user.id)
    assert trail(session)[3:] == [
        ("2", "Answered"),
        ("1", "Answered"),
        ("2", "Hold"),
        ("2", "Answered"),
        ("2", "Disconnected"),
        ("1", "Disconnected"),
    ]
    assert [e.sequence for e in session.events] == list(range(1, 10))
    assert all(len([e.party]) == 1 for e in session.events)
    assert session.events[3].party["to"]["deviceId"] == "400018633008"
    assert session.ended and not session.live_parties()
    assert all(e.party["missedCall"] is False for e in session.events)
    assert "reason" not in session.events[-2].party["status"]


def test_a_caller_hanging_up_while_it_rings_makes_a_missed_call():
    session, user = inbound()
    session.hang_up(session.caller().id)
    assert trail(session)[3:] == [("1", "Disconnected"), ("2", "Disconnected")]
    assert session.events[-1].party["missedCall"] is True
    assert session.answered_party() is None


def test_ring_timeout_without_voicemail_is_missed_and_with_voicemail_goes_to_voicemail():
    session, user = inbound()
    session.ring_timeout(user.id)
    assert trail(session)[3:] == [("2", "Disconnected"), ("1", "Disconnected")]
    assert session.events[3].party["missedCall"] is True

    session, user = inbound()
    session.to_voicemail(user.id)
    assert trail(session)[3:] == [("2", "VoiceMail"), ("1", "Answered")]
    assert session.events[3].party["missedCall"] is True
    session.hang_up(session.caller().id)
    assert trail(session)[-2:] == [("1", "Disconnected"), ("2", "Disconnected")]


def test_reject_and_forward_and_transfer():
    session, user = inbound()
    session.reject(user.id)
    assert session.events[3].party["status"] == {"code": "Disconnected", "reason": "Rejected", "rcc": False}
    assert session.ended

    session, user = inbound()
    forwarded = session.forward(user.id, target=BOB)
    assert forwarded is user
    assert trail(session)[3:] == [("2", "Disconnected"), ("3", "Setup"), ("3", "Proceeding")]
    assert session.events[3].party["status"]["reason"] == "BlindTransfer"
    new = session.parties[-1]
    assert new.extension_id == BOB.extension_id and new.id.endswith("-3")
    assert not session.ended

    session, user = inbound()
    session.answer(user.id)
    session.transfer(user.id, target=Endpoint(phone_number="+14155550190"))
    assert trail(session)[5:] == [("2", "Disconnected"), ("3", "Setup"), ("3", "Proceeding")]
    assert session.events[5].party["status"]["reason"] == "BlindTransfer"
    assert session.caller().status == "Answered"


def test_mute_emits_the_flag_and_only_when_it_changes():
    session, user = inbound()
    session.answer(user.id)
    before = len(session.events)
    session.update_party(user.id, muted=True)
    session.update_party(user.id, muted=True)
    assert len(session.events) == before + 1
    assert session.events[-1].party["muted"] is True
    assert session.events[-1].party["status"]["code"] == "Answered"


@pytest.mark.parametrize(
    ("setup", "action", "status", "code"),
    [
        ("ringing", lambda s, p: s.hold(p), 409, "TAS-102"),
        ("ringing", lambda s, p: s.transfer(p, target=BOB), 409, "TAS-102"),
        ("ringing", lambda s, p: s.update_party(p, muted=True), 409, "TAS-102"),
        ("answered", lambda s, p: s.answer(p), 409, "TAS-102"),
        ("answered", lambda s, p: s.reject(p), 409, "TAS-102"),
        ("answered", lambda s, p: s.forward(p, target=BOB), 409, "TAS-102"),
        ("ended", lambda s, p: s.answer(p), 404, "CMN-102"),
        ("ended", lambda s, p: s.hold(p), 404, "CMN-102"),
        ("ended", lambda s, p: s.drop(), 404, "CMN-102"),
        ("ringing", lambda s, p: s.answer("p-unknown-9"), 404, "CMN-102"),
    ],
)
def test_impossible_actions_raise_ringcentral_errors(setup, action, status, code):
    session, user = inbound()
    if setup in ("answered", "ended"):
        session.answer(user.id)
    if setup == "ended":
        session.drop()
    before = len(session.events)
    with pytest.raises(CallControlError) as exc:
        action(session, user.id)
    assert (exc.value.status, exc.value.error_code) == (status, code)
    assert len(session.events) == before


def test_the_caller_party_cannot_be_answered_or_rejected():
    session, _ = inbound()
    with pytest.raises(CallControlError):
        session.answer(session.caller().id)
    with pytest.raises(CallControlError):
        session.reject(session.caller().id)


def test_internal_call_order_matches_the_capture():
    session = CallSession.new(account_id=ACC)
    callee = session.start_internal(caller=ALICE, callee=BOB)
    session.answer(callee.id)
    caller = session.caller()
    session.hold(caller.id)
    session.unhold(caller.id)
    session.hang_up(caller.id)
    assert trail(session) == [
        ("1", "Setup"),
        ("2", "Setup"),
        ("1", "Answered"),
        ("2", "Proceeding"),
        ("2", "Answered"),
        ("1", "Hold"),
        ("1", "Answered"),
        ("1", "Disconnected"),
        ("2", "Disconnected"),
    ]
    assert session.events[0].party["extensionId"] == ALICE.extension_id


def test_drop_disconnects_extension_parties_first_and_round_trips_through_state():
    session, user = inbound()
    session.answer(user.id)
    copy = CallSession.from_state(session.to_state())
    assert copy.to_state() == session.to_state()
    copy.drop()
    assert trail(copy)[-2:] == [("2", "Disconnected"), ("1", "Disconnected")]


def test_notification_body_and_envelope_have_the_documented_fields():
    session, user = inbound()
    event = session.events[1]
    body = telephony_body(session, event)
    assert list(body) == [
        "sequence", "sessionId", "telephonySessionId", "serverId", "eventTime", "parties", "origin",
    ]  # fmt: skip
    assert body["origin"] == {"type": "Call"} and body["sequence"] == 2
    party = body["parties"][0]
    assert list(party) == [
        "accountId", "extensionId", "id", "direction", "to", "from", "status", "park", "missedCall", "standAlone", "muted",
    ]  # fmt: skip
    assert party["status"] == {"code": "Setup", "rcc": False}
    note = envelope(
        event=telephony_event_path(ACC, "62264001"), body=body, subscription_id="sub-1", owner_id=62264001
    )
    assert list(note) == ["uuid", "event", "timestamp", "subscriptionId", "ownerId", "body"]
    assert note["uuid"].isdigit() and note["ownerId"] == "62264001"
    assert note["event"] == f"/restapi/v1.0/account/{ACC}/extension/62264001/telephony/sessions"
    assert telephony_event_path(ACC, "") == f"/restapi/v1.0/account/{ACC}/telephony/sessions"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", note["timestamp"])


def test_filters_resolve_tilde_and_match_parties():
    mine = resolve_filter(
        "/restapi/v1.0/account/~/extension/~/telephony/sessions", account_id=ACC, extension_id="62264001"
    )
    assert mine.text == f"/restapi/v1.0/account/{ACC}/extension/62264001/telephony/sessions"
    company = resolve_filter(
        "/restapi/v1.0/account/~/telephony/sessions", account_id=ACC, extension_id="62264001"
    )
    missed = resolve_filter(
        "/restapi/v1.0/account/~/extension/~/telephony/sessions?missedCall=true",
        account_id=ACC,
        extension_id="62264001",
    )
    session, user = inbound()
    caller_party, user_party = session.events[0].party, session.events[1].party
    assert telephony_matches(mine, user_party) and not telephony_matches(mine, caller_party)
    assert telephony_matches(company, caller_party) and telephony_matches(company, user_party)
    assert not telephony_matches(missed, user_party)
    with pytest.raises(InvalidFilter) as exc:
        resolve_filter("/restapi/v1.0/glip/nonsense", account_id=ACC, extension_id="1")
    assert exc.value.error_code == "SUB-508"
    with pytest.raises(InvalidFilter) as exc:
        resolve_filter("/restapi/v1.0/account/999/telephony/sessions", account_id=ACC, extension_id="1")
    assert exc.value.error_code == "SUB-406"


def test_presence_body_reports_ringing_then_no_call():
    session, user = inbound()
    assert (
        presence_body(extension_id=ALICE.extension_id, sessions=[session], sequence=1)["telephonyStatus"]
        == "Ringing"
    )
    session.answer(user.id)
    assert (
        presence_body(extension_id=ALICE.extension_id, sessions=[session], sequence=2)["telephonyStatus"]
        == "CallConnected"
    )
    session.drop()
    body = presence_body(extension_id=ALICE.extension_id, sessions=[session], sequence=3)
    assert body["telephonyStatus"] == "NoCall" and body["activeCalls"][0]["terminationType"] == "final"


def test_a_ring_out_marks_initiator_and_target_and_connects_when_the_far_end_answers():
    session = CallSession.new(account_id=ACC, origin_type="RingOut")
    far = session.start_outbound(caller=ALICE, callee=Endpoint(phone_number="+14155550190"))
    assert [e.party.get("ringOutRole") for e in session.events] == [
        "Initiator",
        "Target",
        "Initiator",
        "Target",
    ]
    assert trail(session) == [("1", "Setup"), ("2", "Setup"), ("1", "Proceeding"), ("2", "Proceeding")]
    session.answer(far.id)
    assert trail(session)[4:] == [("2", "Answered"), ("1", "Answered")]
    assert session.api_dict()["origin"] == {"type": "RingOut"}


@pytest.mark.parametrize(
    "raw",
    [
        "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true&sipData=true",
        "/restapi/v1.0/account/~/extension/~/message-store",
        "/restapi/v1.0/account/~/extension/~/presence/line",
        "/restapi/v1.0/account/~/extension",
        "/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS",
        "/restapi/v1.0/subscription/~?threshold=60&interval=30",
    ],
)
def test_the_documented_sample_filters_are_accepted_with_ids_resolved(raw):
    resolved = resolve_filter(raw, account_id=ACC, extension_id="62264001").text
    assert "~" not in resolved.split("?")[0].replace("/subscription/~", "")
    assert resolved.split("?")[1:] == raw.split("?")[1:]

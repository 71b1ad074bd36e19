"""Account data, Call Control and RingOut through our client against the simulator."""

import pytest

from telephony import ringcentral
from tests.ringcentral_helpers import authorize_resource, make_connector

ALICE_ID, BOB_ID = "62264001", "62264002"


@pytest.fixture
def rc(simulator, db):
    token = authorize_resource(make_connector(simulator), username="101")
    return ringcentral.session_for(token.resource)


def ringing_call(simulator) -> tuple[str, str]:
    """(telephony session id, Alice's party id) of an inbound call ringing Alice."""
    call = simulator.control.place_call("+15145550100", "101", from_name="JANE SMITH")
    tsid = call["telephonySessionId"]
    party = next(p for p in call["session"]["parties"] if p.get("owner", {}).get("extensionId") == ALICE_ID)
    return tsid, party["id"]


def softphone(rc, extension_id: str = "~") -> str:
    return next(d.id for d in ringcentral.list_devices(rc, extension_id) if d.type == "SoftPhone")


def test_extensions_and_devices(rc):
    me = ringcentral.current_extension(rc)
    assert (me.id, me.extension_number, me.email, me.account_id) == (
        ALICE_ID,
        "101",
        "alice@arcadium-demo.test",
        "37439510",
    )
    everyone = ringcentral.list_extensions(rc, per_page=2)  # several pages
    numbers = {e.extension_number: e for e in everyone}
    assert {"100", "101", "102", "103", "800"} <= set(numbers)
    assert numbers["800"].type == "IvrMenu" and numbers["102"].id == BOB_ID
    assert len(everyone) == len({e.id for e in everyone})
    assert {d.type for d in ringcentral.list_devices(rc)} == {"SoftPhone", "HardPhone"}
    assert numbers["102"].name == "Bob Chen"


def test_answer_hold_mute_and_hang_up(rc, simulator):
    tsid, party = ringing_call(simulator)
    call = ringcentral.get_call_session(rc, tsid)
    assert call.id == tsid and call.origin_type == "Call"
    mine = next(p for p in call.parties if p.id == party)
    assert (mine.status_code, mine.direction, mine.extension_id) == ("Proceeding", "Inbound", ALICE_ID)
    assert mine.from_.phone_number == "+15145550100"

    device = softphone(rc)
    answered = ringcentral.answer(rc, telephony_session_id=tsid, party_id=party, device_id=device)
    assert answered.status_code == "Answered" and answered.to.device_id == device
    assert ringcentral.hold(rc, telephony_session_id=tsid, party_id=party).status_code == "Hold"
    assert ringcentral.unhold(rc, telephony_session_id=tsid, party_id=party).status_code == "Answered"
    assert ringcentral.set_muted(rc, telephony_session_id=tsid, party_id=party, muted=True).muted is True
    assert ringcentral.set_muted(rc, telephony_session_id=tsid, party_id=party, muted=False).muted is False

    ringcentral.drop(rc, telephony_session_id=tsid)

    with pytest.raises(ringcentral.NotFound):
        ringcentral.get_call_session(rc, tsid)
    with pytest.raises(ringcentral.NotFound):
        ringcentral.answer(rc, telephony_session_id=tsid, party_id=party, device_id=device)


def test_impossible_actions_raise_invalid_request_with_the_code(rc, simulator):
    tsid, party = ringing_call(simulator)
    with pytest.raises(ringcentral.InvalidRequest) as caught:
        ringcentral.hold(rc, telephony_session_id=tsid, party_id=party)
    assert (caught.value.status, caught.value.error_code) == (409, "TAS-102")
    assert "TAS-102" in str(caught.value)
    bobs_phone = softphone(rc, BOB_ID)
    with pytest.raises(ringcentral.InvalidRequest) as caught:
        ringcentral.answer(rc, telephony_session_id=tsid, party_id=party, device_id=bobs_phone)
    assert caught.value.error_code == "CMN-101"


def test_reject_and_forward(rc, simulator):
    tsid, party = ringing_call(simulator)
    ringcentral.reject(rc, telephony_session_id=tsid, party_id=party)
    assert simulator.control.call(tsid)["live"] is False

    tsid, party = ringing_call(simulator)
    forwarded = ringcentral.forward(rc, telephony_session_id=tsid, party_id=party, extension_number="102")
    assert (forwarded.id, forwarded.status_code, forwarded.status_reason) == (
        party,
        "Disconnected",
        "BlindTransfer",
    )
    assert ringcentral.get_call_session(rc, tsid).parties[-1].extension_id == BOB_ID
    with pytest.raises(ringcentral.InvalidRequest, match="exactly one"):
        ringcentral.forward(rc, telephony_session_id=tsid, party_id=party)


def test_transfer_an_answered_call(rc, simulator):
    tsid, party = ringing_call(simulator)
    ringcentral.answer(rc, telephony_session_id=tsid, party_id=party, device_id=softphone(rc))
    moved = ringcentral.transfer(rc, telephony_session_id=tsid, party_id=party, phone_number="+14155550190")
    assert (moved.id, moved.status_code, moved.status_reason) == (party, "Disconnected", "BlindTransfer")
    with pytest.raises(ringcentral.InvalidRequest) as caught:  # a ringing call cannot be transferred
        tsid2, party2 = ringing_call(simulator)
        ringcentral.transfer(rc, telephony_session_id=tsid2, party_id=party2, extension_number="103")
    assert caught.value.error_code == "TAS-102"


def test_ignore_needs_a_device(rc, simulator):
    tsid, party = ringing_call(simulator)
    with pytest.raises(ringcentral.InvalidRequest):
        ringcentral.ignore(rc, telephony_session_id=tsid, party_id=party, device_id="")


def test_ring_out_status_and_cancel(rc):
    made = ringcentral.ring_out(rc, from_number="", to_number="+14155550190", play_prompt=False)
    assert made.id and made.call_status == "InProgress"
    assert ringcentral.ring_out_status(rc, made.id).id == made.id
    ringcentral.cancel_ring_out(rc, made.id)
    with pytest.raises(ringcentral.NotFound):
        ringcentral.cancel_ring_out(rc, made.id)
    with pytest.raises(ringcentral.InvalidRequest) as caught:
        ringcentral.ring_out(rc, from_number="", to_number="abc")
    assert caught.value.error_code == "CMN-101"

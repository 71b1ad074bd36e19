"""Transfer, forward, the consult call and bridge (warm transfer) through our client against the
simulator, with the colleagues' presence and the call-log legs the product will read."""

from datetime import timedelta

import pytest
from django.utils import timezone

from telephony import ringcentral
from tests.ringcentral_helpers import authorize_resource, make_connector

ALICE_ID, BOB_ID = "62264001", "62264002"
CUSTOMER, EXTERNAL = "+12125550100", "+14155550190"


@pytest.fixture
def rc(simulator, db):
    token = authorize_resource(make_connector(simulator), username="101")
    return ringcentral.session_for(token.resource)


def softphone(rc) -> str:
    return next(d.id for d in ringcentral.list_devices(rc) if d.type == "SoftPhone")


def answered_call(rc, simulator) -> tuple[str, str]:
    """(session, Alice's party) of ACME's call to Alice, answered on her softphone."""
    call = simulator.control.place_call(CUSTOMER, "101", from_name="ACME CORP")
    tsid = call["telephonySessionId"]
    party = next(p["id"] for p in call["session"]["parties"] if p.get("extensionId") == ALICE_ID)
    ringcentral.answer(rc, telephony_session_id=tsid, party_id=party, device_id=softphone(rc))
    return tsid, party


def test_transfer_now_to_a_colleague_whose_presence_follows(rc, simulator):
    tsid, party = answered_call(rc, simulator)
    assert ringcentral.get_presence(rc, BOB_ID).telephony_status == "NoCall"
    moved = ringcentral.transfer(rc, telephony_session_id=tsid, party_id=party, extension_number="102")
    assert (moved.id, moved.status_code, moved.status_reason) == (party, "Disconnected", "BlindTransfer")
    target = ringcentral.get_call_session(rc, tsid).parties[-1]
    assert (target.extension_id, target.status_code, target.from_.phone_number) == (
        BOB_ID,
        "Proceeding",
        CUSTOMER,
    )
    assert ringcentral.get_presence(rc, BOB_ID).telephony_status == "Ringing"
    simulator.control.answer_call(tsid)
    bob = ringcentral.get_presence(rc, BOB_ID)
    assert (bob.telephony_status, bob.presence_status) == ("CallConnected", "Busy")
    assert ringcentral.get_presence(rc, ALICE_ID).telephony_status == "NoCall"
    with pytest.raises(ringcentral.InvalidRequest) as caught:  # her party has left the call
        ringcentral.transfer(rc, telephony_session_id=tsid, party_id=party, extension_number="103")
    assert (caught.value.status, caught.value.error_code) == (409, "TAS-102")


def test_transfer_now_to_a_typed_number(rc, simulator):
    tsid, party = answered_call(rc, simulator)
    moved = ringcentral.transfer(rc, telephony_session_id=tsid, party_id=party, phone_number=EXTERNAL)
    assert moved.status_reason == "BlindTransfer"
    target = ringcentral.get_call_session(rc, tsid).parties[-1]
    assert (target.extension_id, target.to.phone_number) == ("", EXTERNAL)


def test_forward_a_ringing_call_to_a_number(rc, simulator):
    call = simulator.control.place_call(CUSTOMER, "101")
    tsid, party = call["telephonySessionId"], call["session"]["parties"][1]["id"]
    forwarded = ringcentral.forward(rc, telephony_session_id=tsid, party_id=party, phone_number=EXTERNAL)
    assert (forwarded.id, forwarded.status_code, forwarded.status_reason) == (
        party,
        "Disconnected",
        "BlindTransfer",
    )
    with pytest.raises(ringcentral.InvalidRequest) as caught:
        ringcentral.forward(rc, telephony_session_id=tsid, party_id=party, extension_number="102")
    assert caught.value.error_code == "TAS-102"


def test_ask_first_then_complete(rc, simulator):
    tsid, party = answered_call(rc, simulator)
    ringcentral.hold(rc, telephony_session_id=tsid, party_id=party)
    consult = ringcentral.call_out(rc, device_id=softphone(rc), to_extension_number="102")
    mine = consult.parties[0]
    assert (consult.origin_type, mine.extension_id, mine.from_.device_id) == (
        "CallOut",
        ALICE_ID,
        softphone(rc),
    )
    with pytest.raises(ringcentral.InvalidRequest) as caught:  # Bob has not picked up yet
        ringcentral.bridge(
            rc,
            telephony_session_id=tsid,
            party_id=party,
            consult_session_id=consult.id,
            consult_party_id=mine.id,
        )
    assert (caught.value.status, caught.value.error_code) == (409, "TAS-102")
    simulator.control.answer_call(consult.id)
    assert ringcentral.get_presence(rc, BOB_ID).telephony_status == "CallConnected"

    gone = ringcentral.bridge(
        rc, telephony_session_id=tsid, party_id=party, consult_session_id=consult.id, consult_party_id=mine.id
    )
    assert (gone.id, gone.status_code, gone.status_reason) == (party, "Gone", "AttendedTransfer")
    assert (gone.peer_telephony_session_id, gone.peer_party_id) == (consult.id, mine.id)
    with pytest.raises(ringcentral.NotFound):  # the consult call is over
        ringcentral.get_call_session(rc, consult.id)
    joined = ringcentral.get_call_session(rc, tsid).parties[-1]
    assert (joined.extension_id, joined.status_code, joined.from_.phone_number) == (
        BOB_ID,
        "Answered",
        CUSTOMER,
    )
    assert ringcentral.get_presence(rc, ALICE_ID).telephony_status == "NoCall"

    simulator.control.hang_up(tsid, side="caller")
    now = timezone.now()
    pages = ringcentral.call_log_pages(
        rc, date_from=now - timedelta(hours=1), date_to=now + timedelta(minutes=1), account_level=False
    )
    record = next(r for page in pages for r in page.records if r.telephony_session_id == tsid)
    assert [(leg.leg_type, leg.extension_id, leg.master) for leg in record.legs] == [
        ("PstnToSip", ALICE_ID, True),
        ("TransferCall", BOB_ID, False),
    ]
    assert {leg.transfer_target_session_id for leg in record.legs} == {consult.id}


def test_ask_first_declined_then_back_to_the_caller(rc, simulator):
    tsid, party = answered_call(rc, simulator)
    ringcentral.hold(rc, telephony_session_id=tsid, party_id=party)
    consult = ringcentral.call_out(rc, device_id=softphone(rc), to_extension_number="102")
    simulator.control.decline_call(consult.id)
    assert ringcentral.get_presence(rc, ALICE_ID).telephony_status == "OnHold"
    with pytest.raises(ringcentral.NotFound):
        ringcentral.bridge(
            rc,
            telephony_session_id=tsid,
            party_id=party,
            consult_session_id="s-00000000000000000000000000000000",
            consult_party_id=consult.parties[0].id,
        )
    assert ringcentral.unhold(rc, telephony_session_id=tsid, party_id=party).status_code == "Answered"


def test_call_out_takes_exactly_one_source_and_one_destination(rc):
    with pytest.raises(ringcentral.InvalidRequest, match="to_number or to_extension_number"):
        ringcentral.call_out(rc, device_id="1", to_number=EXTERNAL, to_extension_number="102")
    with pytest.raises(ringcentral.InvalidRequest, match="device_id or extension_id"):
        ringcentral.call_out(rc, to_extension_number="102")
    with pytest.raises(ringcentral.InvalidRequest) as caught:
        ringcentral.call_out(rc, device_id=softphone(rc), to_extension_number="999")
    assert caught.value.error_code == "CMN-101"


def test_the_colleague_picker_reads_everyones_presence_at_once(rc, simulator):
    answered_call(rc, simulator)
    everyone = {p.extension_id: p for p in ringcentral.list_presence(rc, per_page=2)}
    assert set(everyone) >= {ALICE_ID, BOB_ID}
    assert (everyone[ALICE_ID].telephony_status, everyone[ALICE_ID].presence_status) == (
        "CallConnected",
        "Busy",
    )
    assert (everyone[BOB_ID].telephony_status, everyone[BOB_ID].do_not_disturb) == ("NoCall", False)

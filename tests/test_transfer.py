"""Transfer now, Forward and Ask first against the simulator, through our services and ingest:
the caller moves, the colleague's call arrives on the caller's record with the transfer named,
the notes are shared, and RingCentral's refusals come back in plain words."""

import pytest

from callreports.calls import call_page
from telephony.models import Call
from telephony.transfer import services
from telephony.transfer.services import Target, TransferError
from telephony.transfer.state import Phase
from telephony.transfer.wizard_hooks import transfer_of, view_for
from telephony.wizard import composer
from telephony.wizard.call_control import call_control
from tests.transfer_support import ACME, Office


@pytest.fixture
def office(simulator, db):
    office = Office(simulator)
    yield office
    office.close()


def bob_target(office) -> Target:
    return Target(label="Bob Chen (ext. 102)", resource=office.bob, extension_number="102")


def answered(office) -> Call:
    """ACME calls alice, who answers in the wizard."""
    tsid = office.simulator.control.place_call(ACME, "101", from_name="ACME CORP")["telephonySessionId"]
    office.deliver()
    call = Call.objects.get(telephony_session_id=tsid, resource=office.alice)
    call_control(call=call, resource=office.alice, action="answer")
    office.deliver()
    call.refresh_from_db()
    assert call.state == Call.State.ON_CALL and call.customer == office.acme
    return call


def bobs_call(office, tsid: str) -> Call:
    return Call.objects.get(telephony_session_id=tsid, resource=office.bob)


def test_transfer_now_moves_the_caller_to_bob_on_the_same_record(office):
    call = answered(office)
    services.transfer_now(call=call, resource=office.alice, target=bob_target(office))
    office.deliver()

    call.refresh_from_db()
    assert call.state == Call.State.ENDED
    transfer = transfer_of(call)
    assert view_for(call, transfer).phase == Phase.TRANSFERRED
    bob = bobs_call(office, call.telephony_session_id)
    assert (bob.state, bob.customer, bob.transfer_id, bob.popped_up_at is not None) == (
        Call.State.RINGING,
        office.acme,
        transfer.pk,
        True,
    )
    html = composer.wizard_html(bob)
    assert "Transferred by <strong>Alice Martin</strong>" in html
    assert "ACME Corp" in html and "Who is calling?" not in html
    assert "Transferred to <strong>Bob Chen (ext. 102)</strong>" in composer.wizard_html(call)

    office.simulator.control.answer_call(call.telephony_session_id)
    office.deliver()
    bob.refresh_from_db()
    assert bob.state == Call.State.ON_CALL

    office.simulator.control.hang_up(call.telephony_session_id, side="caller")
    office.deliver()
    page = call_page(customer=office.acme, filters={})
    assert [row.pk for row in page.calls] == [call.pk]  # one call in ACME's history
    legs = page.calls[0].transfer_legs
    assert [(leg.resource, leg.state) for leg in legs] == [(office.bob, Call.State.ENDED)]
    assert legs[0].duration_seconds is not None


def test_forward_while_ringing(office):
    tsid = office.simulator.control.place_call(ACME, "101", from_name="ACME CORP")["telephonySessionId"]
    office.deliver()
    call = Call.objects.get(telephony_session_id=tsid, resource=office.alice)
    transfer = services.transfer_now(call=call, resource=office.alice, target=bob_target(office))
    assert transfer.kind == "forward"
    office.deliver()
    call.refresh_from_db()
    assert view_for(call, transfer).phase == Phase.TRANSFERRED
    assert bobs_call(office, tsid).customer == office.acme


def test_transfer_to_a_typed_number(office):
    call = answered(office)
    transfer = services.transfer_now(
        call=call, resource=office.alice, target=Target(label="(415) 555-0190", number="+14155550190")
    )
    office.deliver()
    call.refresh_from_db()
    assert view_for(call, transfer).phase == Phase.TRANSFERRED
    assert (
        not Call.objects.filter(telephony_session_id=call.telephony_session_id).exclude(pk=call.pk).exists()
    )


def test_ask_first_then_complete(office):
    call = answered(office)
    transfer = services.ask_first(call=call, resource=office.alice, target=bob_target(office))
    office.deliver()
    call.refresh_from_db()
    transfer.refresh_from_db()
    assert call.state == Call.State.ON_HOLD and transfer.consult_session_id
    assert view_for(call, transfer).phase == Phase.CALLING
    consult = Call.objects.get(telephony_session_id=transfer.consult_session_id, resource=office.bob)
    assert "Alice Martin</strong> wants to transfer <strong>ACME Corp (C-1000)</strong> to you" in (
        composer.wizard_html(consult)
    )
    ours = Call.objects.get(telephony_session_id=transfer.consult_session_id, resource=office.alice)
    assert ours.transfer_id == transfer.pk and ours.popped_up_at is None
    with pytest.raises(TransferError, match="has not answered yet"):
        services.complete_transfer(call=call, resource=office.alice)

    office.simulator.control.answer_call(transfer.consult_session_id)
    office.deliver()
    assert view_for(call, transfer).phase == Phase.CONSULTING
    services.complete_transfer(call=call, resource=office.alice)
    office.deliver()
    call.refresh_from_db()
    assert view_for(call, transfer).phase == Phase.TRANSFERRED
    bob = bobs_call(office, call.telephony_session_id)
    assert (bob.state, bob.customer, bob.transfer_id) == (Call.State.ON_CALL, office.acme, transfer.pk)


def test_ask_first_declined_then_back_to_the_caller(office):
    call = answered(office)
    transfer = services.ask_first(call=call, resource=office.alice, target=bob_target(office))
    office.deliver()
    transfer.refresh_from_db()
    office.simulator.control.decline_call(transfer.consult_session_id)
    office.deliver()
    call.refresh_from_db()
    assert view_for(call, transfer).phase == Phase.DECLINED
    services.back_to_caller(call=call, resource=office.alice)
    office.deliver()
    call.refresh_from_db()
    assert call.state == Call.State.ON_CALL
    assert view_for(call, transfer).phase == Phase.RETURNED


def test_refusals_come_back_in_plain_words_and_leave_nothing_behind(office):
    call = answered(office)
    office.simulator.control.hang_up(call.telephony_session_id, side="caller")
    with pytest.raises(TransferError, match="already ended"):
        services.transfer_now(call=call, resource=office.alice, target=bob_target(office))
    assert not Call.objects.filter(resource=office.bob).exists()
    call.refresh_from_db()
    assert call.transfer_id is None


def test_a_colleague_without_arcadium_still_gets_the_caller(office):
    office.bob.ringcentral_subscription.delete()  # bob does not listen in Arcadium
    call = answered(office)
    transfer = services.transfer_now(
        call=call, resource=office.alice, target=Target(label="ext. 102", extension_number="102")
    )
    office.deliver()
    call.refresh_from_db()
    assert view_for(call, transfer).phase == Phase.TRANSFERRED
    assert not Call.objects.filter(resource=office.bob).exists()
    assert office.simulator.control.call(call.telephony_session_id)["session"]["parties"][-1][
        "extensionId"
    ] == (office.bob.ringcentral_extension_id)


def test_ask_first_end_the_consult_then_back_to_the_caller(office):
    call = answered(office)
    transfer = services.ask_first(call=call, resource=office.alice, target=bob_target(office))
    office.deliver()
    transfer.refresh_from_db()
    office.simulator.control.answer_call(transfer.consult_session_id)
    office.deliver()
    services.hang_up_consult(call=call, resource=office.alice)
    office.deliver()
    call.refresh_from_db()
    assert (call.state, view_for(call, transfer).phase) == (Call.State.ON_HOLD, Phase.CONSULT_ENDED)
    with pytest.raises(TransferError, match=r"The call with Bob Chen \(ext. 102\) has ended"):
        services.complete_transfer(call=call, resource=office.alice)
    services.back_to_caller(call=call, resource=office.alice)
    office.deliver()
    call.refresh_from_db()
    assert (call.state, view_for(call, transfer).phase) == (Call.State.ON_CALL, Phase.RETURNED)

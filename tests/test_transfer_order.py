"""A transfer's state is read only from what RingCentral reported, so it must not depend on the
order events arrive in, on repeats, or on losing the ones a later event makes redundant: real
simulator streams of Ask first (completed, declined) and Transfer now, replayed through ingest
shuffled, duplicated and thinned, end as the same calls and the same phase."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony.models import Call, Transfer
from telephony.transfer import services
from telephony.transfer.services import Target
from telephony.transfer.state import Facts, Phase, phase
from telephony.transfer.wizard_hooks import view_for
from tests.test_transfer import answered
from tests.transfer_support import Office


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (Facts(warm=False, call_state="on_call", call_reason=""), Phase.REQUESTED),
        (Facts(warm=False, call_state="ended", call_reason="blindtransfer"), Phase.TRANSFERRED),
        (Facts(warm=False, call_state="ended", call_reason=""), Phase.CALL_ENDED),
        (Facts(warm=False, call_state="ended", call_reason="", received=True), Phase.TRANSFERRED),
        (Facts(warm=True, call_state="on_hold", call_reason=""), Phase.CALLING),
        (Facts(warm=True, call_state="on_hold", call_reason="", consult_state="on_call"), Phase.CONSULTING),
        (
            Facts(
                warm=True,
                call_state="on_hold",
                call_reason="",
                consult_state="on_call",
                colleague_state="ringing",
            ),
            Phase.CALLING,
        ),
        (
            Facts(
                warm=True,
                call_state="on_hold",
                call_reason="",
                consult_state="ended",
                colleague_state="missed",
            ),
            Phase.DECLINED,
        ),
        (Facts(warm=True, call_state="on_hold", call_reason="", consult_state="ended"), Phase.CONSULT_ENDED),
        (Facts(warm=True, call_state="on_call", call_reason="", consult_state="ended"), Phase.RETURNED),
        (
            Facts(warm=True, call_state="ended", call_reason="attendedtransfer", consult_state="ended"),
            Phase.TRANSFERRED,
        ),
    ],
)
def test_the_phase_is_a_function_of_what_ringcentral_reported(facts, expected):
    assert phase(facts) == expected


def _last_of_each_party(notifications: list[dict]) -> set[int]:
    last: dict[tuple[str, str], int] = {}
    for index, n in enumerate(notifications):
        last[(n["body"]["telephonySessionId"], n["body"]["parties"][0]["id"])] = index
    return set(last.values())


def record(office: Office, how: str) -> tuple[int, int, list[dict]]:
    """Play one transfer on the simulator; deliver only what came before it, keep the rest."""
    call = answered(office)
    bob = Target(label="Bob Chen (ext. 102)", resource=office.bob, extension_number="102")
    if how == "now":
        transfer = services.transfer_now(call=call, resource=office.alice, target=bob)
        office.simulator.control.answer_call(call.telephony_session_id)
    else:
        transfer = services.ask_first(call=call, resource=office.alice, target=bob)
        transfer.refresh_from_db()
        if how == "complete":
            office.simulator.control.answer_call(transfer.consult_session_id)
            office.settle()
            services.complete_transfer(call=call, resource=office.alice)
        else:
            office.simulator.control.decline_call(transfer.consult_session_id)
    found = office.settle()
    return call.pk, transfer.pk, found[office.delivered :]


@pytest.fixture(params=["now", "complete", "decline"])
def played(request, simulator, db):
    office = Office(simulator)
    yield (office, *record(office, request.param), request.param)
    office.close()


EXPECTED = {
    "now": (Call.State.ENDED, Phase.TRANSFERRED),
    "complete": (Call.State.ENDED, Phase.TRANSFERRED),
    "decline": (Call.State.ON_HOLD, Phase.DECLINED),
}


@pytest.mark.timeout(600)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_shuffled_repeated_and_thinned_events_give_the_same_transfer(data, played):
    office, call_pk, transfer_pk, stream, how = played
    keep = _last_of_each_party(stream)
    kept = [n for i, n in enumerate(stream) if i in keep or data.draw(st.booleans(), label=f"keep {i}")]
    repeats = data.draw(st.lists(st.sampled_from(kept), max_size=4), label="repeats") if kept else []
    order = data.draw(st.permutations(kept + repeats), label="order")
    fresh = data.draw(st.booleans(), label="repeats under new uuids")
    with transaction.atomic():
        savepoint = transaction.savepoint()
        try:
            office.deliver(order, fresh_uuids=fresh)
            call = Call.objects.get(pk=call_pk)
            transfer = Transfer.objects.get(pk=transfer_pk)
            assert (call.state, view_for(call, transfer).phase) == EXPECTED[how]
            legs = Call.objects.filter(entity=office.entity).exclude(pk=call_pk)
            if transfer.consult_session_id:  # every consult row knows its transfer
                consult = legs.filter(telephony_session_id=transfer.consult_session_id)
                assert all(row.transfer_id == transfer.pk for row in consult)
                assert not consult.filter(resource=office.alice, popped_up_at__isnull=False).exists()
            if how != "decline":  # bob's party of the caller's call: on ACME, linked, popped once
                received = legs.get(telephony_session_id=call.telephony_session_id, resource=office.bob)
                assert (received.customer, received.transfer_id) == (office.acme, transfer.pk)
                assert received.state == Call.State.ON_CALL
        finally:
            transaction.savepoint_rollback(savepoint)

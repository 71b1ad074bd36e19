"""State rules of transfers and warm transfer in the simulator's state machine, over any order of
the actions people and the API take (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from telephony.simulator.voice.machine import CONNECTED, LIVE, CallControlError, CallSession, Endpoint, bridge

ACC = "37439510"
ALICE = Endpoint(phone_number="+16505550101", name="Alice Martin", extension_id="62264001")
BOB = Endpoint(phone_number="+16505550102", name="Bob Chen", extension_id="62264002")
CAROL = Endpoint(phone_number="+16505550103", name="Carol Diaz", extension_id="62264003")
CUSTOMER = Endpoint(phone_number="+12125550100", name="ACME CORP")


def held_and_consult() -> tuple[CallSession, CallSession]:
    """ACME's call answered by Alice (-2), and Alice's consult call ringing Bob (-2; Alice is -1)."""
    held = CallSession.new(account_id=ACC)
    alice = held.start_inbound(caller=CUSTOMER, callee=ALICE)
    held.answer(alice.id)
    consult = CallSession.new(account_id=ACC, origin_type="CallOut")
    consult.start_internal(caller=ALICE, callee=BOB)
    return held, consult


def p(session: CallSession, n: int) -> str:
    return f"p-{session.telephony_session_id[2:]}-{n}"


ACTIONS = {
    "hold": lambda a, b: a.hold(p(a, 2)),
    "unhold": lambda a, b: a.unhold(p(a, 2)),
    "bob answers": lambda a, b: b.answer(p(b, 2)),
    "bob declines": lambda a, b: b.reject(p(b, 2)),
    "bob times out": lambda a, b: b.ring_timeout(p(b, 2)),
    "alice ends the consult": lambda a, b: b.drop(),
    "bob hangs up": lambda a, b: b.hang_up(p(b, 2)),
    "caller hangs up": lambda a, b: a.hang_up(p(a, 1)),
    "transfer now": lambda a, b: a.transfer(p(a, 2), target=CAROL),
    "complete": lambda a, b: bridge(a, p(a, 2), b, p(b, 1)),
    "target answers": lambda a, b: a.answer(a.parties[-1].id),
}


def check_session(session: CallSession) -> None:
    assert [e.sequence for e in session.events] == list(range(1, len(session.events) + 1))
    assert session.ended == (not session.live_parties())
    for party in session.parties:
        codes = [e.party["status"]["code"] for e in session.events if e.party["id"] == party.id]
        assert all(code in LIVE for code in codes[:-1])  # nothing after Disconnected / Gone
        assert (party.status == "Gone") == bool(party.peer)


def check_peers(a: CallSession, b: CallSession) -> None:
    sessions = {a.telephony_session_id: a, b.telephony_session_id: b}
    for session in (a, b):
        for party in (x for x in session.parties if x.status == "Gone"):
            other = sessions[party.peer["telephonySessionId"]]
            assert other is not session and party.peer["sessionId"] == other.telephony_session_id
            assert other.party(party.peer["partyId"])  # the peer exists


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(sorted(ACTIONS)), max_size=8))
def test_any_order_of_actions_keeps_the_call_consistent(steps):
    held, consult = held_and_consult()
    for step in steps:
        before = (held.to_state(), consult.to_state())
        try:
            ACTIONS[step](held, consult)
        except CallControlError as exc:
            assert (exc.status, exc.error_code) in {(409, "TAS-102"), (404, "CMN-102")}
            assert (held.to_state(), consult.to_state()) == before  # a refused action changes nothing
        check_session(held)
        check_session(consult)
        check_peers(held, consult)
        assert held.caller().status != "Gone"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["hold", "unhold"]), max_size=3))
def test_a_completed_transfer_leaves_the_caller_talking_to_the_target(holds):
    held, consult = held_and_consult()
    for step in holds:
        ACTIONS[step](held, consult)
    consult.answer(p(consult, 2))
    before = (len(held.events), len(consult.events))
    bridge(held, p(held, 2), consult, p(consult, 1))
    new_held = [(e.party["id"][-1], e.party["status"]["code"]) for e in held.events[before[0] :]]
    new_consult = [(e.party["id"][-1], e.party["status"]["code"]) for e in consult.events[before[1] :]]
    assert new_held == [("2", "Gone"), ("3", "Answered")]
    assert new_consult == [("1", "Disconnected"), ("2", "Gone")]
    assert consult.ended and not held.ended
    talking = [x for x in held.parties if x.status in CONNECTED]
    assert [(x.role, x.extension_id) for x in talking] == [("caller", ""), ("target", BOB.extension_id)]
    assert held.parties[-1].from_ == CUSTOMER

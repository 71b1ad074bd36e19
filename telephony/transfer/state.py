"""What a transfer is doing, read only from what RingCentral reported about the calls.

A transfer row says what was asked (to whom, how); its progress is a function of the calls'
states, which `ingest/call_state.py` derives from the events seen in any order, repeated or
missing. So the phase here is order-free too, and a lost event leaves a phase RingCentral's
next event (or reconcile) corrects, never one we made up.
"""

from dataclasses import dataclass
from enum import StrEnum

from telephony.models import Call

TRANSFER_REASONS = {"blindtransfer", "attendedtransfer"}
DECLINED_RESULTS = {"Rejected", "Missed", "Voicemail", "No Answer", "Busy"}


class Phase(StrEnum):
    REQUESTED = "requested"  # asked; RingCentral has not reported the caller leaving us yet
    CALLING = "calling"  # Ask first: the consult call rings the colleague, the caller is on hold
    CONSULTING = "consulting"  # Ask first: talking to the colleague, the caller is on hold
    DECLINED = "declined"  # Ask first: the colleague did not take the consult call
    CONSULT_ENDED = "consult_ended"  # Ask first: the consult call is over, the caller still held
    RETURNED = "returned"  # back with the caller: the transfer is over without moving them
    TRANSFERRED = "transferred"  # the caller left us for the colleague
    CALL_ENDED = "call_ended"  # the caller hung up before the transfer


@dataclass(frozen=True)
class Facts:
    """The few facts a phase depends on (kept apart from the ORM so rules are plain to test)."""

    warm: bool
    call_state: str
    call_reason: str  # the reason of the newest event of our party ("blindtransfer"…)
    consult_state: str = ""  # our party of the consult call; "" while RingCentral has not reported it
    # The colleague's party of the consult call, when they listen in Arcadium ("" otherwise): our
    # own party of a call-out is answered as soon as our device is, so only theirs says they took it.
    colleague_state: str = ""
    colleague_result: str = ""
    received: bool = False  # the colleague's party in the caller's session was reported


ENDED = (Call.State.ENDED, Call.State.MISSED)
RINGING = (Call.State.DIALLING, Call.State.RINGING)


def newest_reason(call: Call) -> str:
    parties = [p for p in call.party_sequences.values() if isinstance(p, dict) and "seq" in p]
    newest = max(parties, key=lambda p: p["seq"], default={})
    return str(newest.get("reason", ""))


def facts_of(
    *,
    warm: bool,
    call: Call,
    consult: Call | None = None,
    colleague: Call | None = None,
    received: bool = False,
) -> Facts:
    return Facts(
        warm=warm,
        call_state=str(call.state),
        call_reason=newest_reason(call),
        consult_state=str(consult.state) if consult else "",
        colleague_state=str(colleague.state) if colleague else "",
        colleague_result=colleague.result if colleague else "",
        received=received,
    )


def phase(facts: Facts) -> Phase:
    if facts.call_state in ENDED:
        moved = facts.call_reason in TRANSFER_REASONS or facts.received
        return Phase.TRANSFERRED if moved else Phase.CALL_ENDED
    if not facts.warm:
        return Phase.REQUESTED
    declined = facts.colleague_state == Call.State.MISSED or facts.colleague_result in DECLINED_RESULTS
    if facts.consult_state in ENDED:
        if facts.call_state == Call.State.ON_CALL:
            return Phase.RETURNED  # off hold again: the caller is with us, whatever the consult did
        return Phase.DECLINED if declined else Phase.CONSULT_ENDED
    if declined:
        return Phase.DECLINED
    if not facts.consult_state or facts.consult_state in RINGING or facts.colleague_state in RINGING:
        return Phase.CALLING
    return Phase.CONSULTING

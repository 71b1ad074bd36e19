"""How a RingCentral party status changes our Call: the state mapping, in one place.

Rules (API.md §4): each notification carries the party that changed with a per-session
`sequence`; events can arrive out of order, so a party's event older than the last one applied
for that party is ignored. `Hold` is reported for the party that holds; unhold shows `Answered`
again. `Disconnected` with reason `Pickup`/`CallSwitch` means the call moved, not that it ended.
"""

from datetime import datetime

from telephony.ingest.notifications import PartyChange
from telephony.models import Call

RINGING_CODES = {"setup", "proceeding"}
ENDED_CODES = {"disconnected", "gone"}
VOICEMAIL_CODES = {"voicemail", "voicemailscreening"}
MOVED_REASONS = {"pickup", "callswitch"}
BUSY_REASONS = {"targetbusy", "busy"}


def is_stale(call: Call, party: PartyChange, sequence: int) -> bool:
    return call.party_sequences.get(party.party_id, -1) >= sequence


def apply_party_change(call: Call, party: PartyChange, sequence: int, at: datetime) -> bool:
    """Apply one of our resource's party changes to the call; returns whether the call changed.

    Times are facts whatever the order they arrive in (the earliest answer is the answer time);
    the state only moves forward in the party's sequence.
    """
    code = party.status_code.lower()
    changed = _merge_times(call, code, at)
    if is_stale(call, party, sequence):
        return changed
    call.party_sequences = {**call.party_sequences, party.party_id: sequence}
    call.party_id = call.party_id or party.party_id
    call.muted = party.muted
    call.recording_id = next(iter(party.recording_ids), call.recording_id)
    if code in RINGING_CODES:
        if call.answered_at is None and not call.is_ended:
            call.state = _ringing_state(call, code)
    elif code == "answered":
        call.state = Call.State.ON_CALL
    elif code == "hold":
        call.state = Call.State.ON_HOLD
    elif code in VOICEMAIL_CODES:
        _end(call, at, missed=True, result="Voicemail")
    elif code in ENDED_CODES and party.status_reason.lower() not in MOVED_REASONS:
        _end(call, at, **_end_outcome(call, party))
    _update_duration(call)
    return True


def _ringing_state(call: Call, code: str) -> str:
    # Our own outbound call: "Setup" is the dialling, "Proceeding" the far end ringing.
    if call.direction == Call.Direction.OUTBOUND and code == "setup":
        return Call.State.DIALLING
    return Call.State.RINGING


def _end_outcome(call: Call, party: PartyChange) -> dict:
    if call.answered_at is not None:
        return {"missed": False, "result": "Accepted"}
    if call.direction == Call.Direction.OUTBOUND:  # nobody picked up: not a missed call of ours
        busy = party.status_reason.lower() in BUSY_REASONS
        return {"missed": False, "result": "Busy" if busy else "No Answer"}
    return {"missed": True, "result": "Missed"}


def _merge_times(call: Call, code: str, at: datetime) -> bool:
    before = (call.started_at, call.answered_at)
    if call.started_at is None or at < call.started_at:
        call.started_at = at
    if code in ("answered", "hold") and (call.answered_at is None or at < call.answered_at):
        call.answered_at = at
        if call.state == Call.State.MISSED:  # an answer we had not seen yet: it was not missed
            call.state, call.result = Call.State.ENDED, "Accepted"
    _update_duration(call)
    return (call.started_at, call.answered_at) != before


def _update_duration(call: Call) -> None:
    if call.answered_at and call.ended_at and call.state == Call.State.ENDED:
        call.duration_seconds = max(0, int((call.ended_at - call.answered_at).total_seconds()))


def _end(call: Call, at: datetime, *, missed: bool, result: str) -> None:
    if call.is_ended:
        return
    call.state = Call.State.MISSED if missed else Call.State.ENDED
    call.ended_at = at
    call.result = call.result or result

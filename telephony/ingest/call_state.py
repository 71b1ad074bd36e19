"""How RingCentral party events make our Call's state: one function of the events seen, in any order.

RingCentral does not promise order, delivers some events twice and loses some (API.md §4). So
nothing here depends on the order events arrive in:

- per party of ours we keep what we know (`Call.party_sequences`): its newest event (highest
  per-session `sequence`: code, reason, mute) and facts that stay true once seen (it was
  answered, it went to voicemail, RingCentral flagged it missed);
- the call's times are facts merged with min(): `started_at` is the first event of our party
  (the call reached the user's extension), `answered_at` the first `Answered`/`Hold`; `ended_at`
  is the first end (`VoiceMail`, or `Disconnected`/`Gone` that is not a move) of the party that
  ended last;
- the state and result are then *derived* from those (`_settle`), so applying the same events in
  any order, any number of times, gives the same call.

`Hold` is reported for the party that holds; unhold shows `Answered` again. `Disconnected` with
reason `Pickup`/`CallSwitch` means the call moved, not that it ended. Results use the words of
RingCentral's call log ("Accepted", "Call connected", "Missed", "Voicemail", "No Answer"…) so the
log, when it arrives, confirms them instead of changing them (see `Call`'s field ownership).
"""

from datetime import datetime

from telephony.ingest.notifications import PartyChange
from telephony.models import Call

RINGING_CODES = {"setup", "proceeding"}
ANSWERED_CODES = {"answered", "hold"}
ENDED_CODES = {"disconnected", "gone"}
VOICEMAIL_CODES = {"voicemail", "voicemailscreening"}
MOVED_REASONS = {"pickup", "callswitch"}
BUSY_REASONS = {"targetbusy", "busy"}
# An inbound party that hangs up plainly, not flagged `missedCall`, had been answered: so a lost
# `Answered` event still leaves an answered call (its answer time stays unknown). Transfers are
# not read so: RingCentral reports a forward of a ringing call as `BlindTransfer` too.
HANG_UP_REASONS = {"", "callfinished"}
# What we keep of a call, compared before and after an event to tell "changed" from "stale".
WATCHED = (
    "state",
    "result",
    "started_at",
    "answered_at",
    "ended_at",
    "duration_seconds",
    "muted",
    "party_id",
    "recording_id",
    "from_name",
    "to_name",
    "party_sequences",
)


def _snapshot(call: Call) -> tuple:
    return tuple(getattr(call, name) for name in WATCHED)


def _known(call: Call, party_id: str) -> dict:
    known = call.party_sequences.get(party_id)
    if isinstance(known, int):  # rows stored before facts were kept: only the sequence
        return {"seq": known}
    return dict(known or {})


def apply_party_change(call: Call, party: PartyChange, sequence: int, at: datetime) -> bool:
    """Add one event of our resource's party to the call; returns whether the call changed."""
    before = _snapshot(call)
    code = party.status_code.lower()
    known = _known(call, party.party_id)
    known["answered"] = known.get("answered", False) or code in ANSWERED_CODES or _hung_up_after_answer(party)
    known["voicemail"] = known.get("voicemail", False) or code in VOICEMAIL_CODES
    known["missed"] = known.get("missed", False) or party.missed_call
    if _ends(code, party.status_reason.lower()) and ("end" not in known or at < _time(known["end"])):
        known["end"] = at.isoformat()  # the party's first end (voicemail, then its hang-up)
    if known.get("seq", -1) < sequence:  # the party's newest event decides its code and mute
        known.update(seq=sequence, code=code, reason=party.status_reason.lower(), muted=party.muted)
    call.party_sequences = {**call.party_sequences, party.party_id: known}
    _merge_times(call, code, at)
    call.from_name = call.from_name or party.from_name
    call.to_name = call.to_name or party.to_name
    call.recording_id = call.recording_id or next(iter(party.recording_ids), "")
    _settle(call)
    return _snapshot(call) != before


def _hung_up_after_answer(party: PartyChange) -> bool:
    return (
        party.direction.lower() == "inbound"
        and party.status_code.lower() in ENDED_CODES
        and party.status_reason.lower() in HANG_UP_REASONS
        and not party.missed_call
    )


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _merge_times(call: Call, code: str, at: datetime) -> None:
    if call.started_at is None or at < call.started_at:
        call.started_at = at
    if code in ANSWERED_CODES and (call.answered_at is None or at < call.answered_at):
        call.answered_at = at


def _ends(code: str, reason: str) -> bool:
    return code in VOICEMAIL_CODES or (code in ENDED_CODES and reason not in MOVED_REASONS)


def _settle(call: Call) -> None:
    """State, result and talk time from what we know of our parties (never from arrival order)."""
    parties = {pid: known for pid, known in call.party_sequences.items() if isinstance(known, dict)}
    newest_id = max((p for p in parties if "code" in parties[p]), key=lambda p: parties[p]["seq"], default="")
    if not newest_id:
        return
    newest = parties[newest_id]
    call.party_id, call.muted = newest_id, newest.get("muted", False)
    answered = call.answered_at is not None or any(p.get("answered") for p in parties.values())
    if call.call_log_id and call.is_ended:
        pass  # RingCentral's log says the call is over and how it ended: it owns state and result
    elif _ends(newest["code"], newest.get("reason", "")):
        missed = call.direction == Call.Direction.INBOUND and not answered
        call.state = Call.State.MISSED if missed else Call.State.ENDED
        call.result = _result(call, parties, newest, answered=answered)
        # The call ends when its last party of ours does: that party's first end.
        call.ended_at = _time(newest["end"]) if "end" in newest else call.ended_at
    elif answered and newest["code"] != "hold":
        call.state = Call.State.ON_CALL
    elif answered:
        call.state = Call.State.ON_HOLD
    elif call.direction == Call.Direction.OUTBOUND and newest["code"] == "setup":
        call.state = Call.State.DIALLING  # our own outbound call: "Setup" dials, "Proceeding" rings
    else:
        call.state = Call.State.RINGING
    if not call.is_ended:
        call.result, call.ended_at, call.duration_seconds = "", None, None
    if call.answered_at and call.ended_at and call.state == Call.State.ENDED:
        call.duration_seconds = max(0, int((call.ended_at - call.answered_at).total_seconds()))


def _result(call: Call, parties: dict, newest: dict, *, answered: bool) -> str:
    """The result in the call log's own words, so that the log confirms it when it arrives."""
    inbound = call.direction == Call.Direction.INBOUND
    if answered:
        return "Accepted" if inbound else "Call connected"
    if any(p.get("voicemail") for p in parties.values()):
        return "Voicemail"
    reason = newest.get("reason", "")
    if not inbound:
        return "Busy" if reason in BUSY_REASONS else "No Answer"
    return "Rejected" if reason == "rejected" else "Missed"

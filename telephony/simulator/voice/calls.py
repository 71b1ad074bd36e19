"""Simulated calls: placing them, acting on them, their timers and their end (call-log record).

Every change goes through `act()`: lock the call (one process, so a per-call lock is enough),
load its `CallSession`, apply the action, save, then publish the new events and, if the call is
over, write its call-log record. Timers (answer after S, hang up after S, ring timeout) are
threads inside the simulator process that call `act()` like any API request does.
"""

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from django.db import close_old_connections
from django.utils import timezone

from telephony.simulator.platform.calllog import record_finished_call
from telephony.simulator.platform.models import Account, Device, Extension

from . import clock, delivery, knobs
from .machine import RINGING, CallControlError, CallSession, Endpoint, Party, not_found, parse_iso
from .models import Call, Presence

log = logging.getLogger(__name__)

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class CallRequestError(ValueError):
    """Bad input to the control API (unknown extension, conflicting options)."""


def _lock_for(telephony_session_id: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(telephony_session_id, threading.Lock())


def load(telephony_session_id: str) -> tuple[Call, CallSession]:
    call = Call.objects.filter(telephony_session_id=telephony_session_id).first()
    if call is None:
        raise not_found("telephonySessionId")
    return call, CallSession.from_state(call.state)


def act(telephony_session_id: str, action: Callable[[CallSession], object], *, account_id: str | None = None):
    """Apply `action(session)` under the call's lock; publish what it changed. Returns its result."""
    with _lock_for(telephony_session_id):
        call, session = load(telephony_session_id)
        if account_id is not None and call.account_id != account_id:
            raise not_found("telephonySessionId")
        before = len(session.events)
        result = action(session)
        _save(call, session)
        delivery.publish_call_events(session=session, events=session.events[before:])
        _after_change(call, session)
        return result


def _save(call: Call, session: CallSession) -> None:
    call.state = session.to_state()
    call.live = not session.ended
    if session.ended and call.ended is None:
        call.ended = parse_iso(session.ended_at)
    call.save(update_fields=["state", "live", "ended"])


def _create(session: CallSession, *, kind: str, options: dict) -> Call:
    call = Call.objects.create(
        telephony_session_id=session.telephony_session_id,
        session_id=session.session_id,
        account_id=session.account_id,
        kind=kind,
        state=session.to_state(),
        options=options,
    )
    delivery.publish_call_events(session=session, events=list(session.events))
    return call


# -- placing calls -------------------------------------------------------------------------------


def _account() -> Account:
    account = Account.objects.order_by("id").first()
    if account is None:
        raise CallRequestError("the simulator has no account yet; reset/seed it first")
    return account


def find_extension(number_or_id: str, *, account: Account | None = None) -> Extension:
    account = account or _account()
    value = str(number_or_id).strip()
    extension = (
        Extension.objects.filter(account=account, extension_number=value).first()
        or Extension.objects.filter(account=account, id=value).first()
    )
    if extension is None:
        raise CallRequestError(f"no extension {value!r} in account {account.id}")
    return extension


def _endpoint(extension: Extension) -> Endpoint:
    number = extension.phone_number or extension.account.main_number
    return Endpoint(phone_number=number, name=extension.name, extension_id=extension.id)


def extension_endpoint(number_or_id: str) -> Endpoint:
    """A seeded user as a call's endpoint (for transfers and forwards to them)."""
    return _endpoint(find_extension(number_or_id))


def _check_timing(*, answer_after, hangup_after, ring_timeout, missed) -> dict:
    options = {}
    for name, value in (
        ("answer_after", answer_after),
        ("hangup_after", hangup_after),
        ("ring_timeout", ring_timeout),
    ):
        if value is None:
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise CallRequestError(f"{name} must be a number of seconds") from None
        if value < 0:
            raise CallRequestError(f"{name} must not be negative")
        options[name] = value
    if missed and "answer_after" in options:
        raise CallRequestError("a missed call cannot also be answered (answer_after)")
    return options


def place_inbound_call(
    *,
    from_number: str,
    to_extension: str,
    from_name: str = "",
    answer_after: float | None = None,
    hangup_after: float | None = None,
    ring_timeout: float | None = None,
    record: bool = False,
    missed: bool = False,
    voicemail: bool = False,
) -> Call:
    """A PSTN caller rings a user (caller Setup, user Setup → Proceeding), with optional timers."""
    if not from_number or not str(from_number).startswith("+") or not str(from_number)[1:].isdigit():
        raise CallRequestError("from must be an E.164 number such as +15145550100")
    extension = find_extension(to_extension)
    options = _check_timing(
        answer_after=answer_after, hangup_after=hangup_after, ring_timeout=ring_timeout, missed=missed
    )
    options.update(record=bool(record), missed=bool(missed), voicemail=bool(voicemail))
    session = CallSession.new(account_id=extension.account_id)
    caller = Endpoint(phone_number=from_number, name=from_name)
    if Presence.of(extension.id).do_not_disturb:
        # Do Not Disturb: RingCentral does not ring the user; the caller reaches their voicemail.
        session.start_inbound_to_voicemail(caller=caller, callee=_endpoint(extension))
        call = _create(session, kind="inbound", options={**options, "voicemail": True, "dnd": True})
        _schedule(knobs.get("voicemail_length"), caller_hang_up, call.telephony_session_id)
        return call
    session.start_inbound(caller=caller, callee=_endpoint(extension))
    call = _create(session, kind="inbound", options=options)
    _start_timers(call)
    return call


def place_internal_call(
    *,
    from_extension: str,
    to_extension: str,
    answer_after: float | None = None,
    hangup_after: float | None = None,
    ring_timeout: float | None = None,
    missed: bool = False,
) -> Call:
    caller, callee = find_extension(from_extension), find_extension(to_extension)
    if caller.id == callee.id:
        raise CallRequestError("an extension cannot call itself")
    options = _check_timing(
        answer_after=answer_after, hangup_after=hangup_after, ring_timeout=ring_timeout, missed=missed
    )
    options.update(record=False, missed=bool(missed), voicemail=False)
    session = CallSession.new(account_id=caller.account_id)
    session.start_internal(caller=_endpoint(caller), callee=_endpoint(callee))
    call = _create(session, kind="internal", options=options)
    _start_timers(call)
    return call


def place_outbound_call(
    *,
    extension: Extension,
    to_number: str,
    origin_type: str = "Call",
    kind: str = "outbound",
    options: dict | None = None,
) -> Call:
    """The user calls a PSTN number (call-out, RingOut): the far end rings until answered by control."""
    session = CallSession.new(account_id=extension.account_id, origin_type=origin_type)
    session.start_outbound(caller=_endpoint(extension), callee=Endpoint(phone_number=to_number))
    options = {"record": False, "missed": False, "voicemail": False, **(options or {})}
    if knobs.get("outbound_answer_after") > 0:
        options.setdefault("answer_after", knobs.get("outbound_answer_after"))
    call = _create(session, kind=kind, options=options)
    _start_timers(call)
    return call


def place_call_from_device(
    *,
    from_extension: str,
    to_number: str,
    device: str = "HardPhone",
    answer_after: float | None = None,
    hangup_after: float | None = None,
    ring_timeout: float | None = None,
) -> Call:
    """The user dials a PSTN number on a device of theirs (desk phone, the RingCentral app), not
    through the API: origin `Call`, the user's party Outbound from that device."""
    extension = find_extension(from_extension)
    if not to_number or not str(to_number).startswith("+") or not str(to_number)[1:].isdigit():
        raise CallRequestError("to must be an E.164 number such as +12125550100")
    found = Device.objects.filter(extension=extension, type=device).first()
    if found is None:
        raise CallRequestError(f"extension {extension.extension_number} has no {device} device")
    options = _check_timing(
        answer_after=answer_after, hangup_after=hangup_after, ring_timeout=ring_timeout, missed=False
    )
    options.update(record=False, missed=False, voicemail=False, device=found.id)
    session = CallSession.new(account_id=extension.account_id)
    caller = _endpoint(extension)
    caller.device_id = found.id
    session.start_outbound(caller=caller, callee=Endpoint(phone_number=str(to_number)))
    call = _create(session, kind="outbound", options=options)
    _start_timers(call)
    return call


# -- timers ----------------------------------------------------------------------------------------


def _schedule(delay: float, func: Callable, *args) -> None:
    def run() -> None:
        try:
            func(*args)
        except CallControlError:
            pass  # the call moved on (answered, hung up) before the timer fired
        finally:
            close_old_connections()

    clock.call_later(delay, run)


def cancel_timers() -> None:
    clock.cancel_all()


def _start_timers(call: Call) -> None:
    # Timers act on whichever party rings when they fire, so a forwarded call is still answered
    # or timed out on its new target.
    options = call.options
    tsid = call.telephony_session_id
    if options.get("missed"):
        _schedule(options.get("hangup_after", 3.0), caller_hang_up, tsid)
    elif "answer_after" in options:
        _schedule(options["answer_after"], answer_on_device, tsid, None, "HardPhone")
    _schedule(options.get("ring_timeout", knobs.get("ring_timeout")), ring_timeout, tsid, None)


def _after_change(call: Call, session: CallSession) -> None:
    options = call.options
    if session.ended:
        if not call.call_log_ids:
            finish(call, session)
        return
    wants_hangup = (
        "hangup_after" in options and not options.get("missed") and not options.get("hangup_scheduled")
    )
    if wants_hangup and session.answered_party() is not None:
        options["hangup_scheduled"] = True
        Call.objects.filter(pk=call.pk).update(options=options)
        _schedule(options["hangup_after"], caller_hang_up, call.telephony_session_id)


def ring_timeout(telephony_session_id: str, party_id: str | None = None) -> None:
    """Nobody picked up in time: voicemail if asked for, else a missed call."""
    call = Call.objects.filter(pk=telephony_session_id).first()
    if call is None or not call.live:
        return

    def timeout(session: CallSession) -> None:
        party = session.party(party_id) if party_id else _ringing_party(session, required=False)
        if party is None or party.status not in RINGING:
            return
        if call.options.get("voicemail"):
            session.to_voicemail(party.id)
            _schedule(knobs.get("voicemail_length"), caller_hang_up, telephony_session_id)
        else:
            session.ring_timeout(party.id)

    act(telephony_session_id, timeout)


def caller_hang_up(telephony_session_id: str) -> Party:
    return act(telephony_session_id, lambda s: s.hang_up(s.caller().id))


def party_hang_up(telephony_session_id: str, party_id: str) -> Party:
    return act(telephony_session_id, lambda s: s.hang_up(party_id))


def answer_on_device(
    telephony_session_id: str, party_id: str | None, device_type: str = "HardPhone"
) -> Party:
    """The user picks up on a device of theirs (desk phone by default), as a person would."""

    def answer(session: CallSession) -> Party:
        party = session.party(party_id) if party_id else _ringing_party(session)
        device = ""
        if party.extension_id:
            found = Device.objects.filter(extension_id=party.extension_id, type=device_type).first()
            found = found or Device.objects.filter(extension_id=party.extension_id).first()
            device = found.id if found else ""
        return session.answer(party.id, device_id=device)

    return act(telephony_session_id, answer)


def _ringing_party(session: CallSession, *, required: bool = True) -> Party | None:
    if session.ended and required:
        raise not_found("telephonySessionId")
    for party in session.parties:
        if party.role != "caller" and party.status in RINGING:
            return party
    if required:
        raise CallControlError(409, "TAS-102", "Incorrect State")
    return None


# -- the end of a call -----------------------------------------------------------------------------


def _result(party: Party, voicemail_parties: set[str]) -> tuple[str, str]:
    """(result, action) of one party's call-log record."""
    if party.answered_at:
        return ("Call connected", "VoIP Call") if party.role == "caller" else ("Accepted", "Phone Call")
    if party.role == "caller":
        return "No Answer", "VoIP Call"
    if party.id in voicemail_parties:
        return "Voicemail", "Phone Call"
    if party.reason == "Rejected":
        return "Rejected", "Phone Call"
    return "Missed", "Phone Call"


def finish(call: Call, session: CallSession) -> None:
    """Write one call-log record per extension party of the finished call."""
    ids = []
    went_to_voicemail = {e.party["id"] for e in session.events if e.party["status"]["code"] == "VoiceMail"}
    for party in session.parties:
        if not party.extension_id:
            continue
        result, action = _result(party, went_to_voicemail)
        if call.kind == "ringout" and party.role == "caller":
            action = "RingOut Web"
        start = parse_iso(session.creation_time)
        end = parse_iso(party.ended_at or session.ended_at)
        duration = (end - start).total_seconds()
        record = record_finished_call(
            telephony_session_id=session.telephony_session_id,
            session_id=session.session_id,
            party_id=party.id,
            direction=party.direction,
            from_number=party.from_.phone_number,
            from_name=party.from_.name,
            from_extension_number=_ext_number(party.from_.extension_id),
            to_number=party.to.phone_number,
            to_name=party.to.name,
            to_extension_number=_ext_number(party.to.extension_id),
            extension=party.extension_id,
            start_time=start,
            duration=max(0.0, duration),
            result=result,
            action=action,
            recorded=bool(call.options.get("record")) and bool(party.answered_at),
            transport="PSTN" if call.kind in ("inbound", "outbound", "ringout") else "VoIP",
        )
        ids.append(record.id)
    call.call_log_ids = ids
    Call.objects.filter(pk=call.pk).update(call_log_ids=ids)


def _ext_number(extension_id: str) -> str:
    if not extension_id:
        return ""
    return Extension.objects.filter(id=extension_id).values_list("extension_number", flat=True).first() or ""


def prune(*, older_than: timedelta = timedelta(days=1)) -> int:
    deleted, _ = Call.objects.filter(live=False, ended__lt=timezone.now() - older_than).delete()
    return deleted

"""Simulated calls: placing them, acting on them, their timers and their end.

Every change goes through `act()` (or `bridge_calls()`, which changes two calls at once): lock
the call (one process, so a per-call lock is enough), load its `CallSession`, apply the action,
save, then publish the new events and, if the call is over, write its call-log records
(`records.finish`). Timers (answer after S, hang up after S, ring timeout) run on the clock
thread and call `act()` like any API request does.
"""

import logging
import threading
from collections.abc import Callable
from contextlib import ExitStack
from datetime import timedelta

from django.db import close_old_connections
from django.utils import timezone

from telephony.simulator.platform.messages import complete_transcription, create_voicemail
from telephony.simulator.platform.models import Account, Device, Extension

from . import clock, delivery, knobs
from .machine import RINGING, CallControlError, CallSession, Endpoint, Party, bridge, not_found, parse_iso
from .models import Call, Presence
from .records import finish

log = logging.getLogger(__name__)
# Rings before voicemail when a call asks for voicemail and the account sets no number of rings.
DEFAULT_VOICEMAIL_RINGS = 3

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


# Called after every change of a call with (call, session, new events), in the thread that made it
# (the web-phone side fills it: it rings, cancels and hangs up browser phones). Must not block.
call_listeners: list[Callable[[Call, CallSession, list], None]] = []


def _tell_listeners(call: Call, session: CallSession, events: list) -> None:
    for listener in list(call_listeners):
        try:
            listener(call, session, events)
        except Exception:
            log.exception("call listener %r failed", listener)


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
        before = (len(session.events), len(session.parties))
        result = action(session)
        _save(call, session)
        _publish(call, session, before)
        return result


def _publish(call: Call, session: CallSession, before: tuple[int, int]) -> None:
    events, parties = before
    delivery.publish_call_events(session=session, events=session.events[events:])
    _tell_listeners(call, session, session.events[events:])
    _after_change(call, session, new_parties=session.parties[parties:])


def bridge_calls(
    *,
    account_id: str,
    telephony_session_id: str,
    party_id: str,
    consult_session_id: str,
    consult_party_id: str,
) -> Party:
    """Warm transfer (`machine.bridge`) across two calls, both locked (in a fixed order, so two
    bridges of the same pair cannot deadlock). The held call's events are published first."""
    with ExitStack() as locks:
        for tsid in sorted({telephony_session_id, consult_session_id}):
            locks.enter_context(_lock_for(tsid))
        held_call, held = load(telephony_session_id)
        consult_call = Call.objects.filter(pk=consult_session_id, account_id=account_id).first()
        if held_call.account_id != account_id or consult_call is None:
            raise not_found("telephonySessionId")
        consult = CallSession.from_state(consult_call.state)
        before = [(len(s.events), len(s.parties)) for s in (held, consult)]
        result = bridge(held, party_id, consult, consult_party_id)
        held_call.options = {**held_call.options, "transfer_target_session": consult_session_id}
        consult_call.options = {**consult_call.options, "transferee_session": telephony_session_id}
        for call, session in ((held_call, held), (consult_call, consult)):
            Call.objects.filter(pk=call.pk).update(options=call.options)
            _save(call, session)
        _publish(held_call, held, before[0])
        _publish(consult_call, consult, before[1])
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
    _tell_listeners(call, session, list(session.events))
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
    _plan_voicemail(options)
    session = CallSession.new(account_id=extension.account_id)
    caller = Endpoint(phone_number=from_number, name=from_name)
    if Presence.of(extension.id).do_not_disturb:
        # Do Not Disturb: RingCentral does not ring the user; the caller reaches their voicemail.
        session.start_inbound_to_voicemail(caller=caller, callee=_endpoint(extension))
        call = _create(session, kind="inbound", options={**options, "voicemail": True, "dnd": True})
        _schedule_voicemail_end(call.telephony_session_id)
        return call
    session.start_inbound(caller=caller, callee=_endpoint(extension))
    call = _create(session, kind="inbound", options=options)
    _start_timers(call)
    return call


def _plan_voicemail(options: dict) -> None:
    """Unanswered calls go to voicemail after N rings when asked for or when the account says so
    (knob `voicemail_rings`); a caller who gives up first (`missed`) leaves none."""
    rings = knobs.get("voicemail_rings")
    options["voicemail"] = (options["voicemail"] or rings > 0) and not options["missed"]
    if options["voicemail"] and "ring_timeout" not in options:
        options["ring_timeout"] = (rings or DEFAULT_VOICEMAIL_RINGS) * knobs.get("ring_seconds")


def place_internal_call(
    *,
    from_extension: str,
    to_extension: str,
    answer_after: float | None = None,
    hangup_after: float | None = None,
    ring_timeout: float | None = None,
    missed: bool = False,
    origin_type: str = "Call",
    from_device_id: str = "",
) -> Call:
    """Ext → ext (also the call-out of a consult call); a callee on Do Not Disturb gets voicemail."""
    caller, callee = find_extension(from_extension), find_extension(to_extension)
    if caller.id == callee.id:
        raise CallRequestError("an extension cannot call itself")
    options = _check_timing(
        answer_after=answer_after, hangup_after=hangup_after, ring_timeout=ring_timeout, missed=missed
    )
    options.update(record=False, missed=bool(missed), voicemail=False)
    session = CallSession.new(account_id=caller.account_id, origin_type=origin_type)
    source = _endpoint(caller)
    source.device_id = from_device_id
    dnd = Presence.of(callee.id).do_not_disturb
    session.start_internal(caller=source, callee=_endpoint(callee), voicemail=dnd)
    call = _create(session, kind="internal", options={**options, "dnd": dnd})
    if dnd:
        _schedule(knobs.get("voicemail_length"), caller_hang_up, call.telephony_session_id)
    else:
        _start_timers(call)
    return call


def target_on_dnd(target: Endpoint) -> bool:
    """Does a transfer/forward target send the call straight to voicemail (Do Not Disturb)?"""
    return bool(target.extension_id) and Presence.of(target.extension_id).do_not_disturb


def place_outbound_call(
    *,
    extension: Extension,
    to_number: str,
    origin_type: str = "Call",
    kind: str = "outbound",
    options: dict | None = None,
    from_device_id: str = "",
) -> Call:
    """The user calls a PSTN number (call-out, RingOut, a web phone's INVITE): the far end rings
    until answered by control. `from_device_id`: the user's device that placed it."""
    session = CallSession.new(account_id=extension.account_id, origin_type=origin_type)
    source = _endpoint(extension)
    source.device_id = from_device_id
    session.start_outbound(caller=source, callee=Endpoint(phone_number=to_number))
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
    # The answer timer acts on whichever party rings when it fires, so a forwarded call is still
    # answered on its new target; a ring timeout belongs to one party (each target gets its own).
    options = call.options
    tsid = call.telephony_session_id
    if options.get("missed"):
        _schedule(options.get("hangup_after", 3.0), caller_hang_up, tsid)
    elif "answer_after" in options:
        _schedule(options["answer_after"], answer_on_device, tsid, None, "HardPhone")
    ringing = _ringing_party(CallSession.from_state(call.state), required=False)
    if ringing is not None:
        _schedule(options.get("ring_timeout", knobs.get("ring_timeout")), ring_timeout, tsid, ringing.id)


def _after_change(call: Call, session: CallSession, *, new_parties: list[Party] = ()) -> None:
    options = call.options
    if session.ended:
        if not call.call_log_ids:
            leave_voicemails(session, finish(call, session))
        return
    for party in new_parties:  # transfer and forward targets
        if party.status in RINGING:
            _schedule(knobs.get("ring_timeout"), ring_timeout, call.telephony_session_id, party.id)
        elif party.status == "VoiceMail":
            _schedule(knobs.get("voicemail_length"), caller_hang_up, call.telephony_session_id)
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
            _schedule_voicemail_end(telephony_session_id)
        else:
            session.ring_timeout(party.id)

    act(telephony_session_id, timeout)


def _schedule_voicemail_end(telephony_session_id: str) -> None:
    # The caller speaks for `voicemail_length` seconds, then hangs up: the message is stored then.
    _schedule(knobs.get("voicemail_length"), caller_hang_up, telephony_session_id)


def send_to_voicemail(telephony_session_id: str, party_id: str, *, account_id: str | None = None) -> Party:
    """Call Control `forward` to voicemail: the ringing party goes to voicemail now."""
    party = act(telephony_session_id, lambda s: s.to_voicemail(party_id), account_id=account_id)
    _schedule_voicemail_end(telephony_session_id)
    return party


def caller_hang_up(telephony_session_id: str) -> Party:
    return act(telephony_session_id, lambda s: s.hang_up(s.caller().id))


def party_hang_up(telephony_session_id: str, party_id: str) -> Party:
    return act(telephony_session_id, lambda s: s.hang_up(party_id))


def answer_on_device(
    telephony_session_id: str, party_id: str | None, device_type: str = "HardPhone", *, device_id: str = ""
) -> Party:
    """The user picks up on a device of theirs (desk phone by default, or exactly `device_id`)."""

    def answer(session: CallSession) -> Party:
        party = session.party(party_id) if party_id else _ringing_party(session)
        device = device_id
        if party.extension_id and not device:
            found = Device.objects.filter(extension_id=party.extension_id, type=device_type).first()
            found = found or Device.objects.filter(extension_id=party.extension_id).first()
            device = found.id if found else ""
        return session.answer(party.id, device_id=device)

    return act(telephony_session_id, answer)


def transfer_on_phone(
    telephony_session_id: str, party_id: str | None, *, to_extension: str = "", to_number: str = ""
) -> Party:
    """The user transfers the call from their phone (blind), not through the API: the same events."""
    if bool(to_extension) == bool(to_number):
        raise CallRequestError("give exactly one of to_extension or to_number")
    if to_number and not (to_number.startswith("+") and to_number[1:].isdigit()):
        raise CallRequestError("to_number must be an E.164 number such as +14155550190")
    target = _endpoint(find_extension(to_extension)) if to_extension else Endpoint(phone_number=to_number)
    dnd = target_on_dnd(target)

    def transfer(session: CallSession) -> Party:
        party = party_id or next((p.id for p in reversed(session.callee_parties()) if p.live), "")
        return session.transfer(party or "-", target=target, voicemail=dnd)

    return act(telephony_session_id, transfer)


def newest_ringing(session: CallSession) -> Party:
    """The party ringing now, newest first (a transfer target rings after the first callee left)."""
    ringing = [p for p in session.callee_parties() if p.status in RINGING]
    if not ringing:
        raise CallControlError(409, "TAS-102", "Incorrect State")
    return ringing[-1]


def decline(telephony_session_id: str) -> Party:
    """The ringing user presses Decline on their phone: `Disconnected`, reason `Rejected`."""
    return act(telephony_session_id, lambda s: s.reject(newest_ringing(s).id))


def _ringing_party(session: CallSession, *, required: bool = True) -> Party | None:
    if session.ended and required:
        raise not_found("telephonySessionId")
    for party in session.parties:
        if party.role != "caller" and party.status in RINGING:
            return party
    if required:
        raise CallControlError(409, "TAS-102", "Incorrect State")
    return None


def leave_voicemails(session: CallSession, records_by_party: dict[str, str]) -> None:
    """Parties that went to voicemail: the caller left a message (after the call-log records)."""
    for party in session.parties:
        if party.extension_id and any(
            e.party["id"] == party.id and e.party["status"]["code"] == "VoiceMail" for e in session.events
        ):
            _leave_voicemail(session, party, call_log_id=records_by_party.get(party.id))


def _leave_voicemail(session: CallSession, party: Party, *, call_log_id: str | None) -> None:
    """The caller left a message: store it (linked from the call-log record), then notify."""
    extension = Extension.objects.select_related("account").filter(id=party.extension_id).first()
    if extension is None:
        return
    message = create_voicemail(
        extension=extension,
        from_number=party.from_.phone_number,
        from_name=party.from_.name,
        creation_time=parse_iso(party.ended_at or session.ended_at),
        transcription_pending=knobs.get("transcription_delay") > 0,
        telephony_session_id=session.telephony_session_id,
        call_log_ids=[call_log_id] if call_log_id else [],
    )
    delivery.publish_message(message=message)
    if message.transcription_status == "InProgress":
        _schedule(knobs.get("transcription_delay"), _transcribed, message.id)


def _transcribed(message_id: str) -> None:
    message = complete_transcription(message_id)
    if message is not None:
        delivery.publish_message(message=message, new=False)


def prune(*, older_than: timedelta = timedelta(days=1)) -> int:
    deleted, _ = Call.objects.filter(live=False, ended__lt=timezone.now() - older_than).delete()
    return deleted

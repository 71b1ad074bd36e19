"""Calls on web phones: RingCentral's side of each SIP dialog with a browser.

Everything here runs on the event loop of the SIP sockets (daphne's), so dialogs need no locks
of their own; a lock per telephony session keeps one call's steps in order. The voice app tells
us about every change of a call (`on_call_events`, from whatever thread made it) and we act:

- a user's party rings (`Proceeding`, inbound) → INVITE to each reachable registration of the
  user, with `p-rc-api-ids` (the session's real party and session ids) and `P-rc`;
- the browser answers (200) → ACK, the party answered on that WebPhone device (the telephony
  notifications then name the device), MESSAGE Cmd 7;
- the party stops ringing here (answered elsewhere, caller gone, timeout, rejected) → CANCEL;
- the answered party is disconnected by someone else → BYE;
- the party is held / resumed (from the browser's re-INVITE or Call Control) → the far end goes
  silent / speaks again.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from channels.db import database_sync_to_async as sync_to_async
from django.conf import settings

from telephony.simulator.voice import calls
from telephony.simulator.voice.machine import CallControlError, Endpoint

from . import rcmessage
from .message import DOMAIN, SipMessage, new_branch, new_call_id, new_tag, response, tag_of, uri_of
from .registrar import Registration, registrar

log = logging.getLogger(__name__)

ENDED_STATUSES = frozenset({"Disconnected", "Gone", "VoiceMail", "Parked"})
KEEP_ENDED = 200  # ended dialogs kept for /_sim/webphone/dialogs

_loop: asyncio.AbstractEventLoop | None = None
_dialogs: dict[str, "Dialog"] = {}
_call_locks: dict[str, asyncio.Lock] = {}
_cseq = iter(range(100_000, 10**9))


def bind_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The loop the SIP sockets live on (set by the first socket)."""
    global _loop
    _loop = loop


def _lock(telephony_session_id: str) -> asyncio.Lock:
    return _call_locks.setdefault(telephony_session_id, asyncio.Lock())


@dataclass
class Dialog:
    call_id: str
    telephony_session_id: str
    party_id: str
    registration: Registration
    direction: str  # inbound: we INVITEd the browser; outbound: the browser INVITEd us
    invite: SipMessage  # the INVITE that made the dialog
    our_tag: str
    peer_tag: str = ""
    state: str = "ringing"  # ringing | answered | ended
    held: bool = False
    answered_by_api: bool = False  # an auto-answer INVITE for a party Call Control already answered
    far_end: object = field(default=None, repr=False)

    @property
    def phone(self):
        return self.registration.phone

    def ours_and_theirs(self) -> tuple[str, str]:
        """(our From, their To) for a request we send inside the dialog."""
        if self.direction == "inbound":
            return self.invite.header("From"), f"{self.invite.header('To')};tag={self.peer_tag}"
        return f"{self.invite.header('To')};tag={self.our_tag}", self.invite.header("From")

    def remote_target(self) -> str:
        if self.direction == "inbound":
            return self.registration.contact_uri
        return uri_of(self.invite.header("Contact")) or self.registration.contact_uri

    def as_dict(self) -> dict:
        return {
            "callId": self.call_id,
            "telephonySessionId": self.telephony_session_id,
            "partyId": self.party_id,
            "deviceId": self.registration.device_id,
            "instanceId": self.registration.instance_id,
            "direction": self.direction,
            "state": self.state,
            "held": self.held,
        }


def dialogs() -> list[dict]:
    return [d.as_dict() for d in list(_dialogs.values())]


def far_end_of(telephony_session_id: str):
    """The far end of the session's answered (else latest) web-phone dialog."""
    mine = [d for d in list(_dialogs.values()) if d.telephony_session_id == telephony_session_id]
    mine.sort(key=lambda d: d.state != "answered")
    return next((d.far_end for d in mine if d.far_end is not None), None)


def find(call_id: str) -> "Dialog | None":
    return _dialogs.get(call_id)


def proxy() -> str:
    return settings.SIM_SIP_PROXY


# -- from the voice app (any thread) ---------------------------------------------------------------


def on_call_events(call, session, events) -> None:
    """A call changed: hand the changed parties to the SIP loop (never blocks the caller)."""
    if _loop is None or not events:
        return
    parties = [e.party for e in events]
    work = _apply(session.telephony_session_id, session.session_id, parties, origin=session.origin_type)
    asyncio.run_coroutine_threadsafe(work, _loop)


def on_reset(sender, **kwargs) -> None:
    registrar.clear()
    if _loop is not None:
        future = asyncio.run_coroutine_threadsafe(_end_all(), _loop)
        try:
            future.result(timeout=10)
        except Exception:  # noqa: BLE001 - a reset must go through even if a socket misbehaves
            log.exception("web phone reset failed")


def drop_sockets(extension_id: str = "") -> int:
    """Test/dev control: close the SIP sockets of the reachable phones (of one extension, or all),
    as RingCentral's edge or a network blip would. Registrations stay until they expire, as they
    do when a socket closes by itself. Returns how many sockets were closed."""
    phones = {
        id(r.phone): r.phone
        for r in registrar.all()
        if r.reachable and (not extension_id or r.extension_id == extension_id)
    }
    if _loop is None or not phones:
        return 0

    async def close_all() -> None:
        for phone in phones.values():
            await phone.close()  # daphne (autobahn) sends only 1000 or 3000-4999 from a server

    asyncio.run_coroutine_threadsafe(close_all(), _loop).result(timeout=10)
    return len(phones)


async def _end_all() -> None:
    for dialog in list(_dialogs.values()):
        await _close_media(dialog)
    _dialogs.clear()
    _call_locks.clear()


async def _apply(
    telephony_session_id: str, session_id: str, parties: list[dict], *, origin: str = ""
) -> None:
    async with _lock(telephony_session_id):
        for party in parties:
            try:
                if origin == "CallOut" and await _call_out_from_here(telephony_session_id, session_id, party):
                    continue
                await _apply_party(telephony_session_id, session_id, party)
            except Exception:
                log.exception("web phone: applying %s failed", party.get("id"))


async def _apply_party(telephony_session_id: str, session_id: str, party: dict) -> None:
    status = party["status"]["code"]
    mine = [
        d
        for d in list(_dialogs.values())
        if d.telephony_session_id == telephony_session_id and d.party_id == party["id"]
    ]
    if status == "Proceeding" and party["direction"] == "Inbound" and party.get("extensionId") and not mine:
        for registration in registrar.reachable(party["extensionId"]):
            await _invite(registration, telephony_session_id, session_id, party)
        return
    for dialog in mine:
        answered_elsewhere = status == "Answered" and not dialog.answered_by_api
        if dialog.state == "ringing" and (answered_elsewhere or status in ENDED_STATUSES):
            await cancel(dialog)
            if status == "Answered" and not dialog.answered_by_api:
                await _auto_answer_if_here(dialog, session_id, party)
        elif dialog.state == "answered" and status in ENDED_STATUSES:
            await bye(dialog)
        elif dialog.state == "answered" and status in ("Hold", "Answered"):
            dialog.held = status == "Hold"
            if dialog.far_end is not None:
                dialog.far_end.voice.held = dialog.held


async def _call_out_from_here(telephony_session_id: str, session_id: str, party: dict) -> bool:
    """Call-out `from: {deviceId: <web phone>}`: RingCentral first makes the browser pick up by
    itself (an auto-answer INVITE showing the number called), then rings the number."""
    device = party.get("from", {}).get("deviceId")
    if party["direction"] != "Outbound" or party["status"]["code"] != "Setup" or not device:
        return False
    if any(d.party_id == party["id"] for d in list(_dialogs.values())):
        return False
    here = [r for r in registrar.reachable(party.get("extensionId", "")) if r.device_id == device]
    if not here:
        return False
    shown = {**party, "from": party.get("to", {}), "to": party.get("from", {})}
    newest = max(here, key=lambda r: r.registered_at)
    await _invite(newest, telephony_session_id, session_id, shown, auto_answer=True)
    return True


async def _auto_answer_if_here(cancelled: Dialog, session_id: str, party: dict) -> None:
    """Call Control answered the party on this web phone (`answer {deviceId}`): as RingCentral
    does, the ringing INVITE was cancelled and an auto-answer INVITE follows (the SDK answers it
    by itself when it carries `Alert-Info: Auto Answer`)."""
    registration = cancelled.registration
    if party.get("to", {}).get("deviceId") != registration.device_id or not registration.reachable:
        return
    if any(d.answered_by_api and d.party_id == party["id"] for d in list(_dialogs.values())):
        return
    await _invite(registration, cancelled.telephony_session_id, session_id, party, auto_answer=True)


# -- ringing a browser ---------------------------------------------------------------------------------


def _display(name: str) -> str:
    return name.replace('"', "").replace(": ", " ").strip()


def _p_rc(registration: Registration, session_id: str, party: dict) -> str:
    caller, callee = party.get("from", {}), party.get("to", {})
    return rcmessage.build(
        {
            "SID": session_id,
            "Req": "{" + new_call_id().upper() + "}",
            "From": rcmessage.SERVER_AGENT,
            "To": registration.username,
            "Cmd": str(rcmessage.INCOMING_CALL),
        },
        {
            "Phn": caller.get("phoneNumber", ""),
            "Nm": caller.get("name", ""),
            "ToPhn": callee.get("phoneNumber", ""),
            "ToNm": callee.get("name", ""),
            "RecUrl": "",
        },
    )


async def _invite(
    registration: Registration,
    telephony_session_id: str,
    session_id: str,
    party: dict,
    *,
    auto_answer: bool = False,
) -> None:
    from . import media  # aiortc only when a call reaches a browser

    far_end = await media.new_far_end(telephony_session_id)
    sdp = await media.on_media_loop(far_end.offer())
    caller = party.get("from", {})
    number = caller.get("phoneNumber") or "anonymous"
    invite = SipMessage(
        f"INVITE {registration.contact_uri} SIP/2.0",
        {
            "Via": f"SIP/2.0/WSS {proxy()};rport;branch={new_branch()}",
            "From": f'"{_display(caller.get("name", "") or number)}" <sip:{number}@{DOMAIN}>;tag={new_tag()}',
            "To": f'"{_display(party.get("to", {}).get("name", ""))}" <sip:{registration.username}@{DOMAIN}>',
            "Call-ID": new_call_id(),
            "CSeq": f"{next(_cseq)} INVITE",
            "Max-Forwards": "67",
            "Contact": f"<sip:{number}@{proxy()};transport=wss>",
            "Content-Type": "application/sdp",
            "User-Agent": "RC_SIPWRP_SIM",
            "p-rc-api-ids": f"party-id={party['id']};session-id={telephony_session_id}",
            "p-rc-api-call-info": "callAttributes=reject,send-vm",
            "P-rc": _p_rc(registration, session_id, party),
            "Call-Info": f"<{session_id}@{proxy()}>;purpose=info",
        },
        sdp,
    )
    if auto_answer:
        invite.headers["Alert-Info"] = "Auto Answer"
        invite.headers["Call-Info"] += ";Answer-After=0"
    dialog = Dialog(
        call_id=invite.call_id,
        telephony_session_id=telephony_session_id,
        party_id=party["id"],
        registration=registration,
        direction="inbound",
        invite=invite,
        our_tag=tag_of(invite.header("From")),
        far_end=far_end,
        answered_by_api=auto_answer,
    )
    _remember(dialog)
    await dialog.phone.send_sip(invite)


async def on_invite_response(dialog: Dialog, reply: SipMessage) -> None:
    """The browser's answer to our INVITE: 100/180 are progress; 200 is the answer."""
    if reply.status < 200 or dialog.state != "ringing":
        return
    async with _lock(dialog.telephony_session_id):
        if dialog.state != "ringing":
            return
        if reply.status != 200:
            dialog.state = "ended"
            await _close_media(dialog)
            return
        dialog.state = "answered"
        dialog.peer_tag = tag_of(reply.header("To"))
        await _send_in_dialog(dialog, "ACK", cseq=dialog.invite.cseq_number)
        from . import media

        await media.on_media_loop(dialog.far_end.accept_answer(reply.body))
        if dialog.answered_by_api:
            await _send_message(dialog, rcmessage.ALREADY_PROCESSED)
            return
        try:
            await sync_to_async(calls.answer_on_device)(
                dialog.telephony_session_id, dialog.party_id, device_id=dialog.registration.device_id
            )
        except CallControlError:
            # Answered elsewhere or over a moment before the browser's 200 arrived.
            await bye(dialog)
            return
        await _send_message(dialog, rcmessage.ALREADY_PROCESSED)


# -- requests we send ----------------------------------------------------------------------------------


async def _send_in_dialog(
    dialog: Dialog, method: str, *, cseq: int | None = None, body: str = "", headers: dict | None = None
) -> None:
    ours, theirs = dialog.ours_and_theirs()
    message = SipMessage(
        f"{method} {dialog.remote_target()} SIP/2.0",
        {
            "Via": f"SIP/2.0/WSS {proxy()};rport;branch={new_branch()}",
            "From": ours,
            "To": theirs,
            "Call-ID": dialog.call_id,
            "CSeq": f"{cseq if cseq is not None else next(_cseq)} {method}",
            "Max-Forwards": "67",
            **(headers or {}),
        },
        body,
    )
    await dialog.phone.send_sip(message)


async def _send_message(dialog: Dialog, command: int) -> None:
    body = rcmessage.build(
        {
            "SID": dialog.telephony_session_id,
            "Req": "",
            "From": rcmessage.SERVER_AGENT,
            "To": f"{dialog.registration.username}@{DOMAIN}:5060",
            "Cmd": str(command),
        },
        {"Cln": dialog.registration.authorization_id, "IP": "4294967295", "Sts": "0", "CtrlCln": ""},
    )
    message = SipMessage(
        f"MESSAGE {dialog.registration.contact_uri} SIP/2.0",
        {
            "Via": f"SIP/2.0/WSS {proxy()};rport;branch={new_branch()}",
            "From": f"<sip:{rcmessage.SERVER_AGENT.split(':')[0].replace('#', '%23')}>;tag={new_tag()}",
            "To": f"<sip:{dialog.registration.username}@{DOMAIN}>",
            "Call-ID": new_call_id(),
            "CSeq": f"{next(_cseq)} MESSAGE",
            "Max-Forwards": "67",
            "Content-Type": "x-rc/agent",
        },
        body,
    )
    await dialog.phone.send_sip(message)


async def cancel(dialog: Dialog) -> None:
    """Stop ringing this browser (CANCEL repeats the INVITE's Via, From, To and CSeq number)."""
    dialog.state = "ended"
    invite = dialog.invite
    message = SipMessage(
        f"CANCEL {dialog.registration.contact_uri} SIP/2.0",
        {
            "Via": invite.header("Via"),
            "From": invite.header("From"),
            "To": invite.header("To"),
            "Call-ID": dialog.call_id,
            "CSeq": f"{invite.cseq_number} CANCEL",
            "Max-Forwards": "67",
        },
    )
    await _safe_send(dialog, message)
    await _close_media(dialog)


async def bye(dialog: Dialog) -> None:
    """Hang up the browser's call (the other side hung up, or the call moved elsewhere)."""
    dialog.state = "ended"
    try:
        await _send_in_dialog(dialog, "BYE")
    except Exception:  # noqa: BLE001 - the browser may be gone; the call is over either way
        log.info("web phone %s: BYE not delivered", dialog.call_id)
    await _close_media(dialog)


async def _safe_send(dialog: Dialog, message: SipMessage) -> None:
    try:
        await dialog.phone.send_sip(message)
    except Exception:  # noqa: BLE001
        log.info("web phone %s: %s not delivered", dialog.call_id, message.method)


async def _close_media(dialog: Dialog) -> None:
    if dialog.far_end is not None and not dialog.far_end.closed:
        from . import media

        await media.on_media_loop(dialog.far_end.close())


# -- requests the browser sends inside a dialog --------------------------------------------------------


async def on_bye(dialog: Dialog, request: SipMessage) -> SipMessage:
    """The browser hangs up: 200, then the party hangs up (the call's other side follows)."""
    was = dialog.state
    dialog.state = "ended"
    await _close_media(dialog)
    if was == "answered":
        with contextlib.suppress(CallControlError):  # already over
            await sync_to_async(calls.party_hang_up)(dialog.telephony_session_id, dialog.party_id)
    return response(request, 200)


async def on_reinvite(dialog: Dialog, request: SipMessage) -> SipMessage:
    """Hold (`a=sendonly`/`inactive`) or resume (`a=sendrecv`): the party's Hold state follows."""
    hold = "a=sendonly" in request.body or "a=inactive" in request.body
    action = "hold" if hold else "unhold"
    try:
        await sync_to_async(calls.act)(
            dialog.telephony_session_id, lambda s: getattr(s, action)(dialog.party_id)
        )
    except CallControlError:
        return response(request, 488)
    sdp = dialog.far_end.local_sdp if dialog.far_end is not None else ""
    return response(request, 200, headers={"Content-Type": "application/sdp"}, body=sdp)


async def on_rc_message(dialog: Dialog, command: int, body: dict[str, str]) -> None:
    """Call-control commands from the browser while it rings (decline, to voicemail, forward)."""
    actions = {
        rcmessage.CLIENT_REJECT: lambda s: s.reject(dialog.party_id),
        rcmessage.CLIENT_VOICEMAIL: lambda s: s.to_voicemail(dialog.party_id),
        rcmessage.CLIENT_FORWARD: lambda s: s.forward(
            dialog.party_id, target=Endpoint(phone_number=body.get("Phn", ""))
        ),
    }
    action = actions.get(command)
    if action is None or dialog.state != "ringing":
        return
    try:
        await sync_to_async(calls.act)(dialog.telephony_session_id, action)
    except CallControlError:
        log.info("web phone %s: command %s refused", dialog.call_id, command)


def _remember(dialog: Dialog) -> None:
    _dialogs[dialog.call_id] = dialog
    ended = [key for key, d in _dialogs.items() if d.state == "ended"]
    for key in ended[: max(0, len(ended) - KEEP_ENDED)]:  # oldest first (dicts keep order)
        del _dialogs[key]


def add_outbound(dialog: Dialog) -> None:
    _remember(dialog)


async def forget_phone(phone) -> None:
    """A socket closed: its registrations can no longer ring, its ringing dialogs are over, and a
    call it was carrying is hung up (its media is gone, as when RingCentral's media times out)."""
    carried = [d for d in list(_dialogs.values()) if d.phone is phone and d.state != "ended"]
    registrar.forget_phone(phone)
    for dialog in carried:
        was = dialog.state
        dialog.state = "ended"
        await _close_media(dialog)
        if was == "answered":
            with contextlib.suppress(CallControlError):
                await sync_to_async(calls.party_hang_up)(dialog.telephony_session_id, dialog.party_id)

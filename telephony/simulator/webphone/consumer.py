"""The SIP WebSocket (subprotocol `sip`) that `sipInfo.outboundProxy` points browsers at.

One socket = one phone. REGISTER is challenged (401, digest over the device's SIP password),
limited to 5 live instances per extension (`603 Too Many Contacts`) and expires; `expires=0`
unregisters. An INVITE outside any dialog is the browser placing a call: challenged with 407,
then 100, 183 and an immediate 200 (the far end answers the media at once, as RingCentral's edge
does), while the call itself rings the number. Everything inside a dialog goes to `dialogs`.
"""

import asyncio
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from telephony.simulator.voice import calls

from . import dialogs, digest, rcmessage
from .message import SipMessage, header_param, new_tag, response, uri_of, user_of
from .models import SipCredential
from .registrar import Registration, TooManyContacts, registrar

log = logging.getLogger(__name__)
AUTO_REPLIED = ("MESSAGE", "INFO", "NOTIFY", "UPDATE", "OPTIONS")


def max_expires() -> int:
    from telephony.simulator.voice import knobs

    return int(knobs.get("sip_expires"))


@database_sync_to_async
def _credential(authorization_id: str) -> SipCredential | None:
    return (
        SipCredential.objects.select_related("device__extension__account")
        .filter(authorization_id=authorization_id)
        .first()
    )


class SipConsumer(AsyncWebsocketConsumer):
    closed = True
    credential: SipCredential | None = None
    registration: Registration | None = None

    async def connect(self) -> None:
        if "sip" not in self.scope.get("subprotocols", []):
            await self.close()  # refused handshake: only SIP is spoken here
            return
        dialogs.bind_loop(asyncio.get_running_loop())
        self.nonces: set[str] = set()
        self.closed = False
        await self.accept(subprotocol="sip")

    async def disconnect(self, code) -> None:
        self.closed = True
        await dialogs.forget_phone(self)

    async def send_sip(self, message: SipMessage) -> None:
        if self.closed:
            raise ConnectionError("the phone's socket is closed")
        await self.send(text_data=str(message))

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if not text_data:
            return
        try:
            message = SipMessage.parse(text_data)
            message.cseq_number  # noqa: B018 - a message without a readable CSeq is dropped
        except (ValueError, IndexError):
            log.info("web phone: unreadable SIP message dropped")
            return
        if not message.is_request:
            dialog = dialogs.find(message.call_id)
            if dialog is not None and message.cseq_method == "INVITE":
                await dialogs.on_invite_response(dialog, message)
            return
        handler = getattr(self, f"on_{message.method.lower()}", None)
        if handler is None:
            await self.send_sip(response(message, 200 if message.method in AUTO_REPLIED else 481))
            return
        await handler(message)

    # -- registration ------------------------------------------------------------------------------

    async def on_register(self, request: SipMessage) -> None:
        await self.send_sip(response(request, 100))
        credential = await self._authenticated(request, header="Authorization", method="REGISTER")
        if credential is None:
            return
        contact = request.header("Contact")
        instance = header_param(contact, "+sip.instance").removeprefix("<urn:uuid:").removesuffix(">")
        asked = int(header_param(contact, "expires") or request.header("Expires") or 60)
        extension_id = credential.device.extension_id
        if asked == 0:
            registrar.unregister(extension_id, instance or credential.authorization_id)
            await self.send_sip(response(request, 200, to_tag=new_tag(), headers={"Contact": contact}))
            return
        granted = min(asked, max_expires())
        try:
            self.registration = registrar.register(
                Registration(
                    extension_id=extension_id,
                    instance_id=instance or credential.authorization_id,
                    device_id=credential.device_id,
                    authorization_id=credential.authorization_id,
                    username=credential.username,
                    contact_uri=uri_of(contact),
                    expires_at=time.monotonic() + granted,
                    phone=self,
                )
            )
        except TooManyContacts:
            await self.send_sip(response(request, 603, to_tag=new_tag()))
            return
        self.credential = credential
        answer = f"<{uri_of(contact)}>;expires={granted}"
        await self.send_sip(response(request, 200, to_tag=new_tag(), headers={"Contact": answer}))

    async def _authenticated(self, request: SipMessage, *, header: str, method: str) -> SipCredential | None:
        """The credential that signed `request`; else a challenge (or 403) was sent and None returned."""
        proxy = header == "Proxy-Authorization"
        signed = request.header(header)
        if not signed:
            nonce = digest.new_nonce()
            self.nonces.add(nonce)
            challenge = {("Proxy-Authenticate" if proxy else "WWW-Authenticate"): digest.challenge(nonce)}
            await self.send_sip(response(request, 407 if proxy else 401, to_tag=new_tag(), headers=challenge))
            return None
        params = digest.parse(signed)
        credential = await _credential(params.get("username", ""))
        if credential is None or not digest.verify(
            params, password=credential.password, method=method, nonces=self.nonces
        ):
            await self.send_sip(response(request, 403, to_tag=new_tag()))
            return None
        self.nonces.discard(params.get("nonce", ""))
        return credential

    # -- calls ---------------------------------------------------------------------------------------

    async def on_invite(self, request: SipMessage) -> None:
        dialog = dialogs.find(request.call_id)
        if dialog is not None:
            await self.send_sip(response(request, 100))
            await self.send_sip(await dialogs.on_reinvite(dialog, request))
            return
        await self.send_sip(response(request, 100))
        credential = await self._authenticated(request, header="Proxy-Authorization", method="INVITE")
        if credential is None:
            return
        if self.registration is None or self.registration.device_id != credential.device_id:
            await self.send_sip(response(request, 403, to_tag=new_tag()))
            return
        await self._place_call(request, credential)

    async def _place_call(self, request: SipMessage, credential: SipCredential) -> None:
        from . import media

        target = user_of(uri_of(request.start_line.split(" ")[1]))
        try:
            call = await database_sync_to_async(_place)(credential, target)
        except calls.CallRequestError:
            await self.send_sip(response(request, 404, to_tag=new_tag()))
            return
        tag = new_tag()
        contact = {"Contact": f"<sip:{target}@{dialogs.proxy()};transport=wss>"}
        await self.send_sip(response(request, 183, to_tag=tag, headers=contact))
        far_end = await media.new_far_end(call.telephony_session_id)
        sdp = await media.on_media_loop(far_end.answer(request.body))
        party_id = call.state["parties"][0]["id"]
        dialogs.add_outbound(
            dialogs.Dialog(
                call_id=request.call_id,
                telephony_session_id=call.telephony_session_id,
                party_id=party_id,
                registration=self.registration,
                direction="outbound",
                invite=request,
                our_tag=tag,
                state="answered",
                far_end=far_end,
            )
        )
        headers = {**contact, "Content-Type": "application/sdp"}
        await self.send_sip(response(request, 200, to_tag=tag, headers=headers, body=sdp))

    async def on_ack(self, request: SipMessage) -> None:
        return  # ACKs of our 200s need no answer

    async def on_bye(self, request: SipMessage) -> None:
        dialog = dialogs.find(request.call_id)
        if dialog is None:
            await self.send_sip(response(request, 481))
            return
        await self.send_sip(await dialogs.on_bye(dialog, request))

    async def on_cancel(self, request: SipMessage) -> None:
        dialog = dialogs.find(request.call_id)
        await self.send_sip(response(request, 200))
        if dialog is not None:
            await dialogs.on_bye(dialog, request)

    async def on_message(self, request: SipMessage) -> None:
        await self.send_sip(response(request, 100))
        await self.send_sip(response(request, 200, to_tag=new_tag()))
        headers, body = rcmessage.parse(request.body)
        dialog = dialogs.find(request.call_id)
        if dialog is not None and headers.get("Cmd", "").isdigit():
            await dialogs.on_rc_message(dialog, int(headers["Cmd"]), body)


def _place(credential: SipCredential, target: str):
    """The browser dialled `target`: an extension number (short) or a phone number."""
    extension = credential.device.extension
    digits = target.lstrip("+")
    if not digits.isdigit():
        raise calls.CallRequestError(f"{target!r} is not a number")
    if len(digits) <= 5:
        return calls.place_internal_call(
            from_extension=extension.id, to_extension=digits, from_device_id=credential.device_id
        )
    number = f"+1{digits}" if len(digits) == 10 else f"+{digits}"
    return calls.place_outbound_call(
        extension=extension, to_number=number, from_device_id=credential.device_id
    )

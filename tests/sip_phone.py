"""A SIP phone for tests that writes every message the way `ringcentral-web-phone` 2.5.4 does.

The message shapes are copied from the package's own code (`dist/sip-client.mjs`,
`call-session/*.mjs`, `sip-message/outbound/*.mjs`, the `static/vendor/` IIFE) and the sequences
asserted in the tests follow its Playwright specs (`test/misc/register.spec.ts`,
`test/inbound/answer.spec.ts`, `test/misc/call.spec.ts`, `test/answered/*.spec.ts`): headers
`Call-Id`, `User-Agent: ringcentral-web-phone-2`, `Max-Forwards: 70`, a fake `.invalid` Contact,
replies matched on the CSeq number.

    phone = SipPhone(sip_info, instance_id="tab-1")
    assert phone.register().status == 200
    invite = phone.wait_for(lambda m: m.method == "INVITE")
    phone.ring(invite)                               # 100, 180, MESSAGE Cmd 17 as the SDK does
    phone.answer(invite)                             # 200 with an SDP answer
"""

import itertools
import secrets
import ssl
from collections.abc import Callable

from websockets.sync.client import connect

from telephony.simulator.webphone import digest, rcmessage
from telephony.simulator.webphone.message import SipMessage, new_call_id, response, tag_of, uri_of

_cseq = itertools.count(secrets.randbelow(10_000))
WAIT_SECONDS = 10.0


def _uid() -> str:
    return secrets.token_hex(6)


def fake_sdp(*, setup: str, mid: str = "0") -> str:
    """A browser-like SDP (no candidates: signalling tests carry no media)."""
    fingerprint = ":".join(f"{b:02X}" for b in secrets.token_bytes(32))
    lines = [
        "v=0",
        f"o=- {secrets.randbelow(10**9)} 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        f"a=group:BUNDLE {mid}",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "c=IN IP4 0.0.0.0",
        f"a=mid:{mid}",
        "a=sendrecv",
        "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2",
        f"a=ice-ufrag:{secrets.token_hex(4)}",
        f"a=ice-pwd:{secrets.token_hex(12)}",
        f"a=fingerprint:sha-256 {fingerprint}",
        f"a=setup:{setup}",
    ]
    return "\r\n".join(lines) + "\r\n"


class SipPhone:
    def __init__(self, sip_info: dict, *, instance_id: str | None = None, url: str = "") -> None:
        self.info = sip_info
        self.instance_id = instance_id or sip_info["authorizationId"]
        self.fake_domain = f"{_uid()}.invalid"
        self.contact = f"<sip:{_uid()}@{self.fake_domain};transport=wss>"
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the simulator's certificate is self-signed
        url = url or f"wss://{sip_info['outboundProxy']}"
        self.socket = connect(
            url, subprotocols=["sip"], ssl=context if url.startswith("wss:") else None, open_timeout=30
        )
        self.log: list[str] = []  # "inbound - SUBJECT" / "outbound - SUBJECT", as the SDK's specs
        self.received: list[SipMessage] = []

    # -- wire ---------------------------------------------------------------------------------------

    def send(self, message: SipMessage) -> None:
        message.headers["Content-Length"] = str(len(message.body))
        message.headers["User-Agent"] = "ringcentral-web-phone-2"
        message.headers["Max-Forwards"] = "70"
        self.log.append(f"outbound - {message.start_line}")
        self.socket.send(str(message))

    def request(
        self, start_line: str, headers: dict, body: str = "", *, cseq: int | None = None
    ) -> SipMessage:
        method = start_line.split(" ")[0]
        message = SipMessage(start_line, {**headers, "CSeq": f"{cseq or next(_cseq)} {method}"}, body)
        self.send(message)
        return message

    def reply(self, request: SipMessage, status: int, *, headers: dict | None = None, body: str = "") -> None:
        out = response(request, status, headers=headers, body=body)
        out.headers["Call-Id"] = out.headers.pop("Call-ID", request.call_id)
        self.send(out)

    def next_message(self, timeout: float = WAIT_SECONDS) -> SipMessage:
        message = SipMessage.parse(self.socket.recv(timeout=timeout))
        self.log.append(f"inbound - {message.start_line}")
        self.received.append(message)
        return message

    def wait_for(self, check: Callable[[SipMessage], bool], timeout: float = WAIT_SECONDS) -> SipMessage:
        """The next message passing `check`; MESSAGE/BYE/CANCEL on the way get the SDK's auto 200."""
        while True:
            message = self.next_message(timeout)
            if message.is_request and message.method in ("MESSAGE", "BYE", "CANCEL", "INFO", "NOTIFY"):
                self.reply(message, 200)
            if check(message):
                return message

    def final_reply(self, request: SipMessage) -> SipMessage:
        """The first non-100 reply to `request` (matched on the CSeq number, like the SDK)."""
        number = request.cseq_number
        return self.wait_for(lambda m: not m.is_request and m.cseq_number == number and m.status != 100)

    def close(self) -> None:
        self.socket.close()

    # -- registration ---------------------------------------------------------------------------------

    def register(self, expires: int = 60, *, password: str | None = None) -> SipMessage:
        user = f"<sip:{self.info['username']}@{self.info['domain']}>"
        headers = {
            "Call-Id": _uid(),
            "Contact": f'{self.contact};+sip.instance="<urn:uuid:{self.instance_id}>";expires={expires}',
            "From": f"{user};tag={_uid()}",
            "To": user,
            "Via": f"SIP/2.0/WSS {self.fake_domain};branch=z9hG4bK-{_uid()}",
        }
        first = self.request(f"REGISTER sip:{self.info['domain']} SIP/2.0", headers)
        reply = self.final_reply(first)
        challenge = reply.header("Www-Authenticate")
        if reply.status == 200 or not challenge:
            return reply
        nonce = challenge.split('nonce="')[1].split('"')[0]
        headers["Via"] = f"SIP/2.0/WSS {self.fake_domain};branch=z9hG4bK-{_uid()}"
        headers["Authorization"] = self.authorization(nonce, "REGISTER", password=password)
        return self.final_reply(self.request(f"REGISTER sip:{self.info['domain']} SIP/2.0", headers))

    def authorization(self, nonce: str, method: str, *, password: str | None = None) -> str:
        return digest.authorization(
            authorization_id=self.info["authorizationId"],
            password=self.info["password"] if password is None else password,
            nonce=nonce,
            method=method,
        )

    # -- an inbound call ----------------------------------------------------------------------------

    def ring(self, invite: SipMessage) -> None:
        """What the SDK does on an INVITE: 100, 180, then MESSAGE Cmd 17 (ClientReceiveConfirm)."""
        invite.headers["To"] = f"{invite.header('To')};tag={_uid()}"  # SipMessage.fromString adds one
        self.reply(invite, 100)
        self.reply(invite, 180)
        self.send_rc_message(invite, rcmessage.CLIENT_RECEIVE_CONFIRM)

    def send_rc_message(self, invite: SipMessage, command: int) -> SipMessage:
        p_rc, _ = rcmessage.parse(invite.header("P-rc"))
        body = rcmessage.build(
            {
                "SID": p_rc["SID"],
                "Req": p_rc["Req"],
                "From": p_rc["To"],
                "To": p_rc["From"],
                "Cmd": str(command),
            },
            {"Cln": self.info["authorizationId"]},
        )
        message = self.request(
            f"MESSAGE sip:{p_rc['From']} SIP/2.0",
            {
                "Via": f"SIP/2.0/WSS {self.fake_domain};branch=z9hG4bK-{_uid()}",
                "To": f"<sip:{p_rc['From']}>",
                "From": f"<sip:{self.info['username']}@{self.info['domain']}>;tag={_uid()}",
                "Call-Id": invite.call_id,
                "Content-Type": "x-rc/agent",
            },
            body,
        )
        return self.final_reply(message)

    def answer(self, invite: SipMessage) -> None:
        self.reply(invite, 200, headers={"Content-Type": "application/sdp"}, body=fake_sdp(setup="active"))

    def in_dialog(self, invite: SipMessage, method: str, body: str = "", **headers) -> SipMessage:
        """BYE / re-INVITE from the callee side: From = our (tagged) To, To = the caller's From."""
        target = f"sip:{self.info['domain']}" if method == "BYE" else uri_of(invite.header("From"))
        return self.request(
            f"{method} {target} SIP/2.0",
            {
                "Call-Id": invite.call_id,
                "From": invite.header("To"),
                "To": invite.header("From"),
                "Via": f"SIP/2.0/WSS {self.fake_domain};branch=z9hG4bK-{_uid()}",
                **headers,
            },
            body,
        )

    # -- an outbound call ----------------------------------------------------------------------------

    def call(self, callee: str) -> tuple[SipMessage, SipMessage]:
        """INVITE → 407 → INVITE with Proxy-Authorization; returns (the signed INVITE, its first reply)."""
        domain = self.info["domain"]
        headers = {
            "Call-Id": new_call_id(),
            "Contact": f"{self.contact};expires=60",
            "From": f"<sip:{self.info['username']}@{domain}>;tag={_uid()}",
            "To": f"<sip:{callee}@{domain}>",
            "Via": f"SIP/2.0/WSS {self.fake_domain};branch=z9hG4bK-{_uid()}",
            "Content-Type": "application/sdp",
        }
        sdp = fake_sdp(setup="actpass")
        challenge = self.final_reply(self.request(f"INVITE sip:{callee}@{domain} SIP/2.0", headers, sdp))
        assert challenge.status == 407, challenge.start_line
        nonce = challenge.header("Proxy-Authenticate").split(', nonce="')[1].split('"')[0]
        headers["Via"] = f"SIP/2.0/WSS {self.fake_domain};branch=z9hG4bK-{_uid()}"
        headers["Proxy-Authorization"] = self.authorization(nonce, "INVITE")
        invite = self.request(f"INVITE sip:{callee}@{domain} SIP/2.0", headers, sdp)
        return invite, self.final_reply(invite)


__all__ = ["SipPhone", "fake_sdp", "tag_of"]

"""SIP messages as RingCentral's SIP-over-WebSocket edge writes them, and as the web phone reads them.

The browser package (`ringcentral-web-phone`) parses a message by splitting lines on `": "` and
keeps the last value of a repeated header, so every message here has one line per header, no
compact forms and one Via. Replies are matched on the CSeq number only.
"""

import secrets
from dataclasses import dataclass, field

DOMAIN = "sip.ringcentral.com"
REASONS = {
    100: "Trying",
    180: "Ringing",
    183: "Session Progress",
    200: "OK",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    407: "Proxy Authentication Required",
    481: "Call/Transaction Does Not Exist",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    500: "Server Internal Error",
    603: "Too Many Contacts",
}
# Copied from a request into its response (RFC 3261 §8.2.6.2), in this order.
DIALOG_HEADERS = ("Via", "From", "To", "Call-ID", "CSeq")


@dataclass
class SipMessage:
    start_line: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    @classmethod
    def parse(cls, text: str) -> "SipMessage":
        head, _, body = text.partition("\r\n\r\n")
        start_line, *lines = head.split("\r\n")
        headers: dict[str, str] = {}
        for line in lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip()] = value.strip()
        return cls(start_line=start_line, headers=headers, body=body)

    def header(self, name: str, default: str = "") -> str:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default

    def set_header(self, name: str, value: str) -> None:
        for key in list(self.headers):
            if key.lower() == name.lower():
                del self.headers[key]
        self.headers[name] = value

    @property
    def is_request(self) -> bool:
        return not self.start_line.startswith("SIP/2.0 ")

    @property
    def method(self) -> str:
        return self.start_line.split(" ", 1)[0] if self.is_request else self.cseq_method

    @property
    def status(self) -> int:
        return 0 if self.is_request else int(self.start_line.split(" ")[1])

    @property
    def cseq_number(self) -> int:
        return int(self.header("CSeq").split()[0])

    @property
    def cseq_method(self) -> str:
        return self.header("CSeq").split()[-1]

    @property
    def call_id(self) -> str:
        return self.header("Call-ID")

    def __str__(self) -> str:
        headers = {k: v for k, v in self.headers.items() if k.lower() != "content-length"}
        headers["Content-Length"] = str(len(self.body.encode()))
        lines = [self.start_line, *(f"{k}: {v}" for k, v in headers.items()), "", self.body]
        return "\r\n".join(lines)


def response(
    request: SipMessage, status: int, *, headers: dict | None = None, body: str = "", to_tag: str = ""
) -> SipMessage:
    """A response to `request` carrying its dialog headers (and our To tag, when given)."""
    out = SipMessage(start_line=f"SIP/2.0 {status} {REASONS[status]}")
    for name in DIALOG_HEADERS:
        value = request.header(name)
        if value:
            out.headers[name] = value
    if to_tag and "tag=" not in out.headers.get("To", ""):
        out.headers["To"] = f"{out.headers.get('To', '')};tag={to_tag}"
    out.headers.update(headers or {})
    out.body = body
    return out


def new_tag() -> str:
    return secrets.token_hex(7)


def new_branch() -> str:
    return f"z9hG4bK{secrets.token_hex(8)}"


def new_call_id() -> str:
    return secrets.token_hex(16)


def tag_of(header_value: str) -> str:
    _, _, rest = header_value.partition(";tag=")
    return rest.split(";")[0]


def uri_of(header_value: str) -> str:
    """`sip:…` inside the angle brackets of a From/To/Contact value."""
    start, end = header_value.find("<"), header_value.find(">")
    return header_value[start + 1 : end] if 0 <= start < end else header_value.split(";")[0].strip()


def user_of(uri: str) -> str:
    """The user part of `sip:user@host`."""
    return uri.removeprefix("sip:").split("@", 1)[0]


def header_param(header_value: str, name: str) -> str:
    """`expires` of `<sip:…>;+sip.instance="<urn:uuid:x>";expires=60` (quotes kept off)."""
    for part in header_value.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == name.lower():
            return value.strip().strip('"')
    return ""

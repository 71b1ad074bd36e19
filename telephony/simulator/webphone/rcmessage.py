"""RingCentral's `x-rc/agent` call-control XML (the `P-rc` header and the MESSAGE bodies).

    <Msg><Hdr SID="…" Req="…" From="…" To="…" Cmd="6"/><Bdy Phn="+1…" Nm="…" ToPhn="+1…" ToNm="…"/></Msg>

Commands (ringcentral-web-phone `call-control-commands.ts`): 2 ServerFreeResources, 6 IncomingCall,
7 AlreadyProcessed, 10 ClientForward, 11 ClientVoicemail, 12 ClientReject, 17 ClientReceiveConfirm.
"""

import xml.etree.ElementTree as ET  # noqa: S405 - parses what our own socket peers send, small
from xml.sax.saxutils import quoteattr

SERVER_FREE_RESOURCES, INCOMING_CALL, ALREADY_PROCESSED = 2, 6, 7
CLIENT_FORWARD, CLIENT_VOICEMAIL, CLIENT_REJECT, CLIENT_RECEIVE_CONFIRM = 10, 11, 12, 17
SERVER_AGENT = "#1024016@sip.ringcentral.com:5060"


def build(headers: dict[str, str], body: dict[str, str]) -> str:
    def attrs(values: dict[str, str]) -> str:
        # The web phone splits header lines on ": ", so no value may contain one.
        return " ".join(f"{k}={quoteattr(str(v).replace(': ', ' '))}" for k, v in values.items())

    return f"<Msg><Hdr {attrs(headers)}/><Bdy {attrs(body)}/></Msg>"


def parse(xml: str) -> tuple[dict[str, str], dict[str, str]]:
    """(Hdr attributes, Bdy attributes); empty dicts for anything unreadable."""
    try:
        root = ET.fromstring(xml.strip())  # noqa: S314
    except ET.ParseError:
        return {}, {}
    header, body = root.find("Hdr"), root.find("Bdy")
    return (dict(header.attrib) if header is not None else {}), (
        dict(body.attrib) if body is not None else {}
    )

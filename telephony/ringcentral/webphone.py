"""The browser phone's SIP credentials (`POST /client-info/sip-provision`, rate group Heavy,
permission VoipCalling).

    info = ringcentral.sip_provision(rc, device_id=stored_device_id)
    info.browser_sip_info()   # exactly what `new WebPhone({sipInfo})` needs, for the user's browser only

The result holds a SIP password: it is left out of repr() (never logged) and must be stored
encrypted like tokens. Pass the device id from the previous answer so the user keeps one
WebPhone device instead of getting a new one each time.
"""

from dataclasses import dataclass, field

from telephony.ringcentral.errors import RingCentralUnavailable
from telephony.ringcentral.session import Session, post_json

SIP_PROVISION_PATH = "/restapi/v1.0/client-info/sip-provision"


@dataclass(frozen=True)
class SipInfo:
    device_id: str
    device_type: str
    username: str
    password: str = field(repr=False)
    authorization_id: str = ""
    domain: str = ""
    outbound_proxy: str = ""
    outbound_proxy_backup: str = ""
    transport: str = "WSS"
    stun_servers: tuple[str, ...] = ()
    polling_interval: int | None = None  # seconds; ask again within this (RingCentral's advice)

    @classmethod
    def from_api(cls, data: dict) -> "SipInfo":
        infos = data.get("sipInfo")
        info = infos[0] if isinstance(infos, list) and infos and isinstance(infos[0], dict) else None
        device: dict = data["device"] if isinstance(data.get("device"), dict) else {}
        if info is None or not info.get("password") or not info.get("outboundProxy"):
            raise RingCentralUnavailable("RingCentral sent SIP provisioning without usable sipInfo.")
        polling = data.get("pollingInterval")
        return cls(
            device_id=str(device.get("id") or ""),
            device_type=str(device.get("type") or ""),
            username=str(info.get("username") or ""),
            password=str(info["password"]),
            authorization_id=str(info.get("authorizationId") or ""),
            domain=str(info.get("domain") or ""),
            outbound_proxy=str(info["outboundProxy"]),
            outbound_proxy_backup=str(info.get("outboundProxyBackup") or info["outboundProxy"]),
            transport=str(info.get("transport") or "WSS"),
            stun_servers=tuple(str(s) for s in info.get("stunServers") or ()),
            polling_interval=polling if isinstance(polling, int) and not isinstance(polling, bool) else None,
        )

    def browser_sip_info(self) -> dict:
        """The `sipInfo` object the browser package takes (RingCentral's own field names)."""
        return {
            "username": self.username,
            "password": self.password,
            "authorizationId": self.authorization_id,
            "domain": self.domain,
            "outboundProxy": self.outbound_proxy,
            "outboundProxyBackup": self.outbound_proxy_backup,
            "transport": self.transport,
            "stunServers": list(self.stun_servers),
        }


def sip_provision(session: Session, *, device_id: str = "") -> SipInfo:
    """SIP credentials of the session user's browser phone (WSS). `device_id`: the WebPhone device
    of an earlier answer, to keep it; empty: RingCentral picks (or makes) the client's device.
    Raises the module's errors (InvalidRequest for a missing VoipCalling permission, RateLimited…)."""
    body: dict = {"sipInfo": [{"transport": "WSS"}]}
    if device_id:
        body["device"] = {"id": device_id}
    return SipInfo.from_api(post_json(session, SIP_PROVISION_PATH, body=body))

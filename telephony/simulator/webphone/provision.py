"""`POST /restapi/v1.0/client-info/sip-provision`: a WebPhone device and its SIP credentials.

Request `{"sipInfo": [{"transport": "WSS"}], "device": {"id": …}?}`; rate group Heavy, permission
VoipCalling. Without a device id the device of the caller's token session is reused (RingCentral
ties a client's device to its endpoint), or a new one is made. `outboundProxy` is the
simulator's own SIP WebSocket over TLS.
"""

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from telephony.simulator.platform.account_views import device_json
from telephony.simulator.platform.api import invalid_parameter, rc_api
from telephony.simulator.platform.models import Device, Extension, Token
from telephony.simulator.voice.views_callcontrol import json_body

from .message import DOMAIN
from .models import SipCredential

POLLING_INTERVAL = 86400


def _transport(body: dict) -> str:
    infos = body.get("sipInfo")
    if not isinstance(infos, list) or not infos or not isinstance(infos[0], dict):
        raise invalid_parameter("sipInfo")
    transport = str(infos[0].get("transport") or "")
    if transport != "WSS":
        raise invalid_parameter("sipInfo.transport", "Only WSS transport is available to web phones")
    return transport


def _device(body: dict, *, extension: Extension, token: Token) -> Device:
    wanted = body.get("device")
    if wanted is not None:
        device_id = str(wanted.get("id") or "") if isinstance(wanted, dict) else ""
        device = Device.objects.filter(id=device_id, extension=extension, type="WebPhone").first()
        if device is None:
            raise invalid_parameter("device.id")
        return device
    serial = token.endpoint_id or token.session_id
    device = Device.objects.filter(extension=extension, type="WebPhone", serial=serial).first()
    if device is None:
        device = Device.objects.create(
            extension=extension,
            type="WebPhone",
            name=f"{extension.first_name or extension.name}'s web phone",
            model_name="RingCentral WebPhone",
            serial=serial,
        )
    return device


def sip_info(credential: SipCredential, *, transport: str) -> dict:
    proxy = settings.SIM_SIP_PROXY
    return {
        "username": credential.username,
        "password": credential.password,
        "authorizationId": credential.authorization_id,
        "domain": DOMAIN,
        "outboundProxy": proxy,
        "outboundProxyBackup": proxy,
        "transport": transport,
        "stunServers": [],
    }


@rc_api(group="Heavy", methods=("POST",), permission="VoipCalling")
def sip_provision(request: HttpRequest) -> JsonResponse:
    body = json_body(request)
    transport = _transport(body)
    device = _device(body, extension=request.rc_extension, token=request.rc_token)
    credential, _ = SipCredential.objects.get_or_create(device=device)
    device_data = device_json(request, device)
    device_data["sku"] = "DV-1"
    return JsonResponse(
        {
            "device": device_data,
            "sipInfo": [sip_info(credential, transport=transport)],
            "sipFlags": {
                "voipFeatureEnabled": True,
                "voipCountryBlocked": False,
                "outboundCallsEnabled": True,
                "dscpEnabled": False,
                "dscpSignaling": 26,
                "dscpVoice": 46,
                "dscpVideo": 34,
            },
            "sipErrorCodes": ["408", "502", "503", "504"],
            "pollingInterval": POLLING_INTERVAL,
        }
    )

"""Python API for driving a running simulator over its `/_sim/` control endpoints.

Used by the tests and by humans in a shell. Each simulator app contributes its methods through a
mixin: `platform.control.PlatformControl` (reset, apps, faults, rate limits, call-log
generation), `voice.control.VoiceControl` (place calls, advance them, read deliveries) and
`webphone.control.WebPhoneControl` (registrations, SIP dialogs, what the far end hears).
"""

import requests

from telephony.simulator.platform.control import PlatformControl
from telephony.simulator.voice.control import VoiceControl
from telephony.simulator.webphone.control import WebPhoneControl


class SimulatorControl(PlatformControl, VoiceControl, WebPhoneControl):
    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()

    def _request(self, method: str, path: str, **kwargs) -> dict:
        response = self.http.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else {}

    def _get(self, path: str, **params) -> dict:
        return self._request("GET", path, params=params)

    def _post(self, path: str, payload: dict | None = None) -> dict:
        return self._request("POST", path, json=payload or {})

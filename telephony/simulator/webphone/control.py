class WebPhoneControl:
    """Control methods for the web-phone side (composed into `SimulatorControl`)."""

    def sip_registrations(self) -> list[dict]:
        """Live registrations: extensionId, instanceId, deviceId, authorizationId, expiresIn, connected."""
        return self._get("/_sim/webphone/registrations")["registrations"]

    def sip_dialogs(self) -> list[dict]:
        """SIP dialogs with browsers: callId, telephonySessionId, partyId, deviceId, direction,
        state (ringing | answered | ended), held."""
        return self._get("/_sim/webphone/dialogs")["dialogs"]

    def webphone_media(self, telephony_session_id: str) -> dict:
        """What the far end of the call's web-phone leg hears and sends: connection, held,
        packetsReceived, bytesSent, framesReceived, pcmBytesReceived, level (RMS 0-1, last
        0.5 s), tone1kHz and tone700Hz (energy at those frequencies, last 0.5 s)."""
        return self._get(f"/_sim/webphone/calls/{telephony_session_id}/media")

    def drop_sip_sockets(self, extension_id: str = "") -> int:
        """Close the SIP WebSockets of the connected phones (of one extension, or all), as a network
        blip or RingCentral's edge would; registrations stay until they expire. Returns how many."""
        return self._post("/_sim/webphone/drop-sockets", {"extensionId": extension_id})["closed"]

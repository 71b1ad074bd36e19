class VoiceControl:
    """Control methods for the voice app: place and drive calls, read subscriptions and deliveries.

    Composed into `telephony.simulator.control.SimulatorControl`, which provides `_get/_post/_request`.
    Calls are returned as the simulator's JSON: `telephonySessionId`, `sessionId`, `live`,
    `session` (Call Control shape), `events` (sequence, eventTime, party), `callLogIds`.
    """

    def place_call(
        self,
        from_number: str,
        to_extension: str,
        *,
        from_name: str = "",
        answer_after: float | None = None,
        hangup_after: float | None = None,
        ring_timeout: float | None = None,
        record: bool = False,
        missed: bool = False,
        voicemail: bool = False,
    ) -> dict:
        """An inbound PSTN call to a user. `answer_after`: the desk phone answers after S seconds;
        `hangup_after`: the caller hangs up S seconds after the answer (or, with `missed`, while it
        still rings); `ring_timeout`: unanswered after S → missed call (or voicemail);
        `voicemail`: unanswered after `ring_timeout` (default 3 rings) the caller leaves a
        voicemail (`messages()` lists it). A user on Do Not Disturb gets voicemail unrung."""
        payload = {
            "from": from_number,
            "to_extension": str(to_extension),
            "from_name": from_name,
            "answer_after": answer_after,
            "hangup_after": hangup_after,
            "ring_timeout": ring_timeout,
            "record": record,
            "missed": missed,
            "voicemail": voicemail,
        }
        return self._post("/_sim/calls", {k: v for k, v in payload.items() if v is not None})

    def place_internal_call(self, from_extension: str, to_extension: str, **timing: float) -> dict:
        return self._post(
            "/_sim/calls/internal",
            {"from_extension": str(from_extension), "to_extension": str(to_extension), **timing},
        )

    def dial_from_device(
        self, from_extension: str, to_number: str, *, device: str = "HardPhone", **timing: float
    ) -> dict:
        """User `from_extension` dials `to_number` on their desk phone (`device="SoftPhone"`: the
        RingCentral app), not through Arcadium. The far end rings until `answer_call` (or
        `answer_after`); `hangup_after` S after the answer the far end hangs up."""
        return self._post(
            "/_sim/calls/outbound",
            {"from_extension": str(from_extension), "to": to_number, "device": device, **timing},
        )

    def calls(self, *, live: bool = False) -> list[dict]:
        return self._get("/_sim/calls", **({"live": "1"} if live else {}))["calls"]

    def call(self, telephony_session_id: str) -> dict:
        return self._get(f"/_sim/calls/{telephony_session_id}")

    def _call_action(self, telephony_session_id: str, action: str, **payload) -> dict:
        return self._post(
            f"/_sim/calls/{telephony_session_id}/{action}", {k: v for k, v in payload.items() if v}
        )

    def answer_call(
        self, telephony_session_id: str, *, party_id: str = "", device: str = "HardPhone"
    ) -> dict:
        """The user picks up on a device (desk phone by default), not through the API."""
        return self._call_action(telephony_session_id, "answer", party_id=party_id, device=device)

    def decline_call(self, telephony_session_id: str, *, party_id: str = "") -> dict:
        """The ringing user presses Decline on their phone (the newest ringing party by default):
        `Disconnected` with reason `Rejected`, as the `reject` Call Control action does."""
        return self._call_action(telephony_session_id, "decline", party_id=party_id)

    def transfer_call(
        self, telephony_session_id: str, *, to_extension: str = "", to_number: str = "", party_id: str = ""
    ) -> dict:
        """The user blind-transfers the call from their phone (not through the API) to an extension
        number or an E.164 number; the same notifications as Call Control `transfer`."""
        return self._call_action(
            telephony_session_id,
            "transfer",
            to_extension=to_extension,
            to_number=to_number,
            party_id=party_id,
        )

    def hang_up(self, telephony_session_id: str, *, side: str = "caller", party_id: str = "") -> dict:
        """`side="caller"` (the far end hangs up) or `"callee"` (the user hangs up on the phone)."""
        return self._call_action(telephony_session_id, "hangup", side=side, party_id=party_id)

    def hold_call(self, telephony_session_id: str, *, party_id: str = "") -> dict:
        return self._call_action(telephony_session_id, "hold", party_id=party_id)

    def unhold_call(self, telephony_session_id: str, *, party_id: str = "") -> dict:
        return self._call_action(telephony_session_id, "unhold", party_id=party_id)

    def ring_timeout(self, telephony_session_id: str, *, party_id: str = "") -> dict:
        """Advance time: ringing ends now (missed call, or voicemail if the call asked for it)."""
        return self._call_action(telephony_session_id, "timeout", party_id=party_id)

    def forward_call(self, telephony_session_id: str, to_extension: str, *, party_id: str = "") -> dict:
        """The user forwards the still ringing call to a colleague."""
        return self._call_action(
            telephony_session_id, "forward", to_extension=str(to_extension), party_id=party_id
        )

    def drop_call(self, telephony_session_id: str) -> dict:
        return self._call_action(telephony_session_id, "drop")

    def subscriptions(self) -> list[dict]:
        """Every subscription (SubscriptionInfo + ownerId, deliveries, consecutiveFailures)."""
        return self._get("/_sim/subscriptions")["subscriptions"]

    def deliveries(self, *, subscription: str = "", session: str = "", wait: bool = True) -> list[dict]:
        """Notifications made, oldest first: `payload`, `state` (pending/delivered/failed/buffered/
        skipped), `httpStatus`, `error`. `wait` first lets queued deliveries be attempted."""
        params = {"subscription": subscription, "session": session, "wait": "1" if wait else ""}
        return self._get("/_sim/deliveries", **{k: v for k, v in params.items() if v})["deliveries"]

    def voice_config(self, **changes: float) -> dict:
        """Read or change `ring_timeout`, `voicemail_rings` (> 0: every unanswered call goes to
        voicemail after that many rings; 0: missed), `ring_seconds`, `voicemail_length`,
        `webhook_timeout`, `webhook_max_failures`, `ws_recovery_timeout`, `default_expires_in`,
        `max_subscriptions`..."""
        if changes:
            return self._post("/_sim/voice/config", changes)
        return self._get("/_sim/voice/config")

    def reset_voice(self) -> dict:
        return self._post("/_sim/voice/reset")

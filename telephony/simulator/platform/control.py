class PlatformControl:
    """Control methods for the platform app: `/_sim/` endpoints (see platform/control_views.py).

    Composed into `telephony.simulator.control.SimulatorControl`, which provides `_get/_post/_request`.
    """

    def health(self) -> dict:
        return self._get("/_sim/health")

    def reset(self) -> dict:
        """Drop tokens, codes, call log, recordings, registered apps, faults and limit changes; reseed."""
        return self._post("/_sim/reset")

    def register_app(
        self,
        client_id: str,
        *,
        client_secret: str = "",
        name: str = "",
        redirect_uris: list[str] | None = None,
        allow_dev_redirects: bool = True,
        permissions: str = "",
    ) -> dict:
        """Create or update an app; an empty secret makes a public (PKCE, client_id-in-body) client."""
        payload = {
            "client_id": client_id,
            "client_secret": client_secret,
            "name": name,
            "redirect_uris": redirect_uris or [],
            "allow_dev_redirects": allow_dev_redirects,
            "permissions": permissions,
        }
        return self._post("/_sim/apps", payload)

    def apps(self) -> list[dict]:
        return self._get("/_sim/apps")["apps"]

    def set_ttls(self, **ttls: int) -> dict:
        """Seconds for `access_token`, `refresh_token`, `auth_code`, `ws_token`, and `refresh_grace`
        (how long a used refresh token still returns its successor; 0 = strict single use)."""
        return self._post("/_sim/ttls", ttls)["ttls"]

    def add_fault(
        self,
        path: str,
        *,
        method: str = "",
        status: int = 0,
        delay_ms: int = 0,
        malformed: bool = False,
        count: int | None = None,
    ) -> dict:
        """Requests whose path matches the regex `path` fail with `status` (500/503 → CMN-201), wait
        `delay_ms`, or get a malformed JSON body; for `count` requests or until `clear_faults()`."""
        payload = {
            "path": path,
            "method": method,
            "status": status,
            "delay_ms": delay_ms,
            "malformed": malformed,
            "count": count,
        }
        return self._post("/_sim/faults", payload)["fault"]

    def faults(self) -> list[dict]:
        return self._get("/_sim/faults")["faults"]

    def clear_faults(self) -> None:
        self._request("DELETE", "/_sim/faults")

    def set_limits(self, *, enabled: bool | None = None, window: int | None = None, **limits: int) -> dict:
        """E.g. `set_limits(enabled=True, Heavy=3, window=60)`; counters restart."""
        payload = {k: v for k, v in {"enabled": enabled, "window": window, **limits}.items() if v is not None}
        return self._post("/_sim/limits", payload)

    def limits(self) -> dict:
        return self._get("/_sim/limits")

    def generate_call_log(
        self,
        count: int,
        *,
        days: int = 30,
        extensions: list[str] | None = None,
        recorded_share: float = 0.2,
        seed: int | None = None,
    ) -> dict:
        """Bulk historic records over the last `days` days for extension numbers/ids (default all users)."""
        payload = {
            "count": count,
            "days": days,
            "extensions": extensions or [],
            "recorded_share": recorded_share,
            "seed": seed,
        }
        return self._post("/_sim/call-log/generate", payload)

    def add_call_log_record(self, *, extension: str, **fields) -> dict:
        """One finished call (fields as `platform.calllog.record_finished_call`; `start_time` ISO string),
        its own telephony session unless `telephony_session_id` is given; `voicemail=True` also
        leaves a linked voicemail. Returns `{id, telephonySessionId, recording_id, message_id}`."""
        return self._post("/_sim/call-log/records", {"extension": extension, **fields})

    def messages(self) -> list[dict]:
        """Voicemail in every mailbox, newest first: `id`, `extensionId`, `from`, `telephonySessionId`,
        `callLogIds` (the records that link it), `transcription`…"""
        return self._get("/_sim/messages")["messages"]

    def call_log_count(self) -> int:
        return self._get("/_sim/call-log/count")["count"]

    def users(self) -> list[dict]:
        return self._get("/_sim/users")["users"]

    def jwt(self, extension: str) -> str:
        """The JWT credential of a user (extension number or id) for the jwt-bearer grant."""
        return self._get(f"/_sim/users/{extension}/jwt")["jwt"]

    def add_extension(self, extension_number: str, **fields) -> dict:
        """A new extension: fields `first_name`, `last_name`, `name`, `email`, `phone_number`, `type`
        (default User, which also gets a softphone), `status`, `password`. Returns `{id, extensionNumber, jwt}`."""
        return self._post("/_sim/extensions", {"extension_number": extension_number, **fields})

    def update_extension(self, extension: str, **fields) -> dict:
        """Change an extension (number or id), e.g. `update_extension("103", status="Disabled")`."""
        return self._post(f"/_sim/extensions/{extension}", fields)

    def sessions(self) -> list[dict]:
        return self._get("/_sim/sessions")["sessions"]

    def expire_access_tokens(self, extension: str = "") -> int:
        return self._post("/_sim/tokens/expire", {"extension": extension} if extension else {})["expired"]

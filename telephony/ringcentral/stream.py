"""WebSocket notifications (RingCentral's `[meta, body]` framing), for `manage.py ringcentral_listen`.

The SDK's WebSocket client cannot resume a session with the `wsc` recovery token, so this speaks
the protocol directly with `websockets`: open `uri?access_token=…[&wsc=…]`, wait for
ConnectionDetails, subscribe with a ClientRequest (unless recovery restored the subscription),
then yield notification envelopes, keeping the latest `wsc` and sending Heartbeats when idle.
One subscription per connection (RingCentral's rule). Reconnecting is the caller's job: open a
new stream with a new WsToken and `wsc=old.wsc` within RingCentral's recovery timeout (180 s).
"""

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from telephony.ringcentral.errors import InvalidRequest, RingCentralUnavailable
from telephony.ringcentral.types import WsToken

logger = logging.getLogger("telephony.ringcentral")
# `websockets` logs the request line (`GET /ws?access_token=…`) and every frame (with `wsc`
# recovery tokens) at DEBUG. Its client gets this logger, pinned at INFO, so a DEBUG log
# configuration can never write those tokens down.
wire_logger = logging.getLogger("telephony.ringcentral.websocket")
wire_logger.setLevel(logging.INFO)

SUBSCRIBE_PATH = "/restapi/v1.0/subscription/"


class TelephonyStream:
    """Use as `async with await TelephonyStream.open(ws_token, event_filters=[…]) as stream:
    async for envelope in stream: …`."""

    def __init__(self, connection: ClientConnection, *, heartbeat_interval: float) -> None:
        self._ws = connection
        self._heartbeat_interval = heartbeat_interval
        self.wsc: dict | None = None  # {"token": …, "sequence": n}; pass to the next open() to recover
        self.connection_details: dict = {}
        self.subscription_id: str = ""
        self.recovered = False

    @classmethod
    async def open(
        cls,
        ws_token: WsToken,
        *,
        event_filters: list[str],
        wsc: dict | None = None,
        heartbeat_interval: float = 30.0,
        open_timeout: float = 10.0,
    ) -> "TelephonyStream":
        query = {"access_token": ws_token.token}
        if wsc and wsc.get("token"):
            query["wsc"] = wsc["token"]
        url = f"{ws_token.uri}{'&' if '?' in ws_token.uri else '?'}{urlencode(query)}"
        try:
            connection = await connect(url, open_timeout=open_timeout, max_size=2**22, logger=wire_logger)
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            raise RingCentralUnavailable(
                f"RingCentral's WebSocket gateway cannot be reached ({type(exc).__name__})."
            ) from None
        stream = cls(connection, heartbeat_interval=heartbeat_interval)
        stream.wsc = wsc
        try:
            await stream._handshake(event_filters, timeout=open_timeout)
        except TimeoutError:
            await stream.close()
            raise RingCentralUnavailable(
                f"RingCentral's WebSocket did not complete the subscription within {open_timeout:.0f} s."
            ) from None
        except BaseException:
            await stream.close()
            raise
        return stream

    async def _handshake(self, event_filters: list[str], *, timeout: float) -> None:
        meta, body = await asyncio.wait_for(self._receive(), timeout)
        if meta.get("type") != "ConnectionDetails":
            raise RingCentralUnavailable(
                f"RingCentral's WebSocket sent {meta.get('type')!r} before ConnectionDetails."
            )
        self.connection_details = body or {}
        self.recovered = self.connection_details.get("recoveryState") == "Successful"
        if self.recovered:
            logger.info("RingCentral WebSocket session recovered")
            return
        await self._subscribe(event_filters, timeout=timeout)

    async def _subscribe(self, event_filters: list[str], *, timeout: float) -> None:
        message_id = str(uuid.uuid4())
        request = {"type": "ClientRequest", "messageId": message_id, "method": "POST", "path": SUBSCRIBE_PATH}
        payload = {"eventFilters": list(event_filters), "deliveryMode": {"transportType": "WebSocket"}}
        await self._ws.send(json.dumps([request, payload]))
        while True:
            meta, body = await asyncio.wait_for(self._receive(), timeout)
            if meta.get("type") == "ClientRequest" and meta.get("messageId") == message_id:
                break
        if int(meta.get("status") or 0) >= 400:
            body = body or {}
            raise InvalidRequest(
                f"RingCentral refused the WebSocket subscription: [{body.get('errorCode', '')}] {body.get('message', '')}",
                status=int(meta["status"]),
                error_code=str(body.get("errorCode", "")),
            )
        self.subscription_id = str(
            (body or {}).get("id") or (meta.get("headers") or {}).get("WSG-SubscriptionId", "")
        )
        logger.info("RingCentral WebSocket subscription %s active", self.subscription_id)

    async def _receive(self) -> tuple[dict, dict | None]:
        """The next frame as (meta, body); keeps the newest wsc. Raises RingCentralUnavailable if closed."""
        try:
            raw = await self._ws.recv()
        except ConnectionClosed as exc:
            raise RingCentralUnavailable(
                f"RingCentral's WebSocket closed (code {exc.rcvd.code if exc.rcvd else 'none'})."
            ) from None
        try:
            frame = json.loads(raw)
            meta = frame[0]
            body = frame[1] if len(frame) > 1 else None
        except (ValueError, TypeError, IndexError, KeyError):
            meta, body = None, None
        if not isinstance(meta, dict):
            logger.warning("RingCentral WebSocket frame is not [meta, body]; ignored")
            return {}, None
        self._remember_wsc(meta)
        return meta, body

    def _remember_wsc(self, meta: dict) -> None:
        wsc = meta.get("wsc") if isinstance(meta, dict) else None
        if not isinstance(wsc, dict) or not wsc.get("token"):
            return
        current = int((self.wsc or {}).get("sequence") or 0)
        if meta.get("type") == "ConnectionDetails" or int(wsc.get("sequence") or 0) >= current:
            self.wsc = {"token": wsc["token"], "sequence": int(wsc.get("sequence") or 0)}

    async def __aiter__(self) -> AsyncIterator[dict]:
        while True:
            try:
                meta, body = await asyncio.wait_for(self._receive(), self._heartbeat_interval)
            except TimeoutError:
                await self.heartbeat()
                continue
            kind = meta.get("type")
            if kind == "ServerNotification" and isinstance(body, dict):
                yield body
            elif kind == "Error":
                body = body or {}
                raise RingCentralUnavailable(
                    f"RingCentral's WebSocket reported an error: [{body.get('errorCode', '')}] {body.get('message', '')}"
                )

    async def heartbeat(self) -> None:
        try:
            await self._ws.send(json.dumps([{"type": "Heartbeat", "messageId": str(uuid.uuid4())}]))
        except ConnectionClosed:
            raise RingCentralUnavailable("RingCentral's WebSocket closed.") from None

    async def close(self) -> None:
        await self._ws.close()

    async def __aenter__(self) -> "TelephonyStream":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

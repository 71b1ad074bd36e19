"""The WebSocket gateway (`/ws`), speaking RingCentral's `[meta, body]` frames (API.md §3)."""

import asyncio
import json
import uuid
from datetime import timedelta
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from telephony.simulator.platform.api import RCError, consume_ws_token
from telephony.simulator.platform.calllog import iso
from telephony.simulator.platform.models import WsToken

from . import delivery, gateway, knobs, subscriptions
from .models import Delivery, Subscription, WsSession

SUBSCRIPTION_PATH = "/restapi/v1.0/subscription"


def _meta(kind: str, message_id: str, *, status: int = 200, headers: dict | None = None, wsc=None) -> dict:
    meta = {
        "type": kind,
        "messageId": message_id,
        "status": status,
        "headers": {"RCRequestId": str(uuid.uuid4())},
    }
    meta["headers"].update(headers or {})
    if wsc is not None:
        meta["wsc"] = {"token": wsc.token, "sequence": wsc.sequence}
    return meta


def _details(ws: WsSession, recovery: str | None) -> dict:
    body = {"creationTime": iso(ws.created).replace("Z", "+0000")}
    if recovery == "Successful":
        body["recoveryState"] = "Successful"
    elif recovery == "Failed":
        body.update(recoveryState="Failed", recoveryErrorCode="WSG-1005")
    body.update(
        maxConnectionsPerSession=50,
        recoveryBufferSize=knobs.get("ws_recovery_buffer"),
        recoveryTimeout=int(knobs.get("ws_recovery_timeout")),
        idleTimeout=1800,
        absoluteTimeout=86400,
        maxActiveRequests=10,
    )
    return body


@database_sync_to_async
def _open_session(access_token: str, wsc_token: str) -> tuple[WsSession | None, str | None]:
    """Spend the ws token; resume the `wsc` session if it is recent enough. (session, recoveryState)."""
    extension = consume_ws_token(access_token) if access_token else None
    if extension is None:
        return None, None
    app_id = WsToken.objects.filter(token=access_token).values_list("app_id", flat=True).first()
    if wsc_token:
        cutoff = timezone.now() - timedelta(seconds=knobs.get("ws_recovery_timeout"))
        old = WsSession.objects.filter(token=wsc_token, extension=extension).first()
        if old is not None and (old.connected or (old.disconnected_at and old.disconnected_at >= cutoff)):
            WsSession.objects.filter(token=old.token).update(connected=True, disconnected_at=None)
            old.refresh_from_db()
            return old, "Successful"
        return WsSession.objects.create(extension=extension, app_id=app_id), "Failed"
    return WsSession.objects.create(extension=extension, app_id=app_id), None


@database_sync_to_async
def _buffered(ws: WsSession) -> list[int]:
    sub = Subscription.objects.filter(ws_session=ws.token).first()
    if sub is None:
        return []
    rows = Delivery.objects.filter(subscription=sub, state=Delivery.BUFFERED).order_by("-id")
    keep = list(rows.values_list("id", flat=True)[: knobs.get("ws_recovery_buffer")])
    rows.exclude(id__in=keep).update(state=Delivery.SKIPPED, error="recovery buffer overflow")
    Delivery.objects.filter(id__in=keep).update(state=Delivery.PENDING)
    return sorted(keep)


@database_sync_to_async
def _closed(ws: WsSession) -> None:
    WsSession.objects.filter(token=ws.token).update(connected=False, disconnected_at=timezone.now())


class GatewayConsumer(AsyncWebsocketConsumer):
    ws: WsSession | None = None

    async def connect(self) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        access_token = (query.get("access_token") or [""])[0]
        wsc_token = (query.get("wsc") or [""])[0]
        self.ws, recovery = await _open_session(access_token, wsc_token)
        if self.ws is None:
            await self.close()  # refused handshake: HTTP 403, as for a bad or spent token
            return
        self.loop = asyncio.get_running_loop()
        await self.accept()
        frame = [_meta("ConnectionDetails", str(uuid.uuid4()), wsc=self.ws), _details(self.ws, recovery)]
        await self.send(text_data=json.dumps(frame))
        gateway.register(self.ws.token, self)
        if recovery == "Successful":
            for delivery_id in await _buffered(self.ws):
                await database_sync_to_async(_enqueue_buffered)(delivery_id)

    async def disconnect(self, code) -> None:
        if self.ws is not None:
            gateway.unregister(self.ws.token, self)
            if not gateway.connected(self.ws.token):  # a recovering socket may already have taken over
                await _closed(self.ws)

    async def send_frame(self, text: str) -> None:
        await self.send(text_data=text)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        try:
            frame = json.loads(text_data or "")
            meta = frame[0]
            kind, message_id = meta.get("type"), str(meta.get("messageId", ""))
        except (ValueError, TypeError, LookupError, AttributeError):
            await self._send(
                [
                    _meta("Error", str(uuid.uuid4()), status=400),
                    {"errorCode": "WSG-400", "message": "Invalid message format"},
                ]
            )
            return
        if kind == "Heartbeat":
            await self._send([{"type": "Heartbeat", "messageId": message_id, "status": 200}])
        elif kind == "ClientRequest":
            body = frame[1] if len(frame) > 1 and isinstance(frame[1], dict) else {}
            status, headers, reply = await self._request(meta, body)
            await self._send([_meta("ClientRequest", message_id, status=status, headers=headers), reply])
        else:
            await self._send(
                [
                    _meta("Error", message_id, status=400),
                    {"errorCode": "WSG-400", "message": f"Unsupported message type {kind}"},
                ]
            )

    async def _send(self, frame: list) -> None:
        await self.send(text_data=json.dumps(frame))

    async def _request(self, meta: dict, body: dict) -> tuple[int, dict, dict]:
        method = str(meta.get("method", "")).upper()
        path = str(meta.get("path", "")).split("?")[0].rstrip("/")
        try:
            return await database_sync_to_async(self._handle)(method, path, body)
        except RCError as exc:
            return exc.status, {}, json.loads(exc.response().content)

    def _handle(self, method: str, path: str, body: dict) -> tuple[int, dict, dict]:
        """Subscription requests over the socket; the socket owns at most one subscription."""
        base = f"{SUBSCRIPTION_PATH}"
        extension = self.ws.extension
        if method == "POST" and path == base:
            sub = subscriptions.create_websocket(
                body=body, extension=extension, app=self.ws.app, ws_session=self.ws.token
            )
            return 200, _sub_headers(sub), subscriptions.info(sub, base_uri=base)
        sub = Subscription.objects.filter(ws_session=self.ws.token, id=path.rpartition("/")[2]).first()
        if not path.startswith(base + "/") or sub is None:
            raise RCError(
                404,
                "CMN-102",
                "Resource for parameter [subscriptionId] is not found",
                parameterName="subscriptionId",
            )
        if method == "PUT":
            sub = subscriptions.update(sub, body=body)
            return 200, _sub_headers(sub), subscriptions.info(sub, base_uri=base)
        if method == "DELETE":
            sub.delete()
            return 204, _sub_headers(sub), {}
        if method == "GET":
            return 200, _sub_headers(sub), subscriptions.info(sub, base_uri=base)
        raise RCError(405, "CMN-202", f"Method {method} is not supported")


def _sub_headers(sub: Subscription) -> dict:
    return {
        "Content-Type": "application/json",
        "WSG-SubscriptionId": sub.id,
        "X-Rate-Limit-Group": "medium",
        "X-Rate-Limit-Limit": "40",
        "X-Rate-Limit-Remaining": "39",
        "X-Rate-Limit-Window": "60",
    }


def _enqueue_buffered(delivery_id: int) -> None:
    row = Delivery.objects.filter(id=delivery_id).values("subscription_id").first()
    if row:
        delivery.enqueue(row["subscription_id"], delivery_id)

"""The WebSocket door into inbox.ingest(), for installs RingCentral cannot reach by webhook.

`manage.py ringcentral_listen` runs one Listener: it keeps one RingCentral WebSocket per
listening resource (RingCentral allows one subscription per connection), recovers a dropped
session with the `wsc` token when it can, reconnects with backoff when it cannot, and picks up
resources enabled or disabled while it runs.
"""

import asyncio
import contextlib
import logging
import random
import time
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections
from django.utils import timezone

from telephony import ringcentral as rc
from telephony.connect import presence, subscriptions
from telephony.connect.status import phone_status_changed
from telephony.ingest import inbox
from telephony.ingest.notifications import MalformedNotification
from telephony.models import Subscription

logger = logging.getLogger(__name__)

RECOVERY_TIMEOUT_SECONDS = 170  # RingCentral keeps a session recoverable for 180 s
STAMP_EVERY_SECONDS = 30


def _wanted_subscription_ids() -> set[int]:
    return set(
        Subscription.objects.filter(
            transport=Subscription.Transport.WEBSOCKET,
            resource__ringcentral_enabled=True,
            resource__ringcentral_token__is_valid=True,
        ).values_list("pk", flat=True)
    )


def _ws_token(subscription_id: int) -> rc.WsToken:
    subscription = Subscription.objects.select_related("resource").get(pk=subscription_id)
    with rc.session_for(subscription.resource) as session:
        token = rc.ws_token(session)
        # The header shows presence from the start, not only after the first presence event.
        presence.refresh_presence(subscription=subscription, session=session)
        return token


def _mark(subscription_id: int, **fields: Any) -> None:
    Subscription.objects.filter(pk=subscription_id).update(**fields)
    subscription = Subscription.objects.select_related("resource").filter(pk=subscription_id).first()
    if subscription is not None:
        phone_status_changed(subscription.resource)


def _ingest(subscription_id: int, envelope: dict) -> None:
    subscription = Subscription.objects.select_related("resource__entity", "connector").get(
        pk=subscription_id
    )
    try:
        inbox.ingest(envelope, subscription=subscription)
    except MalformedNotification as exc:
        logger.warning("Ignored a malformed notification from RingCentral's WebSocket: %s", exc)


class ResourceConnection:
    """One RingCentral WebSocket for one subscription row, reconnecting until cancelled."""

    def __init__(self, subscription_id: int, *, max_backoff: float = 60.0) -> None:
        self.subscription_id = subscription_id
        self.max_backoff = max_backoff
        self.wsc: dict | None = None
        self.dropped_at: float | None = None
        self.connections = 0

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                await self._connect_and_listen()
                failures = 0
            except rc.AuthExpired as exc:
                await sync_to_async(_mark)(
                    self.subscription_id,
                    status=Subscription.Status.FAILED,
                    last_error=f"authorization needed: {exc}",
                )
                return
            except rc.RingCentralError as exc:
                failures += 1
                logger.warning(
                    "RingCentral WebSocket for subscription %s: %s", self.subscription_id, exc.message
                )
                await sync_to_async(_mark)(self.subscription_id, last_error=exc.message[:500])
            self.dropped_at = self.dropped_at or time.monotonic()
            delay = min(self.max_backoff, 2 ** min(failures, 6)) * (0.5 + random.random() / 2)
            await asyncio.sleep(delay)

    def _recoverable_wsc(self) -> dict | None:
        if self.dropped_at is None or time.monotonic() - self.dropped_at > RECOVERY_TIMEOUT_SECONDS:
            return None
        return self.wsc

    async def _connect_and_listen(self) -> None:
        token = await sync_to_async(_ws_token)(self.subscription_id)
        stream = await rc.TelephonyStream.open(
            token, event_filters=subscriptions.EVENT_FILTERS, wsc=self._recoverable_wsc()
        )
        self.connections += 1
        self.dropped_at = None
        stamper = asyncio.create_task(self._stamp_while_connected(stream.subscription_id))
        try:
            async for envelope in stream:
                self.wsc = stream.wsc
                await sync_to_async(_ingest)(self.subscription_id, envelope)
        finally:
            self.wsc = stream.wsc
            stamper.cancel()
            await stream.close()

    async def _stamp_while_connected(self, rc_subscription_id: str) -> None:
        fields = {"status": Subscription.Status.ACTIVE, "last_error": ""}
        if rc_subscription_id:
            fields["rc_subscription_id"] = rc_subscription_id
        await sync_to_async(_mark)(self.subscription_id, listener_seen_at=timezone.now(), **fields)
        while True:
            await asyncio.sleep(STAMP_EVERY_SECONDS)
            await sync_to_async(Subscription.objects.filter(pk=self.subscription_id).update)(
                listener_seen_at=timezone.now()
            )


class Listener:
    """Supervises one ResourceConnection per wanted subscription."""

    def __init__(self, *, poll_seconds: float = 5.0) -> None:
        self.poll_seconds = poll_seconds
        self.tasks: dict[int, asyncio.Task] = {}
        self.connections: dict[int, ResourceConnection] = {}

    async def sync_once(self) -> None:
        wanted = await sync_to_async(_wanted_subscription_ids)()
        for subscription_id in set(self.tasks) - wanted:
            self.tasks.pop(subscription_id).cancel()
            self.connections.pop(subscription_id, None)
            logger.info("Stopped listening for subscription %s", subscription_id)
        for subscription_id in wanted - set(self.tasks):
            worker = ResourceConnection(subscription_id)
            self.connections[subscription_id] = worker
            self.tasks[subscription_id] = asyncio.create_task(worker.run())
            logger.info("Listening for subscription %s", subscription_id)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        try:
            while not stop.is_set():
                await self.sync_once()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.poll_seconds)
        finally:
            for task in self.tasks.values():
                task.cancel()
            await asyncio.gather(*self.tasks.values(), return_exceptions=True)
            await sync_to_async(connections.close_all)()

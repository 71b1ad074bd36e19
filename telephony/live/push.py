"""The only module that sends to the channel layer.

Everything a user's browser tabs see live (the header phone icon, the call wizard, notifications)
goes through here: one group per user, HTML rendered once (every member of the group is the same
user, so they all see the same fragment), sent after the surrounding transaction commits so a tab
never receives state the database does not have yet.
"""

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TypedDict

import redis
from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from channels_redis.utils import _consistent_hash, decode_hosts
from django.db import transaction

logger = logging.getLogger(__name__)


class HtmlPush(TypedDict):
    type: str  # "push.html" → UserConsumer.push_html
    user_id: int
    html: str


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


class SessionCheck(TypedDict):
    type: str  # "session.check" → UserConsumer.session_check
    user_id: int


def sessions_changed(*, user_id: int) -> None:
    """Every open socket of the user re-checks its own session now (sign-out, deactivation, a new
    password, a deleted session) and closes if that session no longer signs the user in."""
    message: SessionCheck = {"type": "session.check", "user_id": user_id}
    transaction.on_commit(lambda: _group_send(user_group(user_id), message))


def send_html(*, user_id: int, html: str) -> None:
    """Send HTML fragments (top-level elements with ids, swapped out-of-band) to every tab of a user."""
    message: HtmlPush = {"type": "push.html", "user_id": user_id, "html": html}
    transaction.on_commit(lambda: _group_send(user_group(user_id), message))


def _send(layer: BaseChannelLayer, group: str, message: HtmlPush | SessionCheck) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # a sync thread, as views, tasks and the ingest process run in
        publisher = _publisher(layer)
        if publisher is not None:
            publisher.group_send(group, message)
        else:
            async_to_sync(layer.group_send)(group, message)
        return
    # Sync code running inside an event loop's own thread (a script or test under an async
    # framework): AsyncToSync refuses to block that loop, so the send gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as sender:
        sender.submit(async_to_sync(layer.group_send), group, message).result()


class _Publisher:
    """`RedisPubSubChannelLayer.group_send` from a sync thread, as the layer does it (the group's
    channel name, the layer's serializer, the same shard), over a sync Redis client of this
    process. Through `async_to_sync` the message would first wait for an event loop's thread to
    wake (half a millisecond on an idle machine, on the path of every popup), or, from a thread
    under no loop (the ingest process, a task), go out on a new loop and a new connection each."""

    def __init__(self, layer: RedisPubSubChannelLayer, hosts: list[dict]) -> None:
        self.layer = layer
        self.prefix = layer._kwargs.get("prefix", "asgi")
        self.clients = [
            redis.Redis.from_url(h["address"], **{k: v for k, v in h.items() if k != "address"})
            for h in hosts
        ]

    def group_send(self, group: str, message: HtmlPush | SessionCheck) -> None:
        channel = f"{self.prefix}__group__{group}"
        client = self.clients[_consistent_hash(channel, len(self.clients))]
        client.publish(channel, self.layer.serialize(message))


@cache
def _publisher(layer: BaseChannelLayer) -> _Publisher | None:
    """The sync publisher of a Redis pub/sub layer configured by addresses; None for any other
    layer (sent through `async_to_sync`)."""
    if not isinstance(layer, RedisPubSubChannelLayer) or layer._args:
        return None
    hosts = decode_hosts(layer._kwargs.get("hosts"))
    if not all("address" in host for host in hosts):  # sentinels and the like: the layer's own way
        return None
    return _Publisher(layer, hosts)


# After a failed send, skip sending for a few seconds: each attempt against a Redis that is down
# costs the redis client's retries (~0.6 s), and pushes run inside RingCentral's webhook request.
PAUSE_AFTER_FAILURE_SECONDS = 5.0
_paused_until = 0.0


def _group_send(group: str, message: HtmlPush | SessionCheck) -> None:
    global _paused_until
    layer = get_channel_layer()
    if layer is None or time.monotonic() < _paused_until:
        return
    try:
        _send(layer, group, message)
    except Exception:
        # Channel layers are at-most-once and the page re-fetches its live state when its socket
        # reopens, so a lost push is repaired; losing the request that caused it would not be.
        _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
        logger.warning(
            "Live updates paused for %ss: could not send to %s; tabs catch up when their socket reopens",
            PAUSE_AFTER_FAILURE_SECONDS,
            group,
            exc_info=True,
        )

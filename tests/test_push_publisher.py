"""Pushes from sync threads (the ingest process, tasks, views) go out on the Redis pub/sub layer
straight from the calling thread, exactly as the layer's own group_send would put them: the
consumers of every web process read them as any other group message."""

import asyncio
import secrets

import pytest
from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

from telephony.live import push
from tests.services import require_redis

pytestmark = pytest.mark.redis


def test_a_push_from_a_plain_thread_reaches_the_group_and_only_the_group():
    layer = RedisPubSubChannelLayer(hosts=[require_redis()], prefix=f"pubtest-{secrets.token_hex(4)}")
    assert push._publisher(layer) is not None  # the thread's own client, not a loop's
    html = {"type": "push.html", "user_id": 7, "html": '<div id="x">for seven</div>'}

    async def scenario() -> tuple[dict, bool]:
        seven, eight = await layer.new_channel(), await layer.new_channel()
        await layer.group_add(push.user_group(7), seven)
        await layer.group_add(push.user_group(8), eight)
        # As the ingest process sends: from a thread with no event loop of its own.
        await asyncio.to_thread(push._send, layer, push.user_group(7), html)
        received = await asyncio.wait_for(layer.receive(seven), 5)
        try:
            await asyncio.wait_for(layer.receive(eight), 0.3)
            leaked = True
        except TimeoutError:
            leaked = False
        await layer.flush()
        return received, leaked

    received, leaked = asyncio.run(scenario())
    assert received == html
    assert not leaked


def test_other_layers_keep_their_own_send():
    assert push._publisher(InMemoryChannelLayer()) is None

"""push.sent_from_this_loop (the ingest process): pushes that sync code makes in a worker thread
are handed to the event loop and sent there in order, without the worker waiting for them."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from telephony.live import push

pytestmark = pytest.mark.usefixtures("in_memory_channel_layer")


class HeldLayer:
    """A channel layer whose sends wait until the test lets them go, and that records their order."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.go = asyncio.Event()

    async def group_send(self, group: str, message: dict) -> None:
        await self.go.wait()
        if message["html"] == "fails":
            raise ConnectionError("Redis is down")
        self.sent.append(message["html"])


async def test_a_worker_goes_on_while_its_pushes_are_sent_in_order_and_all_are_sent_on_the_way_out(
    monkeypatch,
):
    layer = HeldLayer()
    monkeypatch.setattr(push, "get_channel_layer", lambda: layer)

    def worker() -> str:
        for n in range(5):
            push._group_send(push.user_group(7), {"type": "push.html", "user_id": 7, "html": f"#{n}"})
        return "went on"  # reached while every send is still held

    async with push.sent_from_this_loop():
        assert await sync_to_async(worker, thread_sensitive=False)() == "went on"
        assert layer.sent == []
        layer.go.set()
    assert layer.sent == ["#0", "#1", "#2", "#3", "#4"]
    assert push._outbox is None


async def test_a_failed_send_pauses_the_pushes_after_it_as_without_the_outbox(monkeypatch):
    layer = HeldLayer()
    layer.go.set()
    monkeypatch.setattr(push, "get_channel_layer", lambda: layer)

    def worker() -> None:
        for html in ("before", "fails", "during the pause"):
            push._group_send("user-7", {"type": "push.html", "user_id": 7, "html": html})

    async with push.sent_from_this_loop():
        await sync_to_async(worker, thread_sensitive=False)()
    assert layer.sent == ["before"]
    assert push._paused_until > 0


async def test_a_push_made_on_the_loops_own_thread_is_sent_before_it_returns():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(push.user_group(9), channel)

    async with push.sent_from_this_loop():
        push._group_send(push.user_group(9), {"type": "push.html", "user_id": 9, "html": "<p>now</p>"})
        assert push._outbox is not None and push._outbox.waiting.empty()
        assert (await asyncio.wait_for(layer.receive(channel), 5))["html"] == "<p>now</p>"

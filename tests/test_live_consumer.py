"""The browser's live socket: authenticated users only, and only their own pushes."""

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from arcadium.asgi import application
from telephony.live import push
from telephony.live.consumers import UserConsumer
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def communicator(user, origin: bytes = b"http://testserver"):
    comm = WebsocketCommunicator(UserConsumer.as_asgi(), "/ws/live/", headers=[(b"origin", origin)])
    comm.scope["user"] = user
    return comm


async def test_anonymous_sockets_are_refused():
    comm = communicator(AnonymousUser())
    connected, code = await comm.connect()
    assert not connected
    assert code == 4401


async def test_a_foreign_origin_is_refused_by_the_real_router():
    comm = WebsocketCommunicator(application, "/ws/live/", headers=[(b"origin", b"https://evil.example")])
    connected, _ = await comm.connect()
    assert not connected


async def test_a_user_receives_their_own_pushes_in_every_tab_and_nobody_else_does():
    alice = await database_sync_to_async(ResourceFactory)()
    bob = await database_sync_to_async(ResourceFactory)(entity=alice.entity)
    stranger = await database_sync_to_async(ResourceFactory)()
    tabs = [communicator(alice.user), communicator(alice.user)]
    others = [communicator(bob.user), communicator(stranger.user)]
    for comm in tabs + others:
        connected, _ = await comm.connect()
        assert connected

    await database_sync_to_async(push.send_html)(user_id=alice.user.pk, html='<div id="x">for alice</div>')

    for comm in tabs:
        assert await comm.receive_from(timeout=2) == '<div id="x">for alice</div>'
    for comm in others:
        assert await comm.receive_nothing(timeout=0.3)
    for comm in tabs + others:
        await comm.disconnect()


async def test_a_message_addressed_to_someone_else_is_dropped_even_in_the_group():
    alice = await database_sync_to_async(ResourceFactory)()
    comm = communicator(alice.user)
    await comm.connect()
    await get_channel_layer().group_send(
        push.user_group(alice.user.pk),
        {"type": "push.html", "user_id": alice.user.pk + 1000, "html": "<b>x</b>"},
    )
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()

"""Every websocket message type, addressed to one company's user, reaches no socket of another
company's user, and nothing a socket sends is acted on: it gets nothing and writes nothing."""

import inspect

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from telephony.live import push
from telephony.live.consumers import UserConsumer
from tests.factories import EntityFactory, ResourceFactory
from tests.test_isolation_matrix import snapshot

pytestmark = pytest.mark.django_db(transaction=True)

# The consumer's own handlers are the message types it takes ("push_html" ← "push.html").
MESSAGE_TYPES = sorted(
    name.replace("_", ".", 1)
    for name, member in vars(UserConsumer).items()
    if inspect.iscoroutinefunction(member)
    and not name.startswith("_")
    and name not in {"connect", "disconnect", "receive"}
)


def test_every_message_type_is_in_the_matrix():
    assert MESSAGE_TYPES == ["push.html", "session.check"]


@database_sync_to_async
def two_companies():
    victim = ResourceFactory(entity=EntityFactory(name="Zephyr Holdings"))
    intruder = ResourceFactory(entity=EntityFactory(name="Intruder Ltd"))
    client = Client()
    client.force_login(intruder.user)
    return victim, intruder, client.session.session_key


@pytest.mark.parametrize("message_type", MESSAGE_TYPES)
async def test_a_message_for_another_companys_user_reaches_nothing(message_type):
    victim, intruder, key = await two_companies()
    comm = WebsocketCommunicator(
        UserConsumer.as_asgi(), "/ws/live/", headers=[(b"origin", b"http://testserver")]
    )
    comm.scope["user"], comm.scope["session"] = intruder.user, SessionStore(key)
    assert (await comm.connect())[0]
    message = {"type": message_type, "user_id": victim.user.pk, "html": '<div id="secret">Zephyr</div>'}
    layer = get_channel_layer()
    # Sent to the intruder's own group (a mis-addressed message) and to the victim's group.
    await layer.group_send(push.user_group(intruder.user.pk), message)
    await layer.group_send(push.user_group(victim.user.pk), message)
    assert await comm.receive_nothing(timeout=0.5)
    # Still open and still receiving its own pushes (a foreign session.check closed nothing).
    await database_sync_to_async(push.send_html)(user_id=intruder.user.pk, html='<div id="own">mine</div>')
    assert await comm.receive_from(timeout=2) == '<div id="own">mine</div>'
    await comm.disconnect()


async def test_whatever_a_socket_sends_is_ignored_and_writes_nothing():
    victim, intruder, key = await two_companies()
    before = await database_sync_to_async(snapshot)(victim.entity)
    comm = WebsocketCommunicator(
        UserConsumer.as_asgi(), "/ws/live/", headers=[(b"origin", b"http://testserver")]
    )
    comm.scope["user"], comm.scope["session"] = intruder.user, SessionStore(key)
    assert (await comm.connect())[0]
    for text in [f'{{"type": "{t}", "user_id": {victim.user.pk}}}' for t in MESSAGE_TYPES] + [
        "{}",
        "x" * 1000,
    ]:
        await comm.send_to(text_data=text)
    await comm.send_to(bytes_data=b"\x00\xff")
    assert await comm.receive_nothing(timeout=0.5)
    assert await database_sync_to_async(snapshot)(victim.entity) == before
    await comm.disconnect()

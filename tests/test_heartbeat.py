"""The heartbeat on the user's socket: the versions of what the tab shows, read from the database."""

import pytest
from bs4 import BeautifulSoup
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from telephony.connect.status import phone_status
from telephony.live.consumers import HEARTBEAT_SLICES, Heartbeat, UserConsumer
from telephony.models import Call
from telephony.wizard.composer import call_version
from tests.factories import ResourceFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_channel_layer")]


@pytest.fixture(autouse=True)
def fast_heartbeat(monkeypatch):
    monkeypatch.setattr(UserConsumer, "heartbeat_seconds", 0.05)


def make_call(resource, **fields) -> Call:
    return Call.objects.create(
        entity=resource.entity,
        resource=resource,
        direction=Call.Direction.INBOUND,
        from_number="+12125550100",
        started_at=timezone.now(),
        popped_up_at=timezone.now(),
        **fields,
    )


async def beat_of(user) -> dict:
    comm = WebsocketCommunicator(UserConsumer.as_asgi(), "/ws/live/")
    comm.scope["user"] = user
    assert (await comm.connect())[0]
    html = await comm.receive_from(timeout=5)
    await comm.disconnect()
    beat = BeautifulSoup(html, "html.parser").select_one("#live-beat")
    assert beat is not None and beat.has_attr("hidden"), html
    return beat


async def test_it_carries_the_icon_and_live_wizard_versions_of_this_user_only():
    alice = await database_sync_to_async(ResourceFactory)()
    bob = await database_sync_to_async(ResourceFactory)(entity=alice.entity)
    ringing = await database_sync_to_async(make_call)(alice, state=Call.State.RINGING)
    await database_sync_to_async(make_call)(alice, state=Call.State.ENDED)
    await database_sync_to_async(make_call)(bob, state=Call.State.RINGING)

    beat = await beat_of(alice.user)

    assert beat["data-calls"] == f"{ringing.pk}:{call_version(ringing)}"
    assert beat["data-phone"] == (await database_sync_to_async(phone_status)(alice)).version


async def test_a_change_the_tab_was_not_told_of_changes_the_version():
    alice = await database_sync_to_async(ResourceFactory)()
    call = await database_sync_to_async(make_call)(alice, state=Call.State.RINGING)
    before = (await beat_of(alice.user))["data-calls"]

    await database_sync_to_async(Call.objects.filter(pk=call.pk).update)(
        state=Call.State.ON_CALL, answered_at=timezone.now()
    )

    after = (await beat_of(alice.user))["data-calls"]
    assert before != after and after.startswith(f"{call.pk}:")


async def test_sockets_are_beaten_a_slice_at_a_time_and_each_once_a_period():
    beaten: list[int] = []

    class Socket:
        ended = False

        def __init__(self, user_id: int) -> None:
            self.user_id = user_id

        async def send(self, text_data: str) -> None:
            assert 'id="live-beat"' in text_data
            beaten.append(self.user_id)

    heartbeat = Heartbeat()
    sockets = [Socket(900_000 + n) for n in range(2 * HEARTBEAT_SLICES + 1)]
    for socket in sockets:
        heartbeat.join(socket)
    heartbeat.task.cancel()  # beaten by hand below, one slice after the other

    for beat_slice in range(HEARTBEAT_SLICES):
        await heartbeat.beat(beat_slice)
    assert beaten == []  # just opened: their tabs have just synced themselves
    for socket in sockets:  # a period later
        socket.joined_at -= UserConsumer.heartbeat_seconds

    per_slice = []
    for beat_slice in range(HEARTBEAT_SLICES):
        before = len(beaten)
        await heartbeat.beat(beat_slice)
        per_slice.append(len(beaten) - before)

    assert sorted(beaten) == sorted(s.user_id for s in sockets)  # every socket once a period
    assert max(per_slice) - min(per_slice) <= 1  # no slice carries the burst

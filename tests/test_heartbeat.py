"""The heartbeat on the user's socket: the versions of what the tab shows, read from the database."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from crm.models import Resource
from telephony.callbacks.live import queue_version, version_of
from telephony.connect.status import HIDDEN, SWITCHED_OFF_BY_ADMIN, phone_status, phone_versions
from telephony.live.consumers import HEARTBEAT_SLICES, Heartbeat, UserConsumer
from telephony.models import Call, CallEvent, Connector, Subscription
from telephony.models_sync import CallLogSync
from telephony.wizard.composer import call_version
from tests.callbacks_factories import open_item
from tests.factories import ResourceFactory
from tests.telephony_factories import listening_resource

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


def test_icon_versions_read_for_many_users_at_once_are_each_users_own_icon(entity):
    """The heartbeat reads the icons of a slice of users with a few prepared statements: each
    version is the one that user's own icon has, whatever state it is in."""
    green, _ = listening_resource(entity, extension_id="62000201")
    blacklisted, subscription = listening_resource(entity, extension_id="62000202")
    Subscription.objects.filter(pk=subscription.pk).update(status=Subscription.Status.BLACKLISTED)
    stuck, subscription = listening_resource(entity, extension_id="62000203")
    CallEvent.objects.create(
        uuid="stuck-1", subscription_id="x", source=subscription, payload={}, received_at=timezone.now()
    )
    CallEvent.objects.filter(uuid="stuck-1").update(received_at=timezone.now() - timedelta(minutes=5))
    paused = ResourceFactory(entity=entity, ringcentral_enabled=False)
    CallLogSync.objects.update_or_create(
        connector=Connector.objects.get(entity=entity), defaults={"paused_resource_ids": [paused.pk]}
    )
    hidden = ResourceFactory(entity=entity)
    resources = [green, blacklisted, stuck, paused, hidden]

    versions = phone_versions([r.user_id for r in resources])

    icons = [phone_status(Resource.objects.get(pk=r.pk)) for r in resources]
    assert [versions[r.user_id]["phone"] for r in resources] == [icon.version for icon in icons]
    assert [icon.listening for icon in icons] == [True, False, False, False, False]
    assert "blacklisted" in icons[1].reason and "not reaching you" in icons[2].reason
    assert icons[3] == SWITCHED_OFF_BY_ADMIN and icons[4] == HIDDEN


def test_queue_versions_read_for_many_companies_at_once_follow_open_items_and_changes(entity, other_entity):
    alice = ResourceFactory(entity=entity)
    bob = ResourceFactory(entity=other_entity)
    before = queue_version([alice.user_id, bob.user_id])
    assert before == {alice.user_id: {"callbacks": "0-"}, bob.user_id: {"callbacks": "0-"}}

    open_item(entity)

    after = queue_version([alice.user_id, bob.user_id])
    assert after[alice.user_id]["callbacks"].startswith("1-") and after[bob.user_id] == before[bob.user_id]
    assert after[alice.user_id]["callbacks"] == version_of(entity.pk)


def test_the_live_calls_index_covers_exactly_the_live_states():
    index = next(i for i in Call._meta.indexes if i.name == "call_live_popped_idx")
    assert dict(index.condition.children)["state__in"] == [str(state) for state in Call.LIVE_STATES]

"""The heartbeat on the user's socket: the versions of what the tab shows, read from the database."""

import pytest
from bs4 import BeautifulSoup
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from telephony.connect.status import phone_status
from telephony.live.consumers import UserConsumer
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

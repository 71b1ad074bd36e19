"""Filing a call report tells the assignee live, on their own socket only."""

import pytest
from bs4 import BeautifulSoup
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from callreports.models import Action
from callreports.services import action_create, action_update
from telephony.live.consumers import UserConsumer
from tests.factories import CustomerFactory, ResourceFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def connected(user):
    comm = WebsocketCommunicator(
        UserConsumer.as_asgi(), "/ws/live/", headers=[(b"origin", b"http://testserver")]
    )
    comm.scope["user"] = user
    ok, _ = await comm.connect()
    assert ok
    return comm


@database_sync_to_async
def team():
    author = ResourceFactory(display_name="Alice Author")
    assignee = ResourceFactory(entity=author.entity, display_name="Bob Assignee")
    bystander = ResourceFactory(entity=author.entity)
    stranger = ResourceFactory()
    customer = CustomerFactory(entity=author.entity, name="ACME Corp")
    return author, assignee, bystander, stranger, customer


def file_report(author, assignee, customer, **extra):
    data = {
        "type": "quote_request",
        "subject": "Send the 12-month quote",
        "priority": "high",
        "status": "open",
        "assignee": assignee,
        **extra,
    }
    return action_create(customer=customer, created_by=author, data=data)


async def test_the_assignee_gets_a_toast_in_every_tab_and_nobody_else_gets_anything():
    author, assignee, bystander, stranger, customer = await team()
    assignee_tabs = [await connected(assignee.user), await connected(assignee.user)]
    others = [await connected(author.user), await connected(bystander.user), await connected(stranger.user)]

    action = await database_sync_to_async(file_report)(author, assignee, customer)

    for tab in assignee_tabs:
        html = await tab.receive_from(timeout=2)
        container = BeautifulSoup(html, "html.parser").find(id="toasts")
        assert container["hx-swap-oob"] == "beforeend"
        toast = container.find(class_="toast")
        assert toast.find("a")["href"] == f"/actions/{action.pk}/"
        text = " ".join(toast.get_text(" ").split())
        assert "New action for you" in text and "Send the 12-month quote" in text
        assert "Quote request · ACME Corp" in text and "from Alice Author" in text
    for comm in others:
        assert await comm.receive_nothing(timeout=0.3)
    for comm in assignee_tabs + others:
        await comm.disconnect()


async def test_assigning_to_yourself_sends_no_toast():
    author, _, _, _, customer = await team()
    tab = await connected(author.user)

    await database_sync_to_async(file_report)(author, author, customer)

    assert await tab.receive_nothing(timeout=0.3)
    await tab.disconnect()


async def test_reassigning_tells_the_new_assignee_only():
    author, assignee, bystander, _, customer = await team()
    action = await database_sync_to_async(file_report)(author, author, customer)
    new_tab, old_tab = await connected(bystander.user), await connected(author.user)

    @database_sync_to_async
    def reassign():
        fresh = Action.objects.get(pk=action.pk)
        return action_update(action=fresh, updated_by=author, data={"assignee": bystander})

    await reassign()

    assert "Send the 12-month quote" in await new_tab.receive_from(timeout=2)
    assert await old_tab.receive_nothing(timeout=0.3)
    await new_tab.disconnect()
    await old_tab.disconnect()


async def test_a_refused_report_sends_nothing():
    author, _, _, stranger, customer = await team()
    tab = await connected(stranger.user)

    with pytest.raises(Exception, match="another company"):
        await database_sync_to_async(file_report)(author, stranger, customer)

    assert await tab.receive_nothing(timeout=0.3)
    assert not await database_sync_to_async(Action.objects.exists)()
    await tab.disconnect()

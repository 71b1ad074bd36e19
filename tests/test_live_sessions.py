"""A socket ends with the session it was opened with: sign-out, deactivation, a new password, an
administrator deleting the session, expiry. A closed socket takes no more pushes; the same user's
other sessions keep theirs."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from telephony.live import push
from telephony.live.consumers import SESSION_ENDED, UserConsumer
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def signed_in_session(user) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    return client, client.session.session_key


async def socket(user, session_key: str) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(
        UserConsumer.as_asgi(), "/ws/live/", headers=[(b"origin", b"http://testserver")]
    )
    comm.scope["user"] = user
    comm.scope["session"] = SessionStore(session_key)
    connected, _ = await comm.connect()
    assert connected
    return comm


async def assert_closed(comm) -> None:
    message = await comm.receive_output(timeout=5)
    assert message == {"type": "websocket.close", "code": SESSION_ENDED}


@pytest.fixture
def alice(db):
    return ResourceFactory().user


async def test_signing_out_closes_that_sessions_sockets_only(alice):
    client, key = await signed_in_session(alice)
    _, other_key = await signed_in_session(alice)  # alice on another computer
    tab, elsewhere = await socket(alice, key), await socket(alice, other_key)

    await database_sync_to_async(client.post)("/logout/")

    await assert_closed(tab)
    await database_sync_to_async(push.send_html)(user_id=alice.pk, html='<div id="x">after</div>')
    assert await elsewhere.receive_from(timeout=2) == '<div id="x">after</div>'
    assert await tab.receive_nothing(timeout=0.3)
    await elsewhere.disconnect()


async def test_deactivating_the_user_closes_their_sockets(alice):
    _, key = await signed_in_session(alice)
    tab = await socket(alice, key)
    alice.is_active = False
    await database_sync_to_async(alice.save)()
    await assert_closed(tab)


async def test_a_new_password_closes_their_sockets(alice):
    _, key = await signed_in_session(alice)
    tab = await socket(alice, key)
    alice.set_password("a-whole-new-password-42")
    await database_sync_to_async(alice.save)()
    await assert_closed(tab)


async def test_an_administrator_deleting_the_session_closes_its_sockets(alice):
    _, key = await signed_in_session(alice)
    tab = await socket(alice, key)
    await database_sync_to_async(lambda: Session.objects.filter(session_key=key).delete())()
    await assert_closed(tab)


async def test_an_expired_session_is_caught_by_the_periodic_check(alice, settings):
    settings.LIVE_SESSION_CHECK_SECONDS = 0.2
    _, key = await signed_in_session(alice)
    tab = await socket(alice, key)
    past = timezone.now() - timedelta(seconds=1)
    # A plain UPDATE: no signal, as when a session simply runs out.
    await database_sync_to_async(lambda: Session.objects.filter(session_key=key).update(expire_date=past))()
    await assert_closed(tab)


async def test_a_sign_in_elsewhere_does_not_close_anything(alice):
    _, key = await signed_in_session(alice)
    tab = await socket(alice, key)
    await signed_in_session(alice)  # updates last_login, creates another session
    await database_sync_to_async(push.send_html)(user_id=alice.pk, html='<div id="y">still here</div>')
    assert await tab.receive_from(timeout=2) == '<div id="y">still here</div>'
    await tab.disconnect()


def test_one_check_reads_the_sessions_of_many_sockets_in_two_queries(django_assert_num_queries):
    """The periodic check of a process's sockets: each pair judged as on its own, in two queries
    however many sockets there are."""
    from django.contrib.auth.hashers import make_password

    from telephony.live.sessions import session_signs_in, signing_in

    def signed_in(user) -> str:
        client = Client()
        client.force_login(user)
        return client.session.session_key

    users = [ResourceFactory().user for _ in range(5)]
    keys = [signed_in(user) for user in users]
    other_password, deactivated = users[3], users[4]
    past = timezone.now() - timedelta(seconds=1)
    Session.objects.filter(session_key=keys[2]).update(expire_date=past)  # users[2]'s session ran out
    type(other_password).objects.filter(pk=other_password.pk).update(password=make_password("new-one-42!"))
    type(deactivated).objects.filter(pk=deactivated.pk).update(is_active=False)
    sockets = [(key, user.pk) for key, user in zip(keys, users, strict=True)]
    sockets += [(keys[0], users[1].pk), ("no-such-session", users[0].pk), (None, users[1].pk)]

    with django_assert_num_queries(2):
        valid = signing_in(sockets)

    assert valid == {(keys[0], users[0].pk), (keys[1], users[1].pk)}
    assert [session_signs_in(session_key=k, user_id=u) for k, u in sockets] == [
        (k, u) in valid for k, u in sockets
    ]


async def test_the_periodic_check_closes_only_the_sockets_whose_session_ended(alice, settings):
    settings.LIVE_SESSION_CHECK_SECONDS = 0.2
    _, key = await signed_in_session(alice)
    _, kept_key = await signed_in_session(alice)
    tab, kept = await socket(alice, key), await socket(alice, kept_key)
    past = timezone.now() - timedelta(seconds=1)
    await database_sync_to_async(lambda: Session.objects.filter(session_key=key).update(expire_date=past))()

    await assert_closed(tab)
    await database_sync_to_async(push.send_html)(user_id=alice.pk, html='<div id="z">kept</div>')
    assert await kept.receive_from(timeout=3) == '<div id="z">kept</div>'
    await kept.disconnect()

"""Which ingest process wakes (telephony/ingest/process.py: Wakeup), on PostgreSQL's own
notifications: the one holding the listener lock for each stored event, the others only when
it asks for help with a backlog, and one of them takes over when it is gone."""

import pytest

from telephony.ingest import inbox
from telephony.ingest.process import Wakeup
from tests.services import require_postgres
from tests.telephony_factories import listening_resource, party_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wakeups():
    require_postgres()
    made: list[Wakeup] = []

    def make() -> Wakeup:
        wakeup = Wakeup()
        assert wakeup.wait(0) is True  # connecting: look at once
        made.append(wakeup)
        return wakeup

    yield make
    for wakeup in made:
        wakeup.close()


def stored_event(subscription, session: str) -> None:
    inbox.ingest(party_event(subscription, session=session), subscription=subscription)


def test_only_the_listening_process_is_woken_by_a_stored_event(entity, settings, wakeups):
    settings.INGEST_INLINE = False
    _, subscription = listening_resource(entity)
    first, second = wakeups(), wakeups()
    assert (first.listens_to_inbox, second.listens_to_inbox) == (True, False)

    stored_event(subscription, "s-wake-1")

    assert first.wait(5) is True
    assert second.wait(0.3) is False  # not woken: it would only have claimed nothing


def test_a_backlog_wakes_the_others(wakeups):
    first, second = wakeups(), wakeups()

    first.ask_for_help()

    assert second.wait(5) is True
    assert first.wait(0.3) is False  # it asked; it is not told its own call for help


def test_another_process_takes_the_inbox_when_the_listening_one_is_gone(entity, settings, wakeups):
    settings.INGEST_INLINE = False
    _, subscription = listening_resource(entity)
    first, second = wakeups(), wakeups()

    first.close()  # a process killed: PostgreSQL ends its session and its lock

    assert second.wait(5) is True  # its next wait takes the inbox and looks at once
    assert second.listens_to_inbox
    stored_event(subscription, "s-wake-2")
    assert second.wait(5) is True

"""Shared fixtures. Real services are used where a test is about them; on a laptop without them
those tests skip and say why, but under CI (CI=true) a missing service fails the run."""

import os

import pytest

from tests.factories import (
    ContactFactory,
    CustomerFactory,
    EntityFactory,
    PhoneNumberFactory,
    ResourceFactory,
)
from tests.services import require

__all__ = ["require"]

pytest_plugins = ["tests.live_server"]
pytest_plugins += ["tests.browser"]
pytest_plugins += ["tests.simulator_fixture"]
pytest_plugins += ["tests.fault_support"]


@pytest.fixture
def entity(db):
    return EntityFactory(name="Acme Holdings", default_region="US")


@pytest.fixture
def other_entity(db):
    return EntityFactory(name="Other Company", default_region="CA")


@pytest.fixture
def resource(entity):
    return ResourceFactory(entity=entity)


@pytest.fixture
def staff_client(client, resource):
    client.force_login(resource.user)
    return client


@pytest.fixture
def other_client(client, other_entity, django_user_model):
    from django.test import Client

    other = ResourceFactory(entity=other_entity)
    c = Client()
    c.force_login(other.user)
    return c


@pytest.fixture
def customer(entity):
    customer = CustomerFactory(entity=entity, name="ACME Corp")
    PhoneNumberFactory(customer=customer, raw="(212) 555-0100")
    return customer


@pytest.fixture
def contact(customer):
    contact = ContactFactory(customer=customer, first_name="Jane", last_name="Smith")
    PhoneNumberFactory(contact=contact, raw="514.555.0142", label="mobile")
    return contact


def pytest_report_header(config):
    return [
        f"DATABASE_URL={'set' if os.environ.get('DATABASE_URL') else 'unset (SQLite)'}; "
        f"REDIS_URL={'set' if os.environ.get('REDIS_URL') else 'unset (in-memory layer)'}; CI={os.environ.get('CI', '')}"
    ]


@pytest.fixture(autouse=True)
def _close_connections_of_async_tests(request):
    """Async tests run their ORM calls in asgiref's single sync thread, whose connections outlive
    the test and stop pytest-django from dropping the test database; close them afterwards."""
    yield
    if "transactional_db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        from asgiref.sync import SyncToAsync
        from django.db import connections

        SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


@pytest.fixture(autouse=True)
def _live_updates_not_paused():
    """A test that made a push fail (Redis stopped on purpose) pauses pushes for a few seconds in
    its process: the next test in that process starts unpaused."""
    yield
    from telephony.live import push

    push._paused_until = 0.0


@pytest.fixture
def in_memory_channel_layer(settings):
    """For tests that read the channel layer directly from the test thread (a fake tab): the
    in-memory layer, whatever REDIS_URL says. Real-Redis delivery has its own tests."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


# Files that start real processes or Chromium take longest: handing them out first keeps a
# parallel run (`make test`, one file per process at a time) from ending on one long file.
SLOW_FILE_MARKS = ("first_run", "fault", "browser", "event_order", "ingest_process", "worker", "e2e")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not any(mark in item.path.name for mark in SLOW_FILE_MARKS))

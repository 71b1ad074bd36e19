"""The periodic schedule as it really runs: beat records next run times, the connector page shows them."""

from datetime import timedelta

import pytest
from celery.beat import ScheduleEntry
from django.core.cache import caches
from django.utils import timezone

from arcadium import schedule
from arcadium.celery import app
from tests.factories import ResourceFactory


@pytest.fixture(autouse=True)
def no_beat_yet():
    caches["beat"].delete(schedule.CACHE_KEY)
    yield
    caches["beat"].delete(schedule.CACHE_KEY)


def test_beat_records_when_each_entry_runs_next(tmp_path):
    scheduler = schedule.RecordingScheduler(app, schedule_filename=str(tmp_path / "beat"), lazy=True)
    scheduler.setup_schedule()
    last = timezone.now() - timedelta(minutes=2)
    scheduler.schedule["sync-call-logs"] = ScheduleEntry(
        name="sync-call-logs",
        task="telephony.tasks.sync_call_logs_task",
        schedule=timedelta(minutes=5),
        last_run_at=last,
        app=app,
    )

    scheduler.tick()

    at = schedule.next_run("sync-call-logs")
    assert at is not None
    assert abs(at - (last + timedelta(minutes=5))) < timedelta(seconds=5)
    assert schedule.next_run("retry-events") is not None


def test_no_beat_means_no_next_run():
    assert schedule.next_run("sync-call-logs") is None


@pytest.fixture
def connector_admin(entity, django_user_model):
    from django.contrib.auth.models import Permission

    resource = ResourceFactory(entity=entity)
    resource.user.user_permissions.add(Permission.objects.get(codename="manage_connector"))
    return resource.user


def connected(entity):
    from telephony.models import Connector

    Connector.objects.update_or_create(
        entity=entity, defaults={"client_id": "app", "client_secret": "secret", "status": "connected"}
    )


def test_the_connector_page_shows_the_next_sync_beat_really_has(client, entity, connector_admin):
    connected(entity)
    at = timezone.now() + timedelta(minutes=3)
    schedule.record_next_runs({"sync-call-logs": at})
    client.force_login(connector_admin)

    html = client.get("/telephony/connector/").content.decode()

    local = timezone.localtime(at)
    assert f"Next automatic sync at {local:%H:%M:%S}" in html
    assert "every 5 minutes" not in html


def test_the_connector_page_says_when_no_scheduler_runs(client, entity, connector_admin):
    connected(entity)
    client.force_login(connector_admin)

    html = client.get("/telephony/connector/").content.decode()

    assert "Automatic sync is not running: no scheduler (Celery beat) has reported" in html


def test_the_connector_page_promises_no_sync_while_disconnected(client, connector_admin):
    schedule.record_next_runs({"sync-call-logs": timezone.now() + timedelta(minutes=3)})
    client.force_login(connector_admin)

    html = client.get("/telephony/connector/").content.decode()

    assert "Automatic sync runs while RingCentral is connected." in html
    assert "Next automatic sync" not in html

"""The manual sync through a real Celery worker on Redis: the button queues the task, a separate
worker process runs it against the simulator and the shared test database."""

import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from arcadium.celery import app as celery_app
from telephony.models import Call
from telephony.models_sync import CallLogSync
from tests.celery_worker import celery_worker
from tests.services import require_redis
from tests.test_sync_support import add_record, alice, connect

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.celery, pytest.mark.redis]


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
        return f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"
    return f"sqlite:///{settings['NAME']}"


@pytest.fixture
def worker(simulator_settings, transactional_db, tmp_path):
    redis_url = require_redis()
    with celery_worker(
        redis_url=redis_url,
        database_url=database_url(),
        log_dir=tmp_path,
        env={"RINGCENTRAL_SERVER_URL": simulator_settings.url},
    ) as process:
        yield process, redis_url


def test_the_sync_button_runs_the_sync_on_a_real_worker(
    worker, client, entity, customer, simulator, monkeypatch
):
    process, redis_url = worker
    staff = alice(entity)
    connector = connect(entity, simulator)
    record = add_record(simulator, number="+12125550100")
    # This process only sends: the same Redis, no in-process execution.
    previous = {
        "task_always_eager": celery_app.conf.task_always_eager,
        "broker_url": celery_app.conf.broker_url,
    }
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url)
    # Forget connections an earlier test may have opened to the in-memory broker.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    client.force_login(staff.user)
    try:
        response = client.post(reverse("telephony-connector-sync"), {"next": customer.get_absolute_url()})
    finally:
        celery_app.conf.update(**previous)

    assert response.status_code == 302
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Call.objects.filter(call_log_id=record["id"]).exists():
        assert process.poll() is None, process.log.read_text()
        time.sleep(0.3)
    assert Call.objects.filter(call_log_id=record["id"], customer=customer).exists(), process.log.read_text()
    state = CallLogSync.objects.get(connector=connector)
    deadline = time.monotonic() + 10
    while state.running and time.monotonic() < deadline:
        time.sleep(0.2)
        state.refresh_from_db()
    assert state.last_result == "ok" and state.requested_by == staff.user
    assert "sync_call_log_task" in process.log.read_text()

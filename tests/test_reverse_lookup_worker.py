"""The reverse lookup through a real Celery worker on Redis: queued on commit, retried with
countdowns by the worker while the provider fails, its result published on the Redis channel layer."""

import asyncio
import os
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.db import connection, transaction

from arcadium.celery import app as celery_app
from telephony.live.push import user_group
from telephony.models import Call
from telephony.wizard.tasks import reverse_lookup_task
from tests import fake_lookup_server as fls
from tests.celery_worker import celery_worker
from tests.services import require_redis

ROOT = Path(__file__).resolve().parent.parent
MONTREAL = "+15142230142"
pytestmark = [pytest.mark.celery, pytest.mark.redis]


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
        return f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"
    return f"sqlite:///{settings['NAME']}"


@pytest.fixture
def fake():
    with fls.FakeLookupServer() as server:
        yield server


@pytest.fixture
def worker(transactional_db, tmp_path, fake):
    redis_url = require_redis()
    with celery_worker(
        redis_url=redis_url,
        database_url=database_url(),
        log_dir=tmp_path,
        env={
            "REVERSE_LOOKUP_URL": fake.url,
            "REVERSE_LOOKUP_NAME": "Caller ID service",
            "REVERSE_LOOKUP_MAX_RETRIES": "2",
        },
    ) as process:
        yield process, redis_url


def test_a_failing_provider_is_retried_by_the_worker_and_the_answer_reaches_the_socket(
    worker, resource, fake, monkeypatch
):
    process, redis_url = worker
    fake.script(MONTREAL, fls.status(503), fls.status(503), fls.found(name="Luc Tremblay"))
    call = Call.objects.create(
        entity=resource.entity, resource=resource, direction="inbound", from_number=MONTREAL
    )
    layer = RedisPubSubChannelLayer(hosts=[redis_url], prefix=os.environ.get("CHANNELS_PREFIX", "arcadium"))

    async def listen() -> list[str]:
        channel = await layer.new_channel()
        await layer.group_add(user_group(resource.user_id), channel)
        # Only now queue the task, as the wizard does: on commit of the transaction that made the call.
        await asyncio.get_running_loop().run_in_executor(None, queue)
        pushes = []
        while not pushes or "Luc Tremblay" not in pushes[-1]:
            pushes.append((await asyncio.wait_for(layer.receive(channel), 40))["html"])
        await layer.flush()
        return pushes

    def queue():
        celery_app.conf.update(task_always_eager=False, broker_url=redis_url)
        try:
            with transaction.atomic():
                transaction.on_commit(lambda: reverse_lookup_task.delay(call.pk))
        finally:
            # This runs in an executor thread whose connection would outlive the test and keep
            # pytest-django from dropping the test database.
            connection.close()

    previous = {
        "task_always_eager": celery_app.conf.task_always_eager,
        "broker_url": celery_app.conf.broker_url,
    }
    # Forget connections an earlier test may have opened to the in-memory broker.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    try:
        pushes = async_to_sync(listen)()
    except TimeoutError:
        pytest.fail(f"no lookup result reached the socket; worker log:\n{process.log.read_text()}")
    finally:
        celery_app.conf.update(**previous)

    assert len(fake.requests) == 3
    assert len(pushes) == 3
    assert all("did not answer; trying again" in html for html in pushes[:2])
    assert "Caller information from reverse lookup (Caller ID service, phone number data)" in pushes[-1]
    log = process.log.read_text()
    # Three task messages, one per attempt: the retries were queued to the worker, not looped inline.
    received = [line for line in log.splitlines() if "reverse_lookup_task[" in line and "] received" in line]
    assert len(received) == 3, log
    assert log.count("Caller ID service answered HTTP 503") == 2

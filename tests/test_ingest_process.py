"""The ingest process as a real process: the door stores, `manage.py run_ingest` applies.

Each test runs daphne and one or two ingest processes (INGEST_INLINE off, as in production)
against the test database and Redis: a popup reaches the user's socket; the door answers 200 and
keeps the event while no ingest process runs; a process killed with SIGKILL in the middle of a
batch applied nothing of it and its successor applies everything once; two processes applying
shuffled and repeated inbox rows apply each row exactly once and reach the in-order state.
"""

import json
import random
import re
import signal
import subprocess
import sys
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

from telephony.connect.status import phone_status
from telephony.ingest import events, inbox, listener
from telephony.models import Call, CallEvent
from tests.live_server import ROOT, _die_with_parent, server_env
from tests.services import require_postgres, require_redis, stop_process
from tests.telephony_factories import listening_resource, party_event
from tests.waiting import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis]

RING = ("Setup", "Proceeding", "Answered", "Hold", "Answered", "Disconnected")


@pytest.fixture
def scaled_env(tmp_path):
    """The environment of a web process and its ingest processes: the door only stores."""
    require_postgres()
    return {
        "INGEST_INLINE": "0",
        "REDIS_URL": require_redis(),
        "CHANNELS_PREFIX": f"ingest-test-{uuid.uuid4().hex[:8]}",
        "CATCH_UP_ON_START": "0",
    }


@pytest.fixture
def ingest_processes(scaled_env, tmp_path, request):
    """Start `manage.py run_ingest` processes; all are stopped (SIGTERM) after the test."""
    started: list[subprocess.Popen] = []

    def start(*, batch: int = 100) -> subprocess.Popen:
        log = open(tmp_path / f"ingest-{len(started)}.log", "wb")  # noqa: SIM115 (the process writes it)
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_ingest", "--batch", str(batch), "--idle", "0.2"],
            cwd=ROOT,
            env=server_env(scaled_env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        started.append(process)
        return process

    yield start
    # All are told to stop first, then waited for: a process still running (a slow exit under a
    # loaded CI machine was seen once) would go on applying the next tests' events.
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        stop_process(process, grace=30)
    for log in sorted(Path(tmp_path).glob("ingest-*.log")):
        print(f"---- {log.name} ----\n{log.read_text(errors='replace')[-5000:]}")


def post(url: str, subscription, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url + "/telephony/webhook/",
        data=json.dumps(payload).encode(),
        headers={
            "Content-Type": "application/json",
            "Verification-Token": subscription.connector.verification_token,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def socket_for(app, user):
    client = Client()
    client.force_login(user)
    return connect(
        f"{app.ws_url}/ws/live/",
        additional_headers={"Cookie": f"sessionid={client.cookies['sessionid'].value}"},
        origin=str(app),
        open_timeout=10,
    )


def popups(ws, *, seconds: float) -> list[int]:
    """The call ids of the wizards that popped up on the socket within `seconds`."""
    found: list[int] = []
    try:
        while True:
            message = ws.recv(timeout=seconds)
            if 'id="call-wizards"' in message:
                found += [int(pk) for pk in re.findall(r'data-call="(\d+)"', message)]
    except TimeoutError:
        return found


def store(subscription, payload: dict) -> events.Outcome:
    """What the door does when an ingest process runs: store only."""
    with override_settings(INGEST_INLINE=False):
        return inbox.ingest(payload, subscription=subscription)


def waiting() -> int:
    return CallEvent.objects.filter(processed_at__isnull=True, error="").count()


def test_the_webhook_stores_and_the_ingest_process_pops_the_wizard(
    live_app_factory, scaled_env, ingest_processes, entity
):
    resource, subscription = listening_resource(entity)
    app = live_app_factory(env=scaled_env)
    ingest_processes()
    with socket_for(app, resource.user) as ws:
        status, answer = post(app, subscription, party_event(subscription, code="Setup", sequence=1))
        assert (status, answer) == (200, {"status": "stored"})
        call = wait_for(lambda: Call.objects.filter(popped_up_at__isnull=False).first(), what="the call")
        assert popups(ws, seconds=3) == [call.pk]
    assert call.state == Call.State.RINGING and call.resource == resource
    assert waiting() == 0


def test_the_door_answers_200_and_keeps_events_while_no_ingest_process_runs(
    live_app_factory, scaled_env, ingest_processes, entity
):
    _, subscription = listening_resource(entity)
    app = live_app_factory(env=scaled_env)
    ring, answer = (party_event(subscription, code=c, sequence=s) for c, s in (("Setup", 1), ("Answered", 3)))
    assert post(app, subscription, answer) == (200, {"status": "stored"})
    assert post(app, subscription, ring) == (200, {"status": "stored"})
    assert post(app, subscription, ring) == (200, {"status": "duplicate"})  # RingCentral sent it again
    assert waiting() == 2 and not Call.objects.exists()

    ingest_processes()
    wait_for(lambda: waiting() == 0, what="the ingest process to apply the stored events")
    call = Call.objects.get()
    assert call.state == Call.State.ON_CALL and call.answered_at is not None


@pytest.fixture
def applied_log():
    """Every committed transition of an inbox row to applied, with the backend that made it."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TABLE test_ingest_applied (event_id bigint, pid int);
            CREATE FUNCTION test_ingest_applied_log() RETURNS trigger AS $$
            BEGIN
                IF OLD.processed_at IS NULL AND NEW.processed_at IS NOT NULL THEN
                    INSERT INTO test_ingest_applied VALUES (NEW.id, pg_backend_pid());
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_ingest_applied AFTER UPDATE ON telephony_callevent
                FOR EACH ROW EXECUTE FUNCTION test_ingest_applied_log();
            """
        )

    def applied() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT event_id FROM test_ingest_applied ORDER BY event_id")
            return [row[0] for row in cursor.fetchall()]

    yield applied
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER test_ingest_applied ON telephony_callevent; "
            "DROP FUNCTION test_ingest_applied_log(); DROP TABLE test_ingest_applied;"
        )


def _blocked_on_a_row_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE '%telephony_call%'"
        )
        return cursor.fetchone()[0] > 0


def test_a_batch_killed_midway_applied_nothing_and_the_next_process_applies_it_once(
    scaled_env, ingest_processes, entity, applied_log
):
    resource, subscription = listening_resource(entity)
    # A call of session "s-z" exists; its row will be locked so the batch stops in its middle.
    inbox.ingest(
        party_event(subscription, session="s-z", code="Setup", sequence=1), subscription=subscription
    )
    before = applied_log()
    sessions = [f"s-{n}" for n in range(5)]  # applied before "s-z" within a batch (session order)
    for session in sessions:
        assert (
            store(subscription, party_event(subscription, session=session, code="Setup", sequence=1))
            == "stored"
        )
    store(subscription, party_event(subscription, session="s-z", code="Answered", sequence=3))

    blocker = psycopg.connect(**_plain_params())
    blocker.execute("SELECT id FROM telephony_call WHERE telephony_session_id = 's-z' FOR UPDATE")
    first = ingest_processes()
    wait_for(_blocked_on_a_row_lock, timeout=30, what="the batch to reach the locked call")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    blocker.rollback()
    blocker.close()

    assert not Call.objects.filter(telephony_session_id__in=sessions).exists()  # rolled back whole
    assert waiting() == 6 and applied_log() == before

    ingest_processes()
    wait_for(lambda: waiting() == 0, timeout=30, what="the restarted process to apply the batch")
    stored = sorted(CallEvent.objects.filter(processed_at__isnull=False).values_list("pk", flat=True))
    assert applied_log() == stored  # each once
    assert Call.objects.filter(telephony_session_id__in=sessions, popped_up_at__isnull=False).count() == 5
    assert Call.objects.get(telephony_session_id="s-z").state == Call.State.ON_CALL


def _plain_params() -> dict:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return params


def _stream(subscription, session: str) -> list[dict]:
    return [
        party_event(subscription, session=session, code=code, sequence=n)
        for n, code in enumerate(RING, start=1)
    ]


def _state(call: Call) -> tuple:
    return (call.state, call.result, call.answered_at is not None, call.ended_at is not None, call.muted)


@pytest.fixture
def subscribed(entity):
    return listening_resource(entity)


@pytest.fixture
def two_ingest_processes(ingest_processes):
    return [ingest_processes(batch=3), ingest_processes(batch=3)]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False), st.integers(min_value=0, max_value=4))
def test_two_ingest_processes_apply_each_stored_event_exactly_once_in_any_order(
    subscribed, two_ingest_processes, applied_log, rng: random.Random, repeats: int
):
    _, subscription = subscribed
    example = uuid.uuid4().hex[:8]
    reference = f"s-ref-{example}"
    for payload in _stream(subscription, reference):  # the in-order stream, applied in this process
        inbox.ingest(payload, subscription=subscription)
    before = set(applied_log())

    shuffled = [payload for n in range(3) for payload in _stream(subscription, f"s-{example}-{n}")]
    shuffled += [dict(rng.choice(shuffled), uuid=uuid.uuid4().hex) for _ in range(repeats)]  # resent
    rng.shuffle(shuffled)
    stored = {store(subscription, payload) for payload in shuffled}
    assert stored == {"stored"}

    wait_for(lambda: waiting() == 0, timeout=60, what="both processes to apply the inbox")
    ids = set(
        CallEvent.objects.filter(telephony_session_id__startswith=f"s-{example}-").values_list(
            "pk", flat=True
        )
    )
    log = [pk for pk in applied_log() if pk not in before]
    assert sorted(log) == sorted(ids)  # every row applied, none twice
    expected = _state(Call.objects.get(telephony_session_id=reference))
    for n in range(3):
        call = Call.objects.get(telephony_session_id=f"s-{example}-{n}")
        assert _state(call) == expected


def test_the_websocket_listener_stores_through_the_same_door(subscribed):
    _, subscription = subscribed
    with override_settings(INGEST_INLINE=False):
        listener._ingest(subscription.pk, party_event(subscription, code="Setup", sequence=1))
    assert waiting() == 1 and not Call.objects.exists()
    assert events.apply_waiting(limit=10) == 1  # what an ingest process does with it
    assert Call.objects.get().popped_up_at is not None and waiting() == 0


def test_the_icon_turns_red_while_stored_events_wait_for_an_ingest_process(subscribed):
    resource, subscription = subscribed
    assert phone_status(resource).listening
    store(subscription, party_event(subscription, code="Setup", sequence=1))
    assert phone_status(resource).listening  # an ingest process applies it within a second

    CallEvent.objects.update(received_at=timezone.now() - timedelta(minutes=2))
    status = phone_status(resource)
    assert not status.listening and "ingest process is not running" in status.reason

    events.apply_waiting(limit=10)
    assert phone_status(resource).listening

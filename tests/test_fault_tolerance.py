"""Faults with real processes: Redis stopped during a ringing call, the web process killed during a
ringing call, RingCentral (the simulator) stopped while a user listens. Real daphne, Celery worker
and beat, Redis, simulator and Chromium; waits are generous, nothing is timed."""

import re

import pytest
from playwright.sync_api import expect

from telephony.models import Call
from tests.celery_worker import celery_worker
from tests.fault_support import answered_500, database_url
from tests.telephony_factories import ConnectorFactory
from tests.test_wizard_browser import connected_staff

# Several processes to start, stop and wait for: more than the suite's default 120 s per test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(360),
]
UNKNOWN_MONTREAL = "+15142230142"  # in nobody's records: the wizard runs a reverse lookup


@pytest.fixture
def app_env(request) -> dict[str, str]:
    """The web process's environment: the private Redis when the test breaks Redis."""
    if "private_redis" not in request.fixturenames:
        return {}
    redis = request.getfixturevalue("private_redis")
    return {"REDIS_URL": redis.url, "CELERY_TASK_ALWAYS_EAGER": "0", "CHANNELS_PREFIX": "arcadium-fault"}


@pytest.fixture
def live_app(live_app_factory, app_env):
    return live_app_factory(env=app_env)


@pytest.fixture
def worker(transactional_db, private_redis, tmp_path, app_env):
    """A Celery worker with the beat schedule, on the private Redis (stopped before the test
    database is emptied: its open transactions would block that)."""
    env = {**app_env, "REVERSE_LOOKUP_REQUEUE_SECONDS": "3"}
    with celery_worker(
        redis_url=private_redis.url, database_url=database_url(), log_dir=tmp_path, env=env, beat=True
    ) as process:
        yield process


@pytest.fixture
def office(live_app, simulator, entity):
    return ConnectorFactory(
        entity=entity, server_url=simulator.url, delivery_mode="webhook", public_base_url=live_app.url
    )


def listening_tab(logged_in_page, resource):
    page = logged_in_page(resource.user)
    errors = []
    page.on("response", lambda response: response.status >= 500 and errors.append(response.url))
    page.server_errors = errors
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    return page


def status_of(page):
    return page.locator(".wizard .state-badge").first


def test_redis_stopped_and_started_during_a_ringing_call(
    private_redis, worker, live_app, logged_in_page, simulator, entity, office
):
    alice = connected_staff(entity, "101", display_name="Alice Martin", close_wizard_on_hangup=False)
    page = listening_tab(logged_in_page, alice)

    private_redis.stop()
    call = simulator.control.place_call(UNKNOWN_MONTREAL, "101")
    # The push is lost with Redis; the heartbeat tells the tab it lacks a call, and it re-syncs.
    expect(status_of(page)).to_have_text("Ringing", timeout=30_000)
    page.locator(".wizard").get_by_role("button", name="Answer").click()  # the softphone without cache
    expect(status_of(page)).to_have_text("On call", timeout=30_000)

    private_redis.start()
    expect(page.locator(".wizard")).to_contain_text("Caller information from reverse lookup", timeout=60_000)
    simulator.control.hang_up(call["telephonySessionId"])
    expect(status_of(page)).to_have_text("Ended", timeout=30_000)

    row = Call.objects.get(telephony_session_id=call["telephonySessionId"])
    assert row.answered_at is not None and row.lookup_queued_at is None and row.lookup_outcome
    assert page.server_errors == [] and answered_500(live_app.log()) == []
    assert {d["httpStatus"] for d in simulator.control.deliveries(session=call["telephonySessionId"])} == {
        200
    }


def test_the_web_process_killed_during_a_ringing_call_catches_up_after_restart(
    live_app, live_app_factory, app_env, logged_in_page, simulator, entity, office
):
    alice = connected_staff(entity, "101", display_name="Alice Martin", close_wizard_on_hangup=False)
    page = listening_tab(logged_in_page, alice)
    call = simulator.control.place_call("+12125550100", "101")
    expect(status_of(page)).to_have_text("Ringing")

    live_app.process.kill()  # SIGKILL: nothing is flushed, no goodbye to the sockets
    live_app.process.wait(timeout=10)
    simulator.control.answer_call(call["telephonySessionId"])  # its notification finds no one
    assert Call.objects.get(telephony_session_id=call["telephonySessionId"]).state == Call.State.RINGING
    live_app_factory(env=app_env, port=live_app.port)

    expect(status_of(page)).to_have_text("On call", timeout=60_000)
    row = Call.objects.get(telephony_session_id=call["telephonySessionId"])
    assert row.state == Call.State.ON_CALL and row.answered_at is not None
    simulator.control.hang_up(call["telephonySessionId"])
    expect(status_of(page)).to_have_text("Ended", timeout=30_000)


def test_ringcentral_down_turns_the_icon_red_with_the_reason_and_green_again(
    private_redis, worker, live_app, logged_in_page, simulator, entity, office
):
    alice = connected_staff(entity, "101", display_name="Alice Martin")
    page = listening_tab(logged_in_page, alice)
    icon = page.locator("#phone-icon")

    simulator.stop()
    expect(icon).to_have_attribute("data-state", "not-listening", timeout=90_000)
    expect(icon.locator("button")).to_have_attribute(
        "title", re.compile("RingCentral has not answered since")
    )
    simulator.start()
    expect(icon).to_have_attribute("data-state", "listening", timeout=90_000)

    simulator.control.place_call("+12125550100", "101")
    expect(status_of(page)).to_have_text("Ringing", timeout=30_000)
    assert page.server_errors == []

"""Call-log sync against the simulator: incremental windows, idempotency, convergence with live
calls, rate limits, outages, interruption and resume, one run at a time."""

from datetime import timedelta

import pytest
from django.utils import timezone

from telephony.history import sync
from telephony.models import Call
from telephony.models_sync import CallLogSync
from tests.factories import ContactFactory, CustomerFactory, PhoneNumberFactory
from tests.test_sync_support import ALICE_EXTENSION_ID, add_record, alice, connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(entity):
    customer = CustomerFactory(entity=entity, name="ACME Corp")
    PhoneNumberFactory(customer=customer, raw="(212) 555-0100")
    jane = ContactFactory(customer=customer, first_name="Jane", last_name="Smith")
    PhoneNumberFactory(contact=jane, raw="514.555.0142", label="mobile")
    return customer


@pytest.fixture
def connector(entity, simulator_settings):
    alice(entity)
    return connect(entity, simulator_settings)


def run(connector, **kwargs) -> sync.SyncOutcome:
    return sync.connector_sync(connector_id=connector.pk, **kwargs)


def test_it_syncs_records_with_matches_resource_and_recording(connector, acme, simulator):
    inbound = add_record(simulator, number="+12125550100", recorded=True, duration=125)
    outbound = add_record(simulator, number="+15145550142", direction="Outbound", result="Call connected")
    add_record(simulator, number="+14155550190", result="Missed", duration=12)

    outcome = run(connector)

    assert outcome.result == "ok" and outcome.counts.created == 3
    call = Call.objects.get(call_log_id=inbound["id"])
    assert call.entity == connector.entity and call.direction == "inbound" and call.state == "ended"
    assert call.customer == acme and call.contact is None
    assert "Main phone" in call.matched_on and "ACME Corp" in call.matched_on
    assert call.resource.display_name == "Alice Martin" and call.extension_id == ALICE_EXTENSION_ID
    assert call.duration_seconds == 125 and call.result == "Accepted"
    assert call.recording_id == inbound["recording_id"] and call.recording_id
    assert call.ended_at - call.started_at == timedelta(seconds=125)
    jane_call = Call.objects.get(call_log_id=outbound["id"])
    assert jane_call.direction == "outbound" and jane_call.to_number == "+15145550142"
    assert jane_call.contact.full_name == "Jane Smith" and jane_call.customer == acme
    missed = Call.objects.get(from_number="+14155550190")
    assert missed.state == "missed" and missed.customer is None and missed.matched_on == ""
    state = CallLogSync.objects.get(connector=connector)
    assert state.last_result == "ok" and state.created == 3 and state.next_url == "" and not state.running
    assert state.synced_until is not None


def test_a_second_run_changes_nothing(connector, acme, simulator):
    add_record(simulator, number="+12125550100", recorded=True)
    add_record(simulator, number="+15145550142", direction="Outbound", result="Call connected")
    run(connector)
    before = {c.pk: c.updated_at for c in Call.objects.all()}

    outcome = run(connector)

    assert outcome.result == "ok"
    assert (outcome.counts.created, outcome.counts.updated, outcome.counts.unchanged) == (0, 0, 2)
    assert {c.pk: c.updated_at for c in Call.objects.all()} == before


def test_late_records_inside_the_overlap_are_picked_up_older_ones_are_not_asked_for(connector, simulator):
    run(connector)
    synced_until = CallLogSync.objects.get(connector=connector).synced_until
    late = add_record(simulator, number="+12125550100", started=synced_until - timedelta(minutes=2))
    # Outside the overlap: a full sync would find it; the incremental window does not ask for it.
    old = add_record(simulator, number="+12125550100", started=synced_until - timedelta(hours=2))
    new = add_record(simulator, number="+12125550100", minutes_ago=0.05)

    outcome = run(connector)

    assert outcome.counts.created == 2
    assert Call.objects.filter(call_log_id__in=[late["id"], new["id"]]).count() == 2
    assert not Call.objects.filter(call_log_id=old["id"]).exists()


def test_a_live_call_and_its_record_converge_on_one_row(connector, acme, simulator, entity):
    other = CustomerFactory(entity=entity, name="Picked In The Wizard")
    live = Call.objects.create(
        entity=entity,
        telephony_session_id="s-live-42",
        direction=Call.Direction.INBOUND,
        state=Call.State.ON_CALL,
        from_number="+12125550100",
        started_at=timezone.now() - timedelta(minutes=5),
        customer=other,
        matched_on="chosen by the user",
    )
    record = add_record(simulator, number="+12125550100", telephony_session_id="s-live-42", recorded=True)

    outcome = run(connector)

    assert outcome.counts.updated == 1 and outcome.counts.created == 0
    assert Call.objects.filter(entity=entity).count() == 1
    live.refresh_from_db()
    assert live.call_log_id == record["id"] and live.recording_id == record["recording_id"]
    assert live.state == "ended" and live.duration_seconds == 95
    assert live.customer == other and live.matched_on == "chosen by the user"  # the person's choice stays
    assert run(connector).counts.unchanged == 1


def test_rate_limits_are_waited_out_and_the_refused_page_asked_again(connector, simulator, monkeypatch):
    monkeypatch.setattr(sync, "PER_PAGE", 100)
    simulator.control.generate_call_log(250, days=1, seed=7)
    simulator.control.set_limits(enabled=True, Heavy=2, window=2)
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        import time

        time.sleep(seconds)

    outcome = run(connector, sleep=sleep)

    assert outcome.result == "ok" and outcome.counts.created == 250
    assert waits and all(0 < w <= 2 for w in waits)
    state = CallLogSync.objects.get(connector=connector)
    assert state.rate_limit_waits == len(waits) and state.pages == 3 and state.last_error == ""


def no_prefetch(monkeypatch):
    """Fetch page by page, so a fault injected after page 1 is met by page 2, not a later one."""
    monkeypatch.setattr(sync, "prefetched", lambda pages, **kwargs: pages)


def test_prefetching_keeps_page_order_and_hands_over_the_fetch_error():
    def pages():
        yield 1
        yield 2
        raise sync.rc.RingCentralUnavailable("down")

    seen = []
    with pytest.raises(sync.rc.RingCentralUnavailable):
        for page in sync.prefetched(pages()):
            seen.append(page)
    assert seen == [1, 2]


def _fail_after_first_page(monkeypatch, action):
    real = sync.upsert_records
    pages = []

    def upsert(**kwargs):
        counts = real(**kwargs)
        pages.append(counts)
        if len(pages) == 1:
            action()
        return counts

    monkeypatch.setattr(sync, "upsert_records", upsert)
    return pages


def test_an_outage_mid_run_keeps_the_cursor_and_the_next_run_resumes(connector, simulator, monkeypatch):
    monkeypatch.setattr(sync, "PER_PAGE", 100)
    simulator.control.generate_call_log(250, days=1, seed=8)
    no_prefetch(monkeypatch)
    _fail_after_first_page(monkeypatch, lambda: simulator.control.add_fault("call-log", status=503))

    failed = run(connector)

    assert failed.result == "error" and "unavailable" in failed.error
    state = CallLogSync.objects.get(connector=connector)
    written = Call.objects.count()
    assert written == 100 and "page=2&" in state.next_url
    assert state.last_result == "error" and state.error_count == 1 and not state.running

    simulator.control.clear_faults()
    monkeypatch.undo()
    monkeypatch.setattr(sync, "PER_PAGE", 100)
    no_prefetch(monkeypatch)
    resumed = run(connector)

    assert resumed.result == "ok" and resumed.counts.created == 250 - written
    assert Call.objects.count() == 250
    state.refresh_from_db()
    assert state.error_count == 0 and state.total_errors == 1 and state.next_url == ""


def test_ringcentral_down_is_an_error_on_the_connector_page_not_a_crash(connector, simulator):
    add_record(simulator, number="+12125550100")
    simulator.stop()

    outcome = run(connector)

    assert outcome.result == "error"
    state = CallLogSync.objects.get(connector=connector)
    assert state.last_result == "error" and state.last_error and not state.running


class WorkerKilled(BaseException):
    """What a killed worker looks like to the code: nothing after this point runs."""


def test_a_killed_run_blocks_until_its_claim_is_stale_then_resumes_on_its_page(
    connector, simulator, monkeypatch
):
    monkeypatch.setattr(sync, "PER_PAGE", 100)
    simulator.control.generate_call_log(250, days=1, seed=9)
    no_prefetch(monkeypatch)

    real, calls = sync.upsert_records, []

    def upsert(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise WorkerKilled  # during page 2: page 1 is stored, its cursor points at page 2
        return real(**kwargs)

    monkeypatch.setattr(sync, "upsert_records", upsert)
    with pytest.raises(WorkerKilled):
        run(connector)
    monkeypatch.setattr(sync, "upsert_records", real)
    state = CallLogSync.objects.get(connector=connector)
    assert state.running and "page=2" in state.next_url  # the dead worker's claim and cursor

    assert run(connector).result == "busy"
    CallLogSync.objects.filter(pk=state.pk).update(running_since=timezone.now() - timedelta(minutes=11))
    resumed = run(connector)

    assert resumed.result == "ok" and resumed.pages == 2
    assert Call.objects.count() == 250


def test_one_sync_at_a_time_per_connector(connector, simulator):
    add_record(simulator, number="+12125550100")
    token = sync.claim(connector)
    assert token and sync.claim(connector) is None

    assert run(connector).result == "busy"
    assert Call.objects.count() == 0

    sync._release(token)
    assert run(connector).result == "ok" and Call.objects.count() == 1


def test_the_periodic_task_queues_connected_connectors_only(connector, other_entity, simulator):
    from telephony.history import tasks
    from telephony.models import Connector

    Connector.objects.create(entity=other_entity, client_id="x", client_secret="y")
    add_record(simulator, number="+12125550100")

    assert tasks.sync_call_logs_task() == 1  # eager in tests: the run happens inside
    assert Call.objects.filter(entity=connector.entity).count() == 1


def test_the_batched_matcher_answers_like_find_callers(entity, acme):
    from crm.phones import find_callers

    inactive = CustomerFactory(entity=entity, name="Gone Inc", is_active=False)
    PhoneNumberFactory(customer=inactive, raw="(305) 555-0111")
    second = CustomerFactory(entity=entity, name="Shares A Number")
    PhoneNumberFactory(customer=second, raw="212-555-0100")
    numbers = ["+12125550100", "+15145550142", "+13055550111", "+19995550000", "not a number", ""]
    matcher = sync.Matcher(entity)
    matcher.prime(numbers)
    for number in numbers:
        expected = find_callers(entity, number) if number else []
        customer_id, contact_id, matched_on = matcher.match(number)
        if not expected:
            assert (customer_id, contact_id, matched_on) == (None, None, ""), number
            continue
        best = expected[0]
        assert customer_id == best.customer.pk and contact_id == (best.contact.pk if best.contact else None)
        assert matched_on.startswith(f"{best.source} of {best.kind} {best.record}")
    assert "(first of 2 matches)" in matcher.match("+12125550100")[2]


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_one_runs_the_other_is_told_busy(entity, simulator_settings):
    """Two real threads (own database connections) ask at the same moment: the claim lets one in."""
    import threading

    from django.db import connections

    alice(entity)
    connector = connect(entity, simulator_settings)
    add_record(simulator_settings, number="+12125550100")
    barrier, results = threading.Barrier(2), []

    def worker():
        try:
            barrier.wait()
            results.append(sync.connector_sync(connector_id=connector.pk).result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == ["busy", "ok"]
    assert Call.objects.filter(entity=entity).count() == 1


def test_the_log_fills_what_live_missed_corrects_its_own_fields_and_never_flips_back(
    connector, acme, entity, simulator
):
    from crm.models import Resource
    from telephony.ingest.events import Outcome, apply_notification
    from telephony.ingest.notifications import read_telephony
    from tests.telephony_factories import SubscriptionFactory, party_event

    resource = Resource.objects.get(entity=entity, ringcentral_extension_id=ALICE_EXTENSION_ID)
    subscription = SubscriptionFactory(connector=connector, resource=resource)
    reached = timezone.now().replace(microsecond=0) - timedelta(minutes=5)

    def event(sequence: int, code: str, seconds: int) -> Outcome:
        payload = party_event(
            subscription,
            session="s-owned-1",
            code=code,
            sequence=sequence,
            extension_id=ALICE_EXTENSION_ID,
            at=reached + timedelta(seconds=seconds),
        )
        return apply_notification(read_telephony(payload), resource=resource)

    for step in ((2, "Setup", 0), (3, "Proceeding", 1), (4, "Answered", 9)):
        assert event(*step) == Outcome.APPLIED  # the hang-up event is lost for now
    # RingCentral's log: the session began 20 s before it reached Alice (an IVR), 89 s long.
    record = add_record(
        simulator,
        number="+12125550100",
        telephony_session_id="s-owned-1",
        started=reached - timedelta(seconds=20),
        duration=89,
        recorded=True,
    )

    assert run(connector).counts.updated == 1
    call = Call.objects.get()
    assert call.started_at == reached  # when it reached the extension: the live path's
    assert call.answered_at == reached + timedelta(seconds=9)
    assert call.ended_at == reached + timedelta(seconds=69)  # filled from the log (start + duration)
    assert (call.state, call.result, call.call_log_id) == ("ended", "Accepted", record["id"])
    assert call.recording_id == record["recording_id"]
    assert (call.ring_seconds, call.talk_seconds, call.duration_seconds) == (9, 60, 60)
    assert call.customer == acme
    owned = [getattr(call, f) for f in ("started_at", "ended_at", "duration_seconds", "state", "result")]

    event(5, "Disconnected", 69)  # the lost event arrives late: what the log settled does not move
    assert run(connector).counts.unchanged == 1
    call.refresh_from_db()
    assert [
        getattr(call, f) for f in ("started_at", "ended_at", "duration_seconds", "state", "result")
    ] == owned

"""arcadium/prepared.py: hot-path statements written once from model metadata behave as the ORM
would (converters, auto_now, conflicts, locks), and the ingest's call listeners run only for
the calls that concern them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from arcadium import prepared
from telephony.ingest import events, inbox
from telephony.models import Call, CallEvent
from tests.telephony_factories import listening_resource, party_event

CONFLICT = events.CALL_CONFLICT


def new_call(resource, session: str = "s-prepared-1") -> Call:
    return Call(
        entity=resource.entity,
        resource=resource,
        telephony_session_id=session,
        extension_id=resource.ringcentral_extension_id,
        direction=Call.Direction.INBOUND,
        from_number="+12125550100",
        party_sequences={"p-2": {"seq": 3, "code": "setup"}},
        started_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
    )


def test_an_inserted_row_reads_back_through_the_orm_as_it_was_made(entity):
    resource, _ = listening_resource(entity)
    call = new_call(resource)

    assert prepared.insert(call, on_conflict=CONFLICT)

    stored = Call.objects.get(pk=call.pk)
    assert (stored.telephony_session_id, stored.state, stored.party_sequences) == (
        "s-prepared-1",
        Call.State.RINGING,
        {"p-2": {"seq": 3, "code": "setup"}},
    )
    assert stored.created_at is not None and stored.updated_at is not None  # auto_now(_add) stamped
    assert not call._state.adding


def test_a_second_insert_of_the_same_party_is_refused_without_an_error_or_a_row(entity):
    resource, _ = listening_resource(entity)
    assert prepared.insert(new_call(resource), on_conflict=CONFLICT)
    with transaction.atomic():  # no savepoint needed: the statement itself does not fail
        assert not prepared.insert(new_call(resource), on_conflict=CONFLICT)
        assert Call.objects.count() == 1


def test_select_builds_instances_with_the_orms_converters(entity):
    resource, _ = listening_resource(entity)
    call = new_call(resource)
    prepared.insert(call)

    (found,) = prepared.select(Call, "id = %s", [call.pk], lock="FOR UPDATE")

    assert found == Call.objects.get(pk=call.pk)
    assert found.party_sequences == {"p-2": {"seq": 3, "code": "setup"}}  # JSON, not text
    assert found.started_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert prepared.select(Call, "id = %s", [call.pk + 1000]) == []


def test_select_of_some_fields_reads_only_those_and_defers_the_rest(entity):
    resource, _ = listening_resource(entity)
    call = new_call(resource)
    prepared.insert(call)

    (found,) = prepared.select(Call, "id = %s", [call.pk], fields=("party_sequences", "started_at"))

    assert found.get_deferred_fields() >= {"from_number", "telephony_session_id", "state"}
    assert found.pk == call.pk
    assert found.party_sequences == {"p-2": {"seq": 3, "code": "setup"}}
    assert found.started_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert found.from_number == "+12125550100"  # a deferred field still loads when asked for


def test_converted_reads_raw_values_as_the_fields_do(entity):
    resource, _ = listening_resource(entity)
    call = new_call(resource)
    prepared.insert(call)
    with connection.cursor() as cursor:
        cursor.execute("SELECT party_sequences, started_at FROM telephony_call WHERE id = %s", [call.pk])
        raw = cursor.fetchone()

    values = prepared.converted(Call, ("party_sequences", "started_at"), raw)

    assert values == [{"p-2": {"seq": 3, "code": "setup"}}, datetime(2026, 11, 30, 9, 0, tzinfo=UTC)]


def test_update_writes_only_the_named_fields_and_stamps_auto_now(entity):
    resource, _ = listening_resource(entity)
    call = new_call(resource)
    prepared.insert(call)
    before = Call.objects.get(pk=call.pk).updated_at
    Call.objects.filter(pk=call.pk).update(from_name="Written by someone else")

    call.popped_up_at = datetime(2026, 11, 30, 9, 0, 5, tzinfo=UTC)
    call.from_name = "Not to be written"
    prepared.update(call, ["popped_up_at"])

    stored = Call.objects.get(pk=call.pk)
    assert stored.popped_up_at == call.popped_up_at
    assert stored.from_name == "Written by someone else"
    assert stored.updated_at > before - timedelta(seconds=1)


def test_any_of_is_one_statement_text_for_any_number_of_values(entity):
    resource, _ = listening_resource(entity)
    ids = []
    for n in range(3):
        call = new_call(resource, session=f"s-any-{n}")
        prepared.insert(call)
        ids.append(call.pk)
    texts = set()
    for count in (1, 2, 3):
        where, params = prepared.any_of("id", ids[:count])
        texts.add(where)
        assert len(prepared.select(Call, where, params)) == count
    assert len(texts) == (1 if connection.vendor == "postgresql" else 3)


def test_listeners_run_only_for_the_calls_that_concern_them_and_a_failure_stays_theirs(entity, monkeypatch):
    resource, subscription = listening_resource(entity)
    seen = []

    @events.concerned_with(lambda call: call.is_ended)
    def on_ended(call):
        seen.append(("ended", str(call.state)))
        raise RuntimeError("this listener fails")

    def on_every_change(call):
        seen.append(("every", str(call.state)))
        Call.objects.filter(pk=call.pk).update(matched_on="written by the second listener")

    def savepoints_to_ring(listeners, session):
        monkeypatch.setattr(events, "call_listeners", listeners)
        with CaptureQueriesContext(connection) as ringing:
            inbox.ingest(party_event(subscription, code="Setup", session=session), subscription=subscription)
        return sum(q["sql"].startswith("SAVEPOINT") for q in ringing.captured_queries)

    # A ringing call is none of on_ended's business: it costs no savepoint.
    assert savepoints_to_ring([on_ended, on_every_change], "s-1") == savepoints_to_ring(
        [on_every_change], "s-0"
    )
    Call.objects.filter(telephony_session_id="s-0").delete()
    seen.clear()
    monkeypatch.setattr(events, "call_listeners", [on_ended, on_every_change])
    inbox.ingest(
        party_event(subscription, code="Disconnected", session="s-1", missed=True), subscription=subscription
    )

    assert seen == [("ended", "missed"), ("every", "missed")]
    call = Call.objects.get()
    assert call.state == Call.State.MISSED  # the failing listener cost the call nothing
    assert call.matched_on == "written by the second listener"
    assert CallEvent.objects.filter(processed_at__isnull=True).count() == 0


@pytest.mark.parametrize("limit", [1, 5])
def test_a_claim_marks_what_it_takes_and_leaves_the_rest_waiting(entity, settings, limit):
    settings.INGEST_INLINE = False
    _, subscription = listening_resource(entity)
    for n in range(3):
        inbox.ingest(party_event(subscription, session=f"s-claim-{n}"), subscription=subscription)

    assert events.apply_waiting(limit=limit) == min(limit, 3)

    assert CallEvent.objects.filter(processed_at__isnull=True).count() == 3 - min(limit, 3)
    assert Call.objects.count() == min(limit, 3)


def test_a_batch_with_a_failing_listener_is_applied_again_event_by_event(
    entity, settings, monkeypatch, caplog
):
    settings.INGEST_INLINE = False
    _, subscription = listening_resource(entity)
    for n in range(3):
        inbox.ingest(party_event(subscription, session=f"s-batch-{n}"), subscription=subscription)
    calls_seen = []

    def fails_on_the_second_call(call):
        calls_seen.append(call.telephony_session_id)
        Call.objects.filter(pk=call.pk).update(matched_on="listener wrote this")
        if call.telephony_session_id == "s-batch-1":
            raise RuntimeError("this listener fails on one call")

    monkeypatch.setattr(events, "call_listeners", [fails_on_the_second_call])
    with CaptureQueriesContext(connection) as queries:
        assert events.apply_waiting(limit=10) == 3

    # Whole first (no savepoints), rolled back at the failure, then isolated: all three calls are
    # applied, and only the failing listener's write is lost.
    assert calls_seen[:2] == ["s-batch-0", "s-batch-1"]
    assert sorted(calls_seen[2:]) == ["s-batch-0", "s-batch-1", "s-batch-2"]
    calls = {c.telephony_session_id: c for c in Call.objects.all()}
    assert set(calls) == {"s-batch-0", "s-batch-1", "s-batch-2"}
    assert [calls[f"s-batch-{n}"].matched_on for n in range(3)] == [
        "listener wrote this",
        "",
        "listener wrote this",
    ]
    assert CallEvent.objects.filter(processed_at__isnull=True).count() == 0
    assert (
        any(q["sql"].startswith("ROLLBACK") for q in queries.captured_queries)
        or connection.vendor != "postgresql"
    )
    assert "A call listener failed" in caplog.text


def test_a_batch_that_applies_cleanly_opens_no_savepoint(entity, settings):
    settings.INGEST_INLINE = False
    _, subscription = listening_resource(entity)
    for n in range(2):
        inbox.ingest(party_event(subscription, session=f"s-clean-{n}"), subscription=subscription)
    with CaptureQueriesContext(connection) as queries:
        assert events.apply_waiting(limit=10) == 2
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    # One: the batch's own transaction, a savepoint inside the test's; none per event or listener.
    assert statements.count("SAVEPOINT") == 1
    assert Call.objects.filter(popped_up_at__isnull=False).count() == 2

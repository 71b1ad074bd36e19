"""Our call state from RingCentral party events, including out-of-order and odd sequences."""

from datetime import UTC, datetime, timedelta

import pytest

from telephony.ingest.events import Outcome, apply_notification
from telephony.ingest.notifications import read_telephony
from telephony.models import Call
from tests.telephony_factories import listening_resource, party_event

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def subscribed(entity):
    return listening_resource(entity)


def feed(subscribed, *steps):
    resource, subscription = subscribed
    for sequence, code, seconds, extra in steps:
        payload = party_event(
            subscription, code=code, sequence=sequence, at=T0 + timedelta(seconds=seconds), **extra
        )
        apply_notification(read_telephony(payload), resource=resource)
    return Call.objects.get()


def test_an_answered_call_with_hold_ends_with_its_duration(subscribed):
    call = feed(
        subscribed,
        (2, "Setup", 0, {}),
        (3, "Proceeding", 1, {}),
        (4, "Answered", 8, {}),
        (5, "Hold", 12, {}),
        (6, "Answered", 15, {}),
        (7, "Disconnected", 68, {}),
    )
    assert (call.state, call.result, call.duration_seconds) == (Call.State.ENDED, "Accepted", 60)
    assert call.answered_at == T0 + timedelta(seconds=8)


def test_hold_and_unhold_show_as_states(subscribed):
    assert (
        feed(subscribed, (2, "Setup", 0, {}), (3, "Answered", 1, {}), (4, "Hold", 2, {})).state
        == Call.State.ON_HOLD
    )
    assert feed(subscribed, (5, "Answered", 3, {})).state == Call.State.ON_CALL


def test_a_call_nobody_answered_is_missed(subscribed):
    call = feed(
        subscribed, (2, "Setup", 0, {}), (3, "Proceeding", 1, {}), (4, "Disconnected", 30, {"missed": True})
    )
    assert (call.state, call.result, call.duration_seconds) == (Call.State.MISSED, "Missed", None)


def test_a_call_sent_to_voicemail_is_missed(subscribed):
    call = feed(subscribed, (2, "Setup", 0, {}), (3, "Proceeding", 1, {}), (4, "VoiceMail", 25, {}))
    assert (call.state, call.result) == (Call.State.MISSED, "Voicemail")


def test_a_call_answered_on_another_device_is_on_call(subscribed):
    # We never pressed Answer: RingCentral reports the party Answered (desk phone or app).
    call = feed(subscribed, (2, "Setup", 0, {}), (3, "Proceeding", 1, {}), (4, "Answered", 5, {}))
    assert call.state == Call.State.ON_CALL


def test_late_ringing_events_do_not_reopen_an_answered_call(subscribed):
    call = feed(subscribed, (4, "Answered", 5, {}), (2, "Setup", 0, {}), (3, "Proceeding", 1, {}))
    assert call.state == Call.State.ON_CALL
    assert call.started_at == T0


def test_a_late_answer_turns_a_missed_call_into_an_ended_one(subscribed):
    call = feed(subscribed, (2, "Setup", 0, {}), (6, "Disconnected", 40, {}), (4, "Answered", 10, {}))
    assert (call.state, call.result, call.duration_seconds) == (Call.State.ENDED, "Accepted", 30)


def test_a_pickup_elsewhere_does_not_end_the_call(subscribed):
    call = feed(
        subscribed, (2, "Setup", 0, {}), (3, "Answered", 2, {}), (4, "Disconnected", 5, {"reason": "Pickup"})
    )
    assert call.state == Call.State.ON_CALL


def test_mute_follows_the_newest_event_only(subscribed):
    call = feed(
        subscribed, (2, "Answered", 0, {}), (4, "Answered", 3, {"muted": True}), (3, "Answered", 2, {})
    )
    assert call.muted is True


def test_other_parties_do_not_change_our_call(subscribed):
    resource, subscription = subscribed
    payload = party_event(subscription, code="Setup", extension_id="99999", direction="Outbound")
    assert apply_notification(read_telephony(payload), resource=resource) == Outcome.NOT_FOR_USER
    assert not Call.objects.exists()


def test_internal_calls_keep_the_colleagues_name(subscribed):
    resource, subscription = subscribed
    payload = party_event(subscription, code="Setup", caller="101")
    payload["body"]["parties"][0]["from"] = {
        "phoneNumber": "+19043014559",
        "name": "Bob Chen",
        "extensionId": "62000102",
    }
    apply_notification(read_telephony(payload), resource=resource)
    call = Call.objects.get()
    assert (call.from_name, call.from_number) == ("Bob Chen", "+19043014559")

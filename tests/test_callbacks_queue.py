"""The callback queue from what RingCentral (the simulator) really sends: missed calls become one
item per caller, repeats merge, a voicemail attaches, a call that rang several people is one
item, answered or internal calls make none, and reaching the caller closes the item — whatever
the order the notifications arrive in."""

import random

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from telephony.callbacks.models import CallbackAttempt, CallbackItem, Voicemail
from telephony.models import Call
from tests.callbacks_support import (
    ACME,
    Office,
    answered_elsewhere,
    called_back_by,
    internal_missed,
    missed,
    rang_three_then_missed,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(simulator, entity, in_memory_channel_layer):
    simulator.control.voice_config(ring_timeout=600, voicemail_length=0.2)  # only our actions move calls
    made = Office(simulator, entity)
    yield made
    made.close()


def test_a_missed_call_from_acme_makes_one_item(office, django_capture_on_commit_callbacks):
    office.replay(office.record(missed), django_capture_on_commit_callbacks)

    [item] = CallbackItem.objects.all()
    assert (item.number, item.customer, item.status, item.attempt_count) == (ACME, office.acme, "open", 1)
    [attempt] = item.attempts.all()
    assert attempt.rang == ["Alice Martin"] and attempt.kind == "missed"
    assert item.due_at is not None and item.due_at > item.first_attempt_at


def test_a_second_attempt_merges_into_the_same_item(office, django_capture_on_commit_callbacks):
    office.replay(office.record(missed), django_capture_on_commit_callbacks)
    office.replay(office.record(lambda c: missed(c, to="102")), django_capture_on_commit_callbacks)

    [item] = CallbackItem.objects.all()
    assert item.attempt_count == 2
    assert item.last_attempt_at > item.first_attempt_at
    assert sorted(n for a in item.attempts.all() for n in a.rang) == ["Alice Martin", "Bob Chen"]


def test_a_voicemail_attaches_to_its_call_and_item(office, django_capture_on_commit_callbacks):
    notes = office.record(lambda c: missed(c, voicemail=True))
    assert any(n["event"].endswith("/voicemail") for n in notes)  # on the user's own subscription
    office.replay(notes, django_capture_on_commit_callbacks)

    [item] = CallbackItem.objects.all()
    [voicemail] = Voicemail.objects.all()
    call = Call.objects.get(resource=office.desks["101"].resource)
    assert voicemail.item == item and voicemail.call == call
    assert voicemail.duration_seconds == 6 and voicemail.from_number == ACME and voicemail.has_audio
    assert item.attempts.get().kind == "voicemail"


def test_a_call_that_rang_three_people_makes_one_item(office, django_capture_on_commit_callbacks):
    notes = office.record(rang_three_then_missed)
    office.replay(notes, django_capture_on_commit_callbacks)

    assert Call.objects.count() == 3  # one row per person it rang, one telephony session
    [item] = CallbackItem.objects.all()
    [attempt] = item.attempts.all()
    assert item.attempt_count == 1
    assert attempt.rang == ["Alice Martin", "Bob Chen", "Carol Diaz"]


def test_a_call_answered_by_a_colleague_makes_none(office, django_capture_on_commit_callbacks):
    office.replay(office.record(answered_elsewhere), django_capture_on_commit_callbacks)

    assert Call.objects.filter(state="missed").exists()  # it did ring Alice unanswered
    assert not CallbackItem.objects.exists() and not CallbackAttempt.objects.exists()


def test_an_internal_missed_call_makes_none(office, django_capture_on_commit_callbacks):
    office.replay(office.record(internal_missed), django_capture_on_commit_callbacks)

    assert Call.objects.filter(state="missed").exists()
    assert not CallbackItem.objects.exists()


def test_reaching_the_caller_closes_the_item_saying_who(office, django_capture_on_commit_callbacks):
    office.replay(office.record(missed), django_capture_on_commit_callbacks)
    office.replay(
        office.record(lambda c: called_back_by(c, connect=False)), django_capture_on_commit_callbacks
    )
    assert CallbackItem.objects.get().status == "open"  # no answer: not reached

    office.replay(office.record(called_back_by), django_capture_on_commit_callbacks)

    item = CallbackItem.objects.get()
    bob = office.desks["102"].resource
    assert (item.status, item.close_reason, item.closed_by) == ("closed", "reached", bob)
    assert item.reached_call.direction == "outbound" and item.closed_at == item.reached_call.answered_at


def test_a_new_missed_call_after_a_callback_opens_a_new_item(office, django_capture_on_commit_callbacks):
    office.replay(office.record(missed), django_capture_on_commit_callbacks)
    office.replay(office.record(called_back_by), django_capture_on_commit_callbacks)
    office.replay(office.record(missed), django_capture_on_commit_callbacks)

    assert list(CallbackItem.objects.order_by("pk").values_list("status", "attempt_count")) == [
        ("closed", 1),
        ("open", 1),
    ]


# -- any order, repeats, losses -------------------------------------------------------------


@pytest.fixture
def recorded(office):
    return {
        "three": office.record(rang_three_then_missed),
        "answered": office.record(answered_elsewhere),
    }


ENDS = {"disconnected", "gone", "voicemail"}


def _ringing(note: dict) -> bool:
    if not note["event"].endswith("/telephony/sessions"):
        return False
    return note["body"]["parties"][0]["status"]["code"].lower() not in ENDS


def _shuffled(notes: list[dict], seed: int, *, drop_ringing: bool) -> list[dict]:
    """Shuffled, some twice, and (drop_ringing) some of the ringing events lost."""
    rng = random.Random(seed)
    kept = [n for n in notes if not (drop_ringing and _ringing(n) and rng.random() < 0.3)]
    kept += [n for n in kept if rng.random() < 0.3]  # RingCentral delivers some twice
    rng.shuffle(kept)
    return kept


@settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 10**6), drop_ringing=st.booleans())
def test_any_order_gives_one_item_for_the_missed_call_which_the_answered_call_then_closes(
    office, recorded, django_capture_on_commit_callbacks, seed, drop_ringing
):
    with transaction.atomic():
        office.replay(
            _shuffled(recorded["three"], seed, drop_ringing=drop_ringing), django_capture_on_commit_callbacks
        )
        office.replay(
            _shuffled(recorded["answered"], seed + 1, drop_ringing=drop_ringing),
            django_capture_on_commit_callbacks,
        )
        items = list(CallbackItem.objects.all())
        # One item, one attempt (the answered call adds none); Bob answering ACME's next call
        # reached them, which closes it.
        assert len(items) == 1 and items[0].attempt_count == 1
        assert items[0].attempts.get().rang == ["Alice Martin", "Bob Chen", "Carol Diaz"]
        assert (items[0].status, items[0].close_reason) == ("closed", "reached")
        assert items[0].closed_by == office.desks["102"].resource
        transaction.set_rollback(True)


# -- voicemail audio, through the recordings' proxy ---------------------------------------------


def _authorize_for_real(office, number: str, simulator) -> None:
    """Give the desk a real RingCentral authorization on the simulator (the proxy uses it)."""
    from telephony import ringcentral
    from telephony.models import RingCentralToken
    from tests.ringcentral_helpers import REDIRECT_URI, code_from_pages

    resource = office.desks[number].resource
    connector = resource.ringcentral_token.connector
    connector.server_url = simulator.url
    connector.save()
    code, verifier = code_from_pages(connector, username=number)
    tokens = ringcentral.exchange_code(connector, code=code, verifier=verifier, redirect_uri=REDIRECT_URI)
    RingCentralToken.objects.filter(resource=resource).delete()
    ringcentral.save_tokens(connector=connector, resource=resource, token_set=tokens)


def test_the_voicemail_plays_through_the_permission_checked_proxy(
    office, simulator_settings, django_capture_on_commit_callbacks
):
    from django.test import Client

    from tests.test_sync_support import grant

    _authorize_for_real(office, "101", simulator_settings)
    office.replay(office.record(lambda c: missed(c, voicemail=True)), django_capture_on_commit_callbacks)
    voicemail = Voicemail.objects.get()
    assert voicemail.transcription  # read from the message store after the notification
    alice, bob = Client(), Client()
    alice.force_login(office.desks["101"].resource.user)
    bob.force_login(office.desks["102"].resource.user)
    url = f"/calls/voicemail/{voicemail.pk}/audio/"

    whole = alice.get(url)  # left for her: she may hear it
    assert whole.status_code == 200 and whole["Content-Type"].startswith("audio/")
    body = b"".join(whole.streaming_content)
    assert body[:4] == b"RIFF" and len(body) > 1000
    part = alice.get(url, HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206 and b"".join(part.streaming_content) == body[:100]

    refused = bob.get(url)
    assert refused.status_code == 403 and "permission to listen" in refused.content.decode()
    grant(office.desks["102"].resource.user, "listen_recordings")
    assert bob.get(url).status_code == 200

    tab = alice.get(f"/customers/{office.acme.pk}/calls/").content.decode()
    assert f'src="{url}"' in tab and "Voicemail 6 s" in tab
    queue = alice.get("/calls/callbacks/").content.decode()
    assert f'src="{url}"' in queue and voicemail.transcription[:20] in queue


# -- calls the call log brings in -------------------------------------------------------------


def test_synced_history_feeds_the_queue_and_old_unreached_calls_close_as_history(
    simulator_settings, entity, in_memory_channel_layer, django_capture_on_commit_callbacks
):
    from telephony.history import sync
    from tests.factories import CustomerFactory, PhoneNumberFactory
    from tests.test_sync_support import add_record, alice, connect

    alice(entity)
    acme = CustomerFactory(entity=entity, name="ACME Corp")
    PhoneNumberFactory(customer=acme, raw="(212) 555-0100")
    connector = connect(entity, simulator_settings)
    add_record(simulator_settings, number=ACME, result="Missed", minutes_ago=60 * 24 * 9, duration=0)
    add_record(
        simulator_settings, number="+13125550177", result="Missed", minutes_ago=60 * 24 * 8, duration=0
    )
    add_record(
        simulator_settings,
        number=ACME,
        direction="Outbound",
        result="Call connected",
        minutes_ago=60 * 24 * 8,
    )
    add_record(simulator_settings, number="+14155550123", result="Missed", minutes_ago=90, duration=0)
    add_record(
        simulator_settings, number="+15105550188", result="Missed", minutes_ago=60 * 24 * 2, duration=0
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert sync.connector_sync(connector_id=connector.pk).result == "ok"

    items = {i.number: i for i in CallbackItem.objects.all()}
    assert (items[ACME].status, items[ACME].close_reason) == ("closed", "reached")  # called back, per the log
    assert (items["+13125550177"].status, items["+13125550177"].close_reason) == ("closed", "history")
    assert items["+14155550123"].status == "open"  # today's missed call the live path lost: work to do
    two_days_old = items["+15105550188"]
    assert two_days_old.status == "open" and two_days_old.overdue_notified_at is not None  # no alarm storm
    assert CallbackAttempt.objects.count() == 4

"""Order-proof ingest: the notifications the simulator really sends for every kind of call,
replayed through `events.ingest` in any order, with duplicates and with events lost.

The streams are recorded once per module from the simulator process (an account-level
subscription, so every party is there: the PSTN side, IVR-less colleagues, our users), then
hypothesis shuffles, repeats and drops them. Each replay runs in a savepoint that is rolled
back, its pushes executed into the in-memory channel layer and read from each user's group.
"""

import random
from dataclasses import dataclass

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony.ingest import events, inbox
from telephony.live.push import user_group
from telephony.models import Call
from tests.factories import ContactFactory, CustomerFactory, PhoneNumberFactory
from tests.sim_voice_support import (
    ALICE_ID,
    BOB_ID,
    TELEPHONY_ACCOUNT,
    WebhookReceiver,
    login,
    subscribe_webhook,
)
from tests.telephony_factories import listening_resource

CUSTOMER = "+12125550100"  # ACME Corp's main phone: every PSTN call comes from or goes to ACME
JANE = "+15145550142"  # Jane Smith (contact of ACME), dialled from the desk phone
ENDS = {"disconnected", "gone", "voicemail", "voicemailscreening"}
MOVES = {"pickup", "callswitch"}


def _answered(c):
    t = c.place_call(CUSTOMER, "101")["telephonySessionId"]
    c.answer_call(t)
    c.hang_up(t, side="caller")
    return t


def _missed(c):
    t = c.place_call(CUSTOMER, "101")["telephonySessionId"]
    c.ring_timeout(t)
    return t


def _caller_gave_up(c):
    t = c.place_call(CUSTOMER, "101")["telephonySessionId"]
    c.hang_up(t, side="caller")
    return t


def _voicemail(c):
    t = c.place_call(CUSTOMER, "101", voicemail=True)["telephonySessionId"]
    c.ring_timeout(t)
    c.hang_up(t, side="caller")
    return t


def _hold(c):
    t = c.place_call(CUSTOMER, "101")["telephonySessionId"]
    c.answer_call(t)
    c.hold_call(t)
    c.unhold_call(t)
    c.hang_up(t, side="callee")
    return t


def _transfer_away(c):
    t = c.place_call(CUSTOMER, "101")["telephonySessionId"]
    c.answer_call(t)
    c.transfer_call(t, to_extension="102")
    c.answer_call(t)  # Bob picks up the transferred call
    c.hang_up(t, side="caller")
    return t


def _answered_elsewhere(c):
    t = c.place_call(CUSTOMER, "101")["telephonySessionId"]
    c.forward_call(t, "102")
    c.answer_call(t)
    c.hang_up(t, side="caller")
    return t


def _answered_in_the_app(c):
    t = c.place_call(CUSTOMER, "101")["telephonySessionId"]
    c.answer_call(t, device="SoftPhone")
    c.hang_up(t, side="callee")
    return t


def _internal_from_bob(c):
    t = c.place_internal_call("102", "101")["telephonySessionId"]
    c.answer_call(t)
    c.hang_up(t, side="callee")
    return t


def _internal_to_bob(c):
    t = c.place_internal_call("101", "102")["telephonySessionId"]
    c.answer_call(t)
    c.hang_up(t, side="caller")
    return t


def _outbound_from_desk_phone(c):
    t = c.dial_from_device("101", JANE)["telephonySessionId"]
    c.answer_call(t)
    c.hang_up(t, side="callee")
    return t


def _outbound_no_answer(c):
    t = c.dial_from_device("101", JANE, device="SoftPhone")["telephonySessionId"]
    c.hang_up(t, side="caller")
    return t


def _colleagues_call(c):
    t = c.place_call(CUSTOMER, "102")["telephonySessionId"]
    c.answer_call(t)
    c.hang_up(t, side="caller")
    return t


SCENARIOS = {
    f.__name__.strip("_"): f
    for f in (
        _answered,
        _missed,
        _caller_gave_up,
        _voicemail,
        _hold,
        _transfer_away,
        _answered_elsewhere,
        _answered_in_the_app,
        _internal_from_bob,
        _internal_to_bob,
        _outbound_from_desk_phone,
        _outbound_no_answer,
        _colleagues_call,
    )
}


def _ring_out(control, platform):
    placed = platform.post(
        "/restapi/v1.0/account/~/extension/~/ring-out", {"to": {"phoneNumber": JANE}, "playPrompt": False}
    ).json_dict()
    [call] = [c for c in control.calls(live=True) if c["kind"] == "ringout"]
    assert placed["status"]["callStatus"] == "InProgress"
    control.answer_call(call["telephonySessionId"])
    control.hang_up(call["telephonySessionId"], side="caller")
    return call["telephonySessionId"]


@pytest.fixture(scope="module")
def streams(simulator_process):
    """{scenario: [notification, …]} as the simulator delivered them, in its order."""
    simulator_process.start()
    control = simulator_process.control
    control.reset()
    control.voice_config(ring_timeout=600, voicemail_length=600)  # only our actions move the calls
    receiver = WebhookReceiver()
    try:
        subscribe_webhook(login(simulator_process, "100"), receiver, [TELEPHONY_ACCOUNT])
        sessions = {name: make(control) for name, make in SCENARIOS.items()}
        sessions["ring_out"] = _ring_out(control, login(simulator_process, "101"))
        recorded = {
            name: [d["payload"] for d in control.deliveries(session=tsid) if d["state"] == "delivered"]
            for name, tsid in sessions.items()
        }
    finally:
        receiver.close()
        control.reset()
    return recorded


@dataclass
class Desk:
    extension_id: str
    resource: object
    subscription: object
    channel: str = ""


@pytest.fixture
def desks(entity, in_memory_channel_layer):
    acme = CustomerFactory(entity=entity, name="ACME Corp")
    PhoneNumberFactory(customer=acme, raw=CUSTOMER)
    jane = ContactFactory(customer=acme, first_name="Jane", last_name="Smith")
    PhoneNumberFactory(contact=jane, raw=JANE, label="mobile")
    made = []
    for extension_id in (ALICE_ID, BOB_ID):
        resource, subscription = listening_resource(entity, extension_id=extension_id)
        made.append(Desk(extension_id, resource, subscription))
    return made


def _for(payload: dict, desk: Desk, *, fresh_uuid: bool) -> dict:
    # Each subscription gets its own uuid from RingCentral; a redelivery repeats it, the other
    # door (webhook and WebSocket both on) would bring the same event under another one.
    suffix = f"-{desk.extension_id}" + ("-again" if fresh_uuid else "")
    return {
        **payload,
        "uuid": payload["uuid"] + suffix,
        "subscriptionId": desk.subscription.rc_subscription_id,
    }


def _popups(channel: str) -> int:
    queue = get_channel_layer().channels.pop(channel, None)
    messages = []
    while queue is not None and not queue.empty():
        messages.append(queue.get_nowait()[1])
    return sum('id="call-wizards"' in m["html"] for m in messages)


def _outcome(call: Call | None):
    if call is None:
        return None
    return (
        call.direction,
        call.state,
        call.result,
        call.started_at,
        call.answered_at,
        call.ended_at,
        call.duration_seconds,
        call.muted,
        call.customer_id,
        call.contact_id,
    )


def replay(deliveries: list[tuple[dict, bool]], desks: list[Desk], tsid: str, capture) -> dict:
    """{extension id: (the user's call after the replay, wizards popped)}, all rolled back."""
    layer = get_channel_layer()
    seen = {}
    with transaction.atomic():
        for desk in desks:
            desk.channel = async_to_sync(layer.new_channel)()
            async_to_sync(layer.group_add)(user_group(desk.resource.user_id), desk.channel)
        with capture(execute=True):
            for payload, fresh_uuid in deliveries:
                for desk in desks:
                    outcome = inbox.ingest(
                        _for(payload, desk, fresh_uuid=fresh_uuid), subscription=desk.subscription
                    )
                    assert outcome != events.Outcome.STORED  # nothing failed to apply
        for desk in desks:
            call = Call.objects.filter(resource=desk.resource, telephony_session_id=tsid).first()
            seen[desk.extension_id] = (
                _outcome(call),
                _popups(desk.channel),
                call and call.popped_up_at is not None,
            )
            async_to_sync(layer.group_discard)(user_group(desk.resource.user_id), desk.channel)
        transaction.set_rollback(True)
    return seen


def _party(payload: dict) -> dict:
    return payload["body"]["parties"][0]


def _own(payloads: list[dict], extension_id: str) -> list[dict]:
    return [p for p in payloads if _party(p).get("extensionId") == extension_id]


def expected_popups(arrived: list[dict], extension_id: str) -> int:
    """One wizard iff the first event of the user's party to arrive finds the call still live:
    any inbound call, or one the user placed to a number outside the company."""
    own = _own(arrived, extension_id)
    if not own:
        return 0
    first = _party(own[0])
    status = first["status"]
    if status["code"].lower() in ENDS and status.get("reason", "").lower() not in MOVES:
        return 0
    internal_outbound = first["direction"] == "Outbound" and first["to"].get("extensionId")
    return 0 if internal_outbound else 1


def _sequence(payload: dict) -> int:
    return payload["body"]["sequence"]


def test_the_recorded_streams_are_real_and_every_scenario_rings_someone(streams):
    assert set(streams) == {*SCENARIOS, "ring_out"}
    for name, payloads in streams.items():
        assert payloads, name
        assert [_sequence(p) for p in payloads] == sorted(_sequence(p) for p in payloads), name
        assert _own(payloads, ALICE_ID) or _own(payloads, BOB_ID), name
    assert any(not _party(p).get("extensionId") for p in streams["answered"])  # the PSTN side
    assert streams["ring_out"][0]["body"]["origin"]["type"] == "RingOut"


def test_in_order_each_live_call_pops_once_for_its_user_and_ends_as_it_did(
    streams, desks, django_capture_on_commit_callbacks
):
    finals = {}
    for name, payloads in streams.items():
        tsid = payloads[0]["body"]["telephonySessionId"]
        seen = replay([(p, False) for p in payloads], desks, tsid, django_capture_on_commit_callbacks)
        finals[name] = {ext: outcome[1:3] for ext, (outcome, *_) in seen.items() if outcome}
        for ext, (_, popups, popped) in seen.items():
            assert popups == expected_popups(payloads, ext) == int(bool(popped)), (name, ext)
    assert finals["answered"] == {ALICE_ID: ("ended", "Accepted")}
    assert finals["missed"] == finals["caller_gave_up"] == {ALICE_ID: ("missed", "Missed")}
    assert finals["voicemail"] == {ALICE_ID: ("missed", "Voicemail")}
    assert finals["hold"] == finals["answered_in_the_app"] == {ALICE_ID: ("ended", "Accepted")}
    assert finals["transfer_away"] == {ALICE_ID: ("ended", "Accepted"), BOB_ID: ("ended", "Accepted")}
    assert finals["answered_elsewhere"] == {ALICE_ID: ("missed", "Missed"), BOB_ID: ("ended", "Accepted")}
    assert finals["internal_from_bob"] == {
        ALICE_ID: ("ended", "Accepted"),
        BOB_ID: ("ended", "Call connected"),
    }
    assert finals["outbound_from_desk_phone"] == finals["ring_out"] == {ALICE_ID: ("ended", "Call connected")}
    assert finals["outbound_no_answer"] == {ALICE_ID: ("ended", "No Answer")}
    assert finals["colleagues_call"] == {BOB_ID: ("ended", "Accepted")}


@st.composite
def arrivals(draw, streams):
    """A scenario and what reaches us of it: some events lost, the rest shuffled, some twice."""
    name = draw(st.sampled_from(sorted(streams)))
    payloads = streams[name]
    kept = [p for p in payloads if draw(st.booleans()) or draw(st.booleans())]  # ~1 in 4 lost
    kept = draw(st.permutations(kept))
    twice = draw(st.lists(st.sampled_from(kept), max_size=3)) if kept else []
    shuffled = list(kept)
    rng = random.Random(draw(st.integers(0, 2**32)))
    for payload in twice:
        shuffled.insert(rng.randrange(len(shuffled) + 1), payload)
    fresh = draw(st.lists(st.booleans(), min_size=len(shuffled), max_size=len(shuffled)))
    # A repeat under the same uuid is a redelivery; under a new one, the other door's copy.
    deliveries = [(p, fresh[i] and p in shuffled[:i]) for i, p in enumerate(shuffled)]
    return name, payloads, kept, deliveries


@pytest.fixture
def baselines(streams, desks, django_capture_on_commit_callbacks):
    cache = {}

    def in_order(payloads: list[dict]) -> dict:
        key = tuple(sorted(p["uuid"] for p in payloads))
        if key not in cache:
            tsid = payloads[0]["body"]["telephonySessionId"] if payloads else ""
            ordered = sorted(payloads, key=_sequence)
            cache[key] = replay(
                [(p, False) for p in ordered], desks, tsid, django_capture_on_commit_callbacks
            )
        return cache[key]

    return in_order


@pytest.mark.timeout(900)  # each example replays a call for two users through the whole ingest path
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_order_duplicates_and_losses_end_as_the_in_order_stream_and_pop_at_most_once(
    data, streams, desks, baselines, django_capture_on_commit_callbacks
):
    name, payloads, kept, deliveries = data.draw(arrivals(streams))
    if not kept:
        return
    tsid = payloads[0]["body"]["telephonySessionId"]
    seen = replay(deliveries, desks, tsid, django_capture_on_commit_callbacks)
    same_events_in_order = baselines(kept)
    complete = baselines(payloads)
    arrived = [p for p, _ in deliveries]
    for desk in desks:
        ext = desk.extension_id
        outcome, popups, popped = seen[ext]
        # Whatever order and repeats: the call is what the same events in order make of it.
        assert outcome == same_events_in_order[ext][0], (name, ext)
        # Exactly one wizard for a call live when first heard of, none otherwise, none for others.
        assert popups == expected_popups(arrived, ext) == int(bool(popped)), (name, ext)
        own, own_kept = _own(payloads, ext), _own(kept, ext)
        answers = [p for p in own if _party(p)["status"]["code"] == "Answered"]
        if own and own[-1] in own_kept and (not answers or set(map(id, answers)) & set(map(id, own_kept))):
            # The user's last event arrived (and an answer, if there was one; a plain hang-up
            # tells it alone): the call ends in the state the complete stream gives.
            assert outcome[1] == complete[ext][0][1], (name, ext)

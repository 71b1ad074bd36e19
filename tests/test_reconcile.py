"""Reconciling live calls with RingCentral (the simulator) when their notifications were lost."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from telephony.ingest import reconcile
from telephony.ingest.tasks import reconcile_live_calls_task
from telephony.live.push import user_group
from telephony.models import Call
from tests.ringcentral_helpers import authorize_resource, make_connector

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_channel_layer")]


@pytest.fixture
def resource(simulator_settings):
    token = authorize_resource(make_connector(simulator_settings), username="101")
    resource = token.resource
    resource.ringcentral_enabled = True
    resource.ringcentral_extension_id = token.owner_extension_id
    resource.save()
    return resource


def ringing_call(simulator, resource) -> tuple[Call, dict]:
    """A call that rings at RingCentral, of which we saw only the first event (the rest was lost)."""
    placed = simulator.control.place_call("+12125550100", "101")
    session = simulator.control.call(placed["telephonySessionId"])["session"]
    ours = next(p for p in session["parties"] if p.get("extensionId") == resource.ringcentral_extension_id)
    call = Call.objects.create(
        entity=resource.entity,
        resource=resource,
        telephony_session_id=placed["telephonySessionId"],
        party_id=ours["id"],
        direction=Call.Direction.INBOUND,
        state=Call.State.RINGING,
        from_number="+12125550100",
        extension_id=resource.ringcentral_extension_id,
        started_at=timezone.now(),
        popped_up_at=timezone.now(),
        party_sequences={ours["id"]: 2},
    )
    Call.objects.filter(pk=call.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=1))
    return call, ours


def tab_of(resource) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(resource.user_id), channel)
    return channel


def received(channel: str) -> str:
    return async_to_sync(get_channel_layer().receive)(channel)["html"]


def test_it_learns_an_answer_it_missed_and_pushes_it(simulator, resource):
    call, ours = ringing_call(simulator, resource)
    simulator.control.answer_call(call.telephony_session_id, party_id=ours["id"])
    tab = tab_of(resource)
    before = timezone.now()

    assert reconcile_live_calls_task() == 1

    call.refresh_from_db()
    assert call.state == Call.State.ON_CALL
    assert before <= call.answered_at <= timezone.now()
    html = received(tab)
    assert f'id="call-{call.pk}-status"' in html and "On call" in html


def test_it_ends_a_call_ringcentral_no_longer_knows(simulator, resource):
    call, ours = ringing_call(simulator, resource)
    simulator.control.answer_call(call.telephony_session_id, party_id=ours["id"])
    reconcile.reconcile_live_calls()
    simulator.control.hang_up(call.telephony_session_id)

    assert reconcile.reconcile_live_calls() == 1

    call.refresh_from_db()
    assert call.state == Call.State.ENDED and call.result == "Accepted"
    assert call.answered_at <= call.ended_at <= timezone.now()


def test_it_leaves_calls_alone_that_are_right(simulator, resource):
    call, _ = ringing_call(simulator, resource)
    updated = Call.objects.get(pk=call.pk).updated_at

    assert reconcile.reconcile_live_calls() == 0
    assert Call.objects.get(pk=call.pk).updated_at == updated


def test_it_does_not_ask_ringcentral_when_no_call_is_live(simulator, resource):
    simulator.stop()  # any request would fail; none is made
    assert reconcile_live_calls_task() == 0


def test_it_waits_for_ringcentral_when_it_is_down(simulator, resource):
    call, _ = ringing_call(simulator, resource)
    simulator.stop()

    assert reconcile.reconcile_live_calls() == 0
    assert Call.objects.get(pk=call.pk).state == Call.State.RINGING

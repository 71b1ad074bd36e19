"""Claim, release, reassign and close: the rules, the refusals in plain words, the race between
two claims (exactly one wins), and what everyone at the company sees live — and nobody else."""

import threading

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.test import Client

from telephony.callbacks import actions
from telephony.callbacks.models import CallbackItem
from telephony.live.push import user_group
from tests.callbacks_factories import open_item
from tests.factories import EntityFactory, ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(entity):
    return {name: ResourceFactory(entity=entity, display_name=name) for name in ("Alice", "Bob", "Carol")}


def client_for(resource) -> Client:
    c = Client()
    c.force_login(resource.user)
    return c


def test_bob_claims_and_a_second_claim_is_refused_in_plain_words(entity, team):
    item = open_item(entity)
    bob, alice = client_for(team["Bob"]), client_for(team["Alice"])

    response = bob.post(f"/calls/callbacks/{item.pk}/claim/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "You are on it" in response.content.decode()
    refused = alice.post(f"/calls/callbacks/{item.pk}/claim/", HTTP_HX_REQUEST="true")

    assert refused.status_code == 409
    body = refused.content.decode()
    assert "Bob is already on it (since" in body and "a supervisor can reassign it" in body
    item.refresh_from_db()
    assert item.claimed_by == team["Bob"]


def test_the_queue_page_says_who_is_on_it(entity, team):
    item = open_item(entity, caller_name="Walk-in Caller")
    actions.item_claim(item_id=item.pk, resource=team["Bob"])

    page = client_for(team["Alice"]).get("/calls/callbacks/").content.decode()
    assert "Bob is on it" in page and "Walk-in Caller" in page and "1 attempt</strong>, last" in page


def test_release_and_reassign_follow_who_holds_it(entity, team):
    item = open_item(entity)
    actions.item_claim(item_id=item.pk, resource=team["Bob"])
    with pytest.raises(actions.CallbackRefused, match="Bob is already on it"):
        actions.item_release(item_id=item.pk, resource=team["Alice"])
    with pytest.raises(actions.CallbackRefused, match="Bob is already on it"):
        actions.item_reassign(item_id=item.pk, resource=team["Alice"], to=team["Alice"])

    actions.item_reassign(item_id=item.pk, resource=team["Bob"], to=team["Carol"])
    assert CallbackItem.objects.get().claimed_by == team["Carol"]
    actions.item_release(item_id=item.pk, resource=team["Alice"], supervisor=True)  # a supervisor may
    assert CallbackItem.objects.get().claimed_by is None


def test_a_colleague_of_another_company_cannot_be_given_the_item(entity, team):
    item = open_item(entity)
    stranger = ResourceFactory(entity=EntityFactory())
    with pytest.raises(actions.CallbackRefused, match="your own company"):
        actions.item_reassign(item_id=item.pk, resource=team["Bob"], to=stranger)


def test_closing_needs_a_reason_and_keeps_it(entity, team):
    item = open_item(entity)
    alice = client_for(team["Alice"])
    assert (
        alice.post(
            f"/calls/callbacks/{item.pk}/close/", {"reason": "reached"}, HTTP_HX_REQUEST="true"
        ).status_code
        == 409
    )

    response = alice.post(
        f"/calls/callbacks/{item.pk}/close/",
        {"reason": "wrong_number", "note": "Asked for a pizza place"},
        HTTP_HX_REQUEST="true",
    )

    assert "Closed</span> by Alice: Wrong number — Asked for a pizza place" in response.content.decode()
    item.refresh_from_db()
    assert (item.status, item.close_reason, item.closed_by) == ("closed", "wrong_number", team["Alice"])
    refused = client_for(team["Bob"]).post(f"/calls/callbacks/{item.pk}/claim/", HTTP_HX_REQUEST="true")
    assert "This callback is closed already." in refused.content.decode()


def test_without_htmx_a_refusal_comes_back_as_a_message(entity, team):
    item = open_item(entity)
    actions.item_claim(item_id=item.pk, resource=team["Bob"])
    response = client_for(team["Alice"]).post(f"/calls/callbacks/{item.pk}/claim/", follow=True)
    assert response.status_code == 200 and "Bob is already on it" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_claims_at_once_exactly_one_wins(entity, team):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL")
    item = open_item(entity)
    start, results = threading.Barrier(2), {}

    def claim(name):
        start.wait()
        try:
            actions.item_claim(item_id=item.pk, resource=team[name])
            results[name] = "won"
        except actions.CallbackRefused as exc:
            results[name] = str(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(n,)) for n in ("Alice", "Bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)

    winner = CallbackItem.objects.get().claimed_by.display_name
    loser = "Bob" if winner == "Alice" else "Alice"
    assert results[winner] == "won"
    assert results[loser].startswith(f"{winner} is already on it")


def _received(channel) -> list[str]:
    layer = get_channel_layer()
    queue = layer.channels.get(channel)
    out = []
    while queue is not None and not queue.empty():
        out.append(queue.get_nowait()[1]["html"])
    return out


def test_a_claim_reaches_everyone_at_the_company_and_nobody_else(
    entity, team, in_memory_channel_layer, django_capture_on_commit_callbacks
):
    item = open_item(entity)
    stranger = ResourceFactory(entity=EntityFactory(name="Northwind"))
    layer = get_channel_layer()
    channels = {}
    for resource in [*team.values(), stranger]:
        channels[resource.display_name] = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(user_group(resource.user_id), channels[resource.display_name])

    with django_capture_on_commit_callbacks(execute=True):
        actions.item_claim(item_id=item.pk, resource=team["Bob"])

    alice = "".join(_received(channels["Alice"]))
    assert f'id="callback-{item.pk}"' in alice and "Bob is on it" in alice and 'id="callback-badge"' in alice
    assert "You are on it" in "".join(_received(channels["Bob"]))
    assert _received(channels[stranger.display_name]) == []


def test_an_unknown_callers_item_offers_the_lookup_and_create_from_caller(entity, team):
    from telephony.models import Call

    item = open_item(entity, number="+15145550199", caller_name="WIRELESS CALLER")
    attempt = item.attempts.get()
    Call.objects.create(
        entity=entity,
        resource=team["Alice"],
        telephony_session_id=attempt.session_key,
        direction="inbound",
        from_number="+15145550199",
        state="missed",
        result="Missed",
        started_at=attempt.at,
    )
    page = client_for(team["Alice"]).get(f"/calls/callbacks/{item.pk}/").content.decode()

    assert "Callback to WIRELESS CALLER" in page and "Quebec" in page  # the offline number data
    assert 'action="/crm/create-from-caller/"' in page and 'value="+15145550199"' in page
    assert "Alice" in page and "Missed" in page  # the call it rang, and who

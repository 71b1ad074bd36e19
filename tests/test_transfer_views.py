"""The transfer's HTTP side and its costs: the picker lists only the company's staff on
RingCentral, reads any typed number, refuses bad input in plain words (never a 500), a stranger's
call is a 404; an ordinary call's webhook touches no transfer table; the shared note."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from callreports.services import call_note_save
from telephony.ingest import inbox
from telephony.models import Call, Transfer
from telephony.transfer.colleagues import typed_number
from telephony.transfer.sharing import note_call, note_readers
from telephony.transfer.wizard_hooks import wizard_context
from tests.factories import ResourceFactory
from tests.telephony_factories import listening_resource, party_event


@pytest.fixture
def desk(entity):
    resource, subscription = listening_resource(entity, username="alice")
    resource.display_name = "Alice Martin"
    resource.save()
    return resource, subscription


@pytest.fixture
def live_call(desk):
    resource, subscription = desk
    inbox.ingest(party_event(subscription, code="Answered"), subscription=subscription)
    return Call.objects.get(resource=resource)


def test_an_ordinary_call_never_touches_the_transfer_tables(desk):
    resource, subscription = desk
    with CaptureQueriesContext(connection) as queries:
        for code in ("Setup", "Proceeding", "Answered", "Disconnected"):
            assert inbox.ingest(party_event(subscription, code=code), subscription=subscription) == "applied"
    assert Call.objects.get(resource=resource).popped_up_at is not None
    assert not [q["sql"] for q in queries if "telephony_transfer" in q["sql"]]


def test_the_picker_lists_only_the_company_staff_on_ringcentral(
    client, desk, live_call, other_entity, monkeypatch
):
    resource, _ = desk
    ResourceFactory(
        entity=resource.entity,
        display_name="Bob Chen",
        ringcentral_enabled=True,
        ringcentral_extension_number="102",
    )
    ResourceFactory(entity=resource.entity, display_name="Bea Unticked", ringcentral_extension_number="104")
    ResourceFactory(
        entity=other_entity,
        display_name="Bo Stranger",
        ringcentral_enabled=True,
        ringcentral_extension_number="105",
    )
    monkeypatch.setattr("telephony.transfer.colleagues._presence_by_extension", lambda resource: {})
    client.force_login(resource.user)
    html = client.get(reverse("telephony-transfer-search", args=[live_call.pk]), {"q": "b"}).content.decode()
    assert "Bob Chen" in html and "Bea Unticked" not in html and "Bo Stranger" not in html
    assert "Alice Martin" not in html  # not herself
    typed = client.get(reverse("telephony-transfer-search", args=[live_call.pk]), {"q": "+1 (415) 555-0190"})
    assert "(415) 555-0190" in typed.content.decode() and "number you typed" in typed.content.decode()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("102", ("", "102")),
        ("415.555.0190", ("+14155550190", "")),
        ("+44 20 7946 0958", ("+442079460958", "")),
        ("abc", None),
    ],
)
def test_any_number_in_any_format(entity, typed, expected):
    found = typed_number(entity, typed)
    assert (found and (found.e164, found.extension_number)) == expected


def test_bad_input_is_a_plain_sentence_and_nothing_is_kept(client, desk, live_call, other_entity):
    resource, _ = desk
    stranger = ResourceFactory(
        entity=other_entity, ringcentral_enabled=True, ringcentral_extension_number="105"
    )
    client.force_login(resource.user)
    url = reverse("telephony-transfer-start", args=[live_call.pk, "now"])
    for data, sentence in (
        ({"colleague": stranger.pk}, "That colleague cannot take calls through RingCentral."),
        ({"colleague": "x"}, "That colleague cannot take calls through RingCentral."),
        ({"number": "no number"}, "Type a colleague's name, an extension or a phone number."),
    ):
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        assert (response.status_code, response.content.decode()) == (200, sentence)
        assert response["HX-Retarget"] == f"#call-{live_call.pk}-transfer-error"
    assert not Transfer.objects.exists()
    assert client.post(
        reverse("telephony-transfer-action", args=[live_call.pk, "complete"])
    ).content.decode() == ("There is no colleague on the line for this call.")


def test_someone_elses_call_is_not_found(client, live_call, entity):
    bob = ResourceFactory(entity=entity, ringcentral_enabled=True)
    client.force_login(bob.user)
    assert client.get(reverse("telephony-transfer-picker", args=[live_call.pk])).status_code == 404
    assert (
        client.post(
            reverse("telephony-transfer-start", args=[live_call.pk, "now"]), {"number": "102"}
        ).status_code
        == 404
    )


def test_the_calls_of_a_transfer_share_one_note(desk, live_call, entity):
    alice, _ = desk
    bob = ResourceFactory(entity=entity, display_name="Bob Chen", ringcentral_enabled=True)
    transfer = Transfer.objects.create(
        entity=entity, call=live_call, by=alice, kind="cold", to_resource=bob, to_label="Bob Chen (ext. 102)"
    )
    received = Call.objects.create(
        entity=entity,
        resource=bob,
        direction="inbound",
        telephony_session_id=live_call.telephony_session_id,
        extension_id="62000102",
        transfer=transfer,
        customer=live_call.customer,
    )
    call_note_save(call=live_call, user=alice.user, text="wants a quote")
    assert note_call(received) == live_call and note_call(live_call) == live_call
    assert note_readers(live_call) == {alice.user_id, bob.user_id}
    note = call_note_save(call=note_call(received), user=bob.user, text="wants a quote\nquote sent")
    assert (note.created_by, note.updated_by, note.call) == (alice.user, bob.user, live_call)
    call_note_save(call=live_call, user=bob.user, text="wants a quote\nquote sent for 40 units")
    turns = [(turn["author"], turn["added"]) for turn in note.history()]
    assert turns == [(alice.user, "wants a quote"), (bob.user, "quote sent for 40 units")]
    assert wizard_context(received, True)["transfer"].role == "received"

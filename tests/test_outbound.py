"""Click-to-dial: RingOut status mapping, the outbound call's states, one row per call, and the
dial dialog against the simulator (RingOut placed, errors in plain words)."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from telephony import ringcentral as rc
from telephony.history import sync
from telephony.ingest import events, inbox
from telephony.models import Call
from telephony.outbound import dialling
from tests.factories import ContactFactory, CustomerFactory, PhoneNumberFactory
from tests.ringcentral_helpers import authorize_resource, make_connector
from tests.telephony_factories import SubscriptionFactory, listening_resource, party_event
from tests.test_sync_support import connect

ACME_NUMBER = "+12125550100"


def ring_out(call_status, caller_status, callee_status) -> rc.RingOutStatus:
    return rc.RingOutStatus(
        id="r1", call_status=call_status, caller_status=caller_status, callee_status=callee_status
    )


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (("InProgress", "InProgress", "InProgress"), (Call.State.DIALLING, "")),
        (("InProgress", "Success", "InProgress"), (Call.State.RINGING, "")),
        (("Success", "Success", "Success"), (Call.State.ON_CALL, "Call connected")),
        (("Success", "Finished", "Finished"), (Call.State.ENDED, "Call connected")),
        (("NoAnswer", "Finished", "NoAnswer"), (Call.State.ENDED, "No Answer")),
        (("CannotReach", "Success", "Busy"), (Call.State.ENDED, "Busy")),
        (("NoAnsweringMachine", "Success", "NoAnswer"), (Call.State.ENDED, "No Answer")),
        (("InternationalDisabled", "Success", "InternationalDisabled"), (Call.State.ENDED, "Failed")),
    ],
)
def test_it_maps_ring_out_statuses_to_call_states(statuses, expected):
    assert dialling.ring_out_outcome(ring_out(*statuses)) == expected


def test_it_names_ring_out_failures_in_plain_words():
    assert (
        dialling.ring_out_failure(ring_out("InternationalDisabled", "Success", "InternationalDisabled"))
        == "International calling is disabled for your RingCentral user."
    )
    assert dialling.ring_out_failure(ring_out("InProgress", "InProgress", "InProgress")) == ""


# -- the outbound state machine, from RingCentral's events -------------------------------------------------


def outbound_event(subscription, *, code, to=ACME_NUMBER, reason=None, session="s-out-1", **extra):
    payload = party_event(
        subscription,
        code=code,
        reason=reason,
        session=session,
        direction="Outbound",
        extension_id=subscription.resource.ringcentral_extension_id,
        party="1",
        **extra,
    )
    party = payload["body"]["parties"][0]
    party["from"] = {
        "phoneNumber": "+19043014558",
        "extensionId": subscription.resource.ringcentral_extension_id,
    }
    party["to"] = {"phoneNumber": to}
    payload["body"]["origin"] = {"type": "RingOut"}
    return payload


@pytest.fixture
def desk(entity):
    resource, subscription = listening_resource(entity)
    return subscription


@pytest.fixture
def acme(entity):
    customer = CustomerFactory(entity=entity, name="ACME Corp", account_number="C-1000")
    PhoneNumberFactory(customer=customer, raw="(212) 555-0100")
    return customer


def dialled(subscription, customer) -> Call:
    target = dialling.dial_target(
        entity=subscription.resource.entity, number="(212) 555-0100", customer=customer, contact=None
    )
    return dialling._new_call(subscription.resource, target)


@pytest.mark.django_db
def test_a_dialled_call_goes_dialling_ringing_connected_held_ended_on_one_row(desk, acme):
    call = dialled(desk, acme)
    assert call.state == Call.State.DIALLING and call.customer == acme
    assert call.matched_on == "Main phone (212) 555-0100"
    seen = []
    for code in ("Setup", "Proceeding", "Answered", "Hold", "Answered", "Disconnected"):
        assert inbox.ingest(outbound_event(desk, code=code), subscription=desk) == events.Outcome.APPLIED
        call.refresh_from_db()
        seen.append(call.state)
    assert seen == ["dialling", "ringing", "on_call", "on_hold", "on_call", "ended"]
    assert Call.objects.count() == 1
    assert call.telephony_session_id == "s-out-1" and call.result == "Call connected"
    assert call.customer == acme and call.direction == Call.Direction.OUTBOUND


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reason", "result"), [("TargetBusy", "Busy"), ("NoAnswer", "No Answer"), (None, "No Answer")]
)
def test_an_unanswered_outbound_call_ends_busy_or_no_answer_not_missed(desk, acme, reason, result):
    call = dialled(desk, acme)
    inbox.ingest(outbound_event(desk, code="Proceeding"), subscription=desk)
    inbox.ingest(outbound_event(desk, code="Disconnected", reason=reason), subscription=desk)
    call.refresh_from_db()
    assert (call.state, call.result) == (Call.State.ENDED, result)


@pytest.mark.django_db
def test_events_for_another_number_or_an_old_dial_make_their_own_row(desk, acme):
    call = dialled(desk, acme)
    inbox.ingest(outbound_event(desk, code="Setup", to="+13105550199", session="s-other"), subscription=desk)
    assert Call.objects.count() == 2
    call.refresh_from_db()
    assert call.telephony_session_id == ""


@pytest.mark.django_db
def test_the_ringout_answer_after_the_first_event_keeps_one_row(desk, acme):
    call = dialled(desk, acme)
    inbox.ingest(outbound_event(desk, code="Setup", session="s-first"), subscription=desk)
    kept = dialling._record_dialled(call, session_id="s-first", party_id="p-1", ring_out_id="")
    assert kept.pk == call.pk and Call.objects.count() == 1


@pytest.mark.django_db
def test_a_call_out_answer_before_its_events_keeps_one_row(desk, acme):
    call = dialled(desk, acme)
    dialling._record_dialled(call, session_id="s-early", party_id="p-1", ring_out_id="")
    inbox.ingest(outbound_event(desk, code="Setup", session="s-early"), subscription=desk)
    assert list(Call.objects.values_list("pk", "telephony_session_id")) == [(call.pk, "s-early")]


# -- the dial dialog against the simulator ----------------------------------------------------------------


@pytest.fixture
def alice(simulator):
    connector = make_connector(simulator)
    token = authorize_resource(connector, username="101")
    resource = token.resource
    resource.ringcentral_enabled = True
    resource.ringcentral_extension_id = token.owner_extension_id
    resource.answer_on = "phone"
    resource.save()
    SubscriptionFactory(connector=connector, resource=resource)
    client = Client()
    client.force_login(resource.user)
    return resource, client


def dialog(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def words(node) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


@pytest.mark.django_db(transaction=True)
def test_the_dialog_asks_then_places_a_ring_out_matched_to_the_contact(simulator, alice):
    resource, client = alice
    acme = CustomerFactory(entity=resource.entity, name="ACME Corp")
    jane = ContactFactory(customer=acme, first_name="Jane", last_name="Smith")
    PhoneNumberFactory(contact=jane, raw="514.555.0142", label="mobile")
    url = reverse("telephony-dial")

    page = dialog(
        client.get(url, {"number": "+15145550142", "contact": jane.pk}, headers={"HX-Request": "true"})
    )
    assert (
        words(page.select_one(".dial-question")) == "Call Jane Smith at (514) 555-0142 from your desk phone?"
    )
    assert Call.objects.count() == 0

    response = client.post(
        url, {"number": "+15145550142", "contact": jane.pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and response.content == b""
    call = Call.objects.get()
    assert (call.contact, call.customer, call.direction) == (jane, acme, Call.Direction.OUTBOUND)
    assert call.ring_out_id and call.popped_up_at is not None
    placed = simulator.control.calls(live=True)
    assert [c["session"]["origin"]["type"] for c in placed] == ["RingOut"]
    assert placed[0]["session"]["parties"][-1]["to"]["phoneNumber"] == "+15145550142"


@pytest.mark.django_db(transaction=True)
def test_it_says_why_a_call_cannot_be_placed_and_keeps_no_row(simulator, alice):
    resource, client = alice
    url = reverse("telephony-dial")
    htmx = {"HX-Request": "true"}

    page = dialog(client.post(url, {"number": "12"}, headers=htmx))
    assert words(page.select_one(".error")).startswith("“12” is not a phone number we can dial.")
    assert page.select_one("button.call-button") is None

    simulator.control.set_limits(enabled=True, Heavy=1)
    client.post(url, {"number": ACME_NUMBER}, headers=htmx)
    page = dialog(client.post(url, {"number": "+12125550101"}, headers=htmx))
    assert words(page.select_one(".error")).startswith("RingCentral asks us to slow down. Try again in")
    simulator.control.set_limits(enabled=False)

    simulator.control.add_fault(r"ring-?out", status=403)
    page = dialog(client.post(url, {"number": "+12125550102"}, headers=htmx))
    assert words(page.select_one(".error")).startswith("RingCentral refused to place this call")
    simulator.control.clear_faults()

    simulator.stop()
    page = dialog(client.post(url, {"number": "+12125550103"}, headers=htmx))
    assert words(page.select_one(".error")) == (
        "RingCentral is not answering right now, so the call was not placed. Try again in a moment."
    )
    assert Call.objects.count() == 1  # only the call that went through


@pytest.mark.django_db(transaction=True)
def test_do_not_disturb_is_set_at_ringcentral(simulator, alice):
    resource, client = alice
    response = client.post(reverse("telephony-dnd"), {"dnd": "on"}, headers={"HX-Request": "true"})
    assert "Do Not Disturb is on." in words(dialog(response))
    with rc.session_for(resource) as session:
        assert rc.get_presence(session).dnd_status == "DoNotAcceptAnyCalls"
    resource.ringcentral_subscription.refresh_from_db()
    assert resource.ringcentral_subscription.dnd_status == "DoNotAcceptAnyCalls"
    client.post(reverse("telephony-dnd"), {"dnd": "off"}, headers={"HX-Request": "true"})
    with rc.session_for(resource) as session:
        assert rc.get_presence(session).dnd_status == "TakeAllCalls"


@pytest.mark.django_db
def test_numbers_are_call_links_only_for_users_whose_ringcentral_is_on(desk, acme):
    client = Client()
    client.force_login(desk.resource.user)
    url = reverse("crm-customer-detail", args=[acme.pk])
    link = dialog(client.get(url)).select_one(".phone a")
    assert link["href"] == f"/telephony/dial/?number=%2B12125550100&customer={acme.pk}"
    assert link["hx-get"] == link["href"] and link.get_text() == "(212) 555-0100"

    desk.resource.ringcentral_on = False
    desk.resource.save()
    assert dialog(client.get(url)).select_one(".phone a")["href"] == "tel:+12125550100"


@pytest.mark.django_db(transaction=True)
def test_answer_on_pc_calls_out_from_the_softphone_and_knows_the_session_at_once(simulator, alice):
    resource, client = alice
    resource.answer_on = "pc"
    resource.save()
    acme = CustomerFactory(entity=resource.entity, name="ACME Corp")
    page = dialog(client.get(reverse("telephony-dial"), {"number": ACME_NUMBER, "customer": acme.pk}))
    assert "from this computer (RingCentral softphone)?" in words(page.select_one(".dial-question"))

    client.post(reverse("telephony-dial"), {"number": ACME_NUMBER, "customer": acme.pk})
    [placed] = simulator.control.calls(live=True)
    assert placed["session"]["origin"]["type"] == "CallOut"
    call = Call.objects.get()
    assert call.telephony_session_id == placed["telephonySessionId"] and call.ring_out_id == ""
    ours = [
        p for p in placed["session"]["parties"] if p.get("extensionId") == resource.ringcentral_extension_id
    ]
    assert call.party_id == ours[0]["id"] and call.customer == acme

    simulator.control.answer_call(placed["telephonySessionId"])
    simulator.control.hang_up(placed["telephonySessionId"])
    outcome = sync.connector_sync(connector_id=connect(resource.entity, simulator).pk)
    assert outcome.result == "ok"
    synced = Call.objects.get()  # the call-log record converged on the dialled call's row
    assert synced.pk == call.pk and synced.call_log_id and synced.customer == acme


@pytest.mark.django_db(transaction=True)
def test_a_ring_out_without_events_follows_ringcentrals_status(simulator, alice):
    resource, client = alice  # no subscription at the simulator: RingCentral sends this call no events
    acme = CustomerFactory(entity=resource.entity, name="ACME Corp")
    client.post(reverse("telephony-dial"), {"number": ACME_NUMBER, "customer": acme.pk})
    call = Call.objects.get()
    status_url = reverse("telephony-ring-out-status", args=[call.pk])
    wizard = dialog(client.get(reverse("telephony-call-wizard", args=[call.pk])))
    assert wizard.select_one(".wizard-status")["hx-get"] == status_url

    [placed] = simulator.control.calls(live=True)
    simulator.control.answer_call(placed["telephonySessionId"])
    parts = dialog(client.get(status_url))
    assert words(parts.select_one(".state-badge")) == "On call"
    simulator.control.hang_up(placed["telephonySessionId"])
    parts = dialog(client.get(status_url))
    assert words(parts.select_one(".state-badge")) == "Ended"
    assert not parts.select_one(".wizard-status").has_attr("hx-get")  # polling stops
    call.refresh_from_db()
    assert (call.state, call.result) == (Call.State.ENDED, "Call connected")


@pytest.mark.django_db
def test_a_ring_out_first_leg_to_the_users_own_phone_is_claimed_by_origin(desk, acme):
    call = dialled(desk, acme)
    first_leg = outbound_event(desk, code="Setup", to="+19043014558", session="s-leg")
    first_leg["body"]["parties"][0]["direction"] = "Inbound"
    inbox.ingest(first_leg, subscription=desk)
    call.refresh_from_db()
    assert call.telephony_session_id == "s-leg" and Call.objects.count() == 1
    inbound_call = party_event(desk, session="s-inbound", extension_id=desk.resource.ringcentral_extension_id)
    inbox.ingest(inbound_call, subscription=desk)
    assert Call.objects.count() == 2  # a customer calling meanwhile is not taken for the dialled call

"""The call wizard in real Chromium against the running app and the RingCentral simulator."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import js_errors, screenshot
from tests.factories import ContactFactory, CustomerFactory, PhoneNumberFactory, ResourceFactory
from tests.simulator_fixture import sign_in_and_authorize
from tests.telephony_factories import ConnectorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def connected_staff(entity, extension: str, **fields):
    """A staff member who ticked RingCentral and authorized as `extension` (webhook delivery)."""
    resource = ResourceFactory(entity=entity, ringcentral_enabled=True, **fields)
    client = Client(HTTP_HOST="127.0.0.1:8000")
    client.force_login(resource.user)
    callback = urlsplit(
        sign_in_and_authorize(client.get(reverse("telephony-connect"))["Location"], username=extension)
    )
    assert (
        client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()}).status_code == 302
    )
    resource.refresh_from_db()
    return resource


@pytest.fixture
def office(live_app, simulator, entity):
    ConnectorFactory(
        entity=entity, server_url=simulator.url, delivery_mode="webhook", public_base_url=live_app.url
    )
    acme = CustomerFactory(entity=entity, name="ACME Corp", account_number="C-1000", terms="Net 30")
    PhoneNumberFactory(customer=acme, raw="(212) 555-0100")
    jane = ContactFactory(customer=acme, first_name="Jane", last_name="Smith", title="Buyer")
    PhoneNumberFactory(contact=jane, raw="514.555.0142", label="mobile")
    desk = ContactFactory(customer=acme, first_name="Front", last_name="Desk")
    PhoneNumberFactory(contact=desk, raw="+1 646 555 0111")
    other = CustomerFactory(entity=entity, name="Bluebird Foods")
    PhoneNumberFactory(customer=other, raw="646-555-0111")
    return acme


def wizard(page):
    return page.locator(".wizard").first


def state(page):
    return wizard(page).locator(".state-badge")


def test_a_customer_call_is_answered_muted_held_and_hung_up_from_the_wizard(
    live_app, logged_in_page, simulator, entity, office
):
    alice = connected_staff(entity, "101", display_name="Alice Martin")
    page = logged_in_page(alice.user)
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    second_tab = page.context.new_page()
    second_tab.goto(live_app.url + "/customers/")
    second_tab.wait_for_function("() => !!document.querySelector('#live-socket')")
    page.wait_for_timeout(300)  # both sockets open

    call = simulator.control.place_call("+12125550100", "101", from_name="ACME NEW YORK")
    expect(state(page)).to_have_text("Ringing")
    expect(wizard(page).locator(".caller-name")).to_have_text("ACME Corp (C-1000)")
    expect(wizard(page)).to_contain_text("Customer ACME Corp — matched on Main phone (212) 555-0100")
    expect(page.locator("body")).to_have_attribute("data-ringing", "1")
    screenshot(page, "wizard/1-ringing-customer", full_page=False)
    expect(state(second_tab)).to_have_text("Ringing")

    wizard(page).get_by_role("button", name="Answer").click()
    expect(state(page)).to_have_text("On call")
    expect(state(second_tab)).to_have_text("On call")
    assert page.locator("body").get_attribute("data-ringing") is None
    assert (
        simulator.control.call(call["telephonySessionId"])["session"]["parties"][-1]["status"]["code"]
        == "Answered"
    )

    wizard(page).get_by_role("button", name="Mute").click()
    expect(state(page)).to_have_text("Muted · On call")
    wizard(page).get_by_role("button", name="Unmute").click()
    expect(state(page)).to_have_text("On call")
    wizard(page).get_by_role("button", name="Hold").click()
    expect(state(page)).to_have_text("On hold")
    expect(state(second_tab)).to_have_text("On hold")
    wizard(page).locator("textarea").fill("Asked about the March invoice; will call back.")
    expect(wizard(page).locator(".note-state")).to_contain_text("Saved")
    screenshot(page, "wizard/2-on-hold-with-notes", full_page=False)
    wizard(page).get_by_role("button", name="Unhold").click()
    expect(state(page)).to_have_text("On call")

    wizard(page).get_by_role("button", name="Hang up").click()
    expect(page.locator(".wizard")).to_have_count(0)  # close-on-hang-up is On by default
    expect(second_tab.locator(".wizard")).to_have_count(0)
    assert js_errors(page) == [] and js_errors(second_tab) == []


def test_without_close_on_hang_up_the_wizard_stays_and_a_contact_shows_its_customer(
    live_app, logged_in_page, simulator, entity, office
):
    alice = connected_staff(entity, "101", close_wizard_on_hangup=False, ringer_on=False)
    page = logged_in_page(alice.user)
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    page.wait_for_timeout(300)

    simulator.control.place_call("+15145550142", "101")
    expect(wizard(page).locator(".caller-name")).to_have_text("Jane Smith")
    expect(wizard(page)).to_contain_text("Contact of ACME Corp — matched on Mobile phone (514) 555-0142")
    page.wait_for_timeout(300)
    assert page.locator("body").get_attribute("data-ringing") is None  # the ringer is Off
    wizard(page).get_by_role("tab", name="Customer").click()
    expect(wizard(page).locator("[data-panel=customer]")).to_contain_text("Net 30")
    screenshot(page, "wizard/3-contact-customer-tab", full_page=False)

    wizard(page).get_by_role("button", name="Answer").click()
    expect(state(page)).to_have_text("On call")
    wizard(page).get_by_role("button", name="Hang up").click()
    expect(state(page)).to_have_text("Ended")
    expect(wizard(page).locator(".wizard-controls")).to_contain_text("Call ended")
    expect(wizard(page).locator(".wizard-controls button")).to_have_count(0)
    wizard(page).get_by_role("button", name="Close the call wizard").click()
    expect(page.locator(".wizard")).to_have_count(0)


def test_a_shared_number_asks_who_is_calling_and_only_the_called_user_sees_it(
    live_app, logged_in_page, simulator, entity, office
):
    alice = connected_staff(entity, "101")
    bob = connected_staff(entity, "102")
    alice_page, bob_page = logged_in_page(alice.user), logged_in_page(bob.user)
    for page in (alice_page, bob_page):
        expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    alice_page.wait_for_timeout(300)

    simulator.control.place_call("+16465550111", "101")
    expect(wizard(alice_page).locator(".caller-name")).to_have_text("2 possible callers")
    chooser = wizard(alice_page).locator(".chooser")
    expect(chooser.locator("button")).to_have_count(2)
    screenshot(alice_page, "wizard/4-chooser", full_page=False)
    chooser.get_by_role("button", name="Front Desk").click()
    expect(wizard(alice_page).locator(".caller-name")).to_have_text("Front Desk")
    bob_page.wait_for_timeout(500)
    expect(bob_page.locator(".wizard")).to_have_count(0)


def test_switched_off_means_no_wizard(live_app, logged_in_page, simulator, entity, office):
    alice = connected_staff(entity, "101", ringcentral_on=False)
    page = logged_in_page(alice.user)
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "not-listening")
    simulator.control.place_call("+12125550100", "101", ring_timeout=1)
    page.wait_for_timeout(1500)
    expect(page.locator(".wizard")).to_have_count(0)

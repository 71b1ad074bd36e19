"""Click-to-dial, the outbound wizard and presence in real Chromium against the simulator."""

import re

import pytest
from playwright.sync_api import expect

from telephony.models import Call
from tests.browser import js_errors, screenshot
from tests.factories import ContactFactory, CustomerFactory, PhoneNumberFactory
from tests.telephony_factories import ConnectorFactory
from tests.test_wizard_browser import connected_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office(live_app, simulator, entity):
    ConnectorFactory(
        entity=entity, server_url=simulator.url, delivery_mode="webhook", public_base_url=live_app.url
    )
    acme = CustomerFactory(entity=entity, name="ACME Corp", account_number="C-1000", terms="Net 30")
    PhoneNumberFactory(customer=acme, raw="(212) 555-0100")
    jane = ContactFactory(customer=acme, first_name="Jane", last_name="Smith", title="Buyer")
    PhoneNumberFactory(contact=jane, raw="514.555.0142", label="mobile")
    return acme


def wizard(page):
    return page.locator(".wizard").first


def state(page):
    return wizard(page).locator(".state-badge")


def presence(page):
    return page.locator("#phone-presence")


def open_tabs(logged_in_page, live_app, user):
    page = logged_in_page(user)
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    second = page.context.new_page()
    second.goto(live_app.url + "/customers/")
    second.wait_for_function("() => !!document.querySelector('#live-socket')")
    page.wait_for_timeout(300)  # both sockets open
    return page, second


def test_a_customer_is_called_by_clicking_the_number_and_the_call_lands_in_history(
    live_app, logged_in_page, simulator, entity, office
):
    alice = connected_staff(entity, "101", display_name="Alice Martin", answer_on="phone")
    page, second_tab = open_tabs(logged_in_page, live_app, alice.user)
    expect(presence(page)).to_have_text("Available")
    page.goto(f"{live_app.url}/customers/{office.pk}/")

    page.locator("a.dial-link", has_text="(212) 555-0100").click()
    dialog = page.locator("#dial-dialog")
    expect(dialog.locator(".dial-question")).to_have_text(
        "Call ACME Corp at (212) 555-0100 from your desk phone?"
    )
    screenshot(page, "outbound/1-confirm-dialog", full_page=False)
    assert simulator.control.calls() == []  # nothing is dialled before the confirmation
    dialog.get_by_role("button", name="Call", exact=True).click()
    expect(page.locator("#dial-dialog")).to_have_count(0)

    expect(wizard(page).locator(".caller-name")).to_have_text("ACME Corp (C-1000)")
    expect(wizard(page)).to_contain_text("Customer ACME Corp — you called their Main phone (212) 555-0100")
    expect(state(page)).to_have_text("Ringing")  # RingCentral's events reached the row made on click
    expect(state(second_tab)).to_have_text("Ringing")
    expect(wizard(page).locator(".ring-out-hint")).to_have_text(
        "Your desk phone rings first: pick it up and RingCentral connects you."
    )
    [placed] = simulator.control.calls(live=True)
    assert placed["session"]["origin"]["type"] == "RingOut"
    screenshot(page, "outbound/2-outbound-wizard-ringing", full_page=False)

    simulator.control.answer_call(placed["telephonySessionId"])  # the customer picks up
    expect(state(page)).to_have_text("On call")
    expect(presence(page)).to_have_text("On a call")
    expect(presence(second_tab)).to_have_text("On a call")
    wizard(page).locator("textarea").fill("Called about the overdue invoice.")
    expect(wizard(page).locator(".note-state")).to_contain_text("Saved")
    wizard(page).get_by_role("button", name="Hold").click()
    expect(state(page)).to_have_text("On hold")
    screenshot(page, "outbound/3-outbound-wizard-on-hold", full_page=False)
    wizard(page).get_by_role("button", name="Unhold").click()
    expect(state(page)).to_have_text("On call")
    wizard(page).get_by_role("button", name="Hang up").click()
    expect(page.locator(".wizard")).to_have_count(0)
    expect(presence(page)).to_have_text("Available")

    call = Call.objects.get()
    assert call.telephony_session_id == placed["telephonySessionId"]  # one call, one row
    assert (call.customer, call.direction, call.state) == (office, "outbound", "ended")
    page.get_by_role("button", name="Recent calls").click()
    expect(page.locator("#recent-calls li").first).to_contain_text("ACME Corp")
    page.goto(f"{live_app.url}/customers/{office.pk}/calls/")
    expect(page.locator("body")).to_contain_text("Alice Martin")
    assert js_errors(page) == [] and js_errors(second_tab) == []


def test_calls_that_cannot_be_placed_say_why_in_plain_words(
    live_app, logged_in_page, simulator, entity, office
):
    alice = connected_staff(entity, "101", answer_on="phone")
    page = logged_in_page(alice.user)
    page.goto(f"{live_app.url}/telephony/dial/?number=555-01")
    expect(page.locator("#dial-dialog .error")).to_contain_text("is not a phone number we can dial")
    expect(page.get_by_role("button", name="Call", exact=True)).to_have_count(0)

    page.goto(f"{live_app.url}/contacts/{office.contacts.get().pk}/")
    simulator.stop()  # RingCentral is down
    page.locator("a.dial-link", has_text="(514) 555-0142").click()
    expect(page.locator("#dial-dialog .dial-question")).to_contain_text("Call Jane Smith at (514) 555-0142")
    page.get_by_role("button", name="Call", exact=True).click()
    expect(page.locator("#dial-dialog .error")).to_have_text(
        "RingCentral is not answering right now, so the call was not placed. Try again in a moment."
    )
    screenshot(page, "outbound/4-ringcentral-down", full_page=False)
    assert Call.objects.count() == 0 and page.locator(".wizard").count() == 0
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#dial-dialog")).to_have_count(0)


def test_do_not_disturb_from_the_header_sends_calls_to_voicemail(
    live_app, logged_in_page, simulator, entity, office
):
    alice = connected_staff(entity, "101")
    page, second_tab = open_tabs(logged_in_page, live_app, alice.user)
    expect(presence(page)).to_have_text("Available")

    page.locator("#phone-icon .phone-button").click()
    page.locator("#dnd-switch label", has_text="On").click()
    expect(page.locator("#dnd-switch")).to_contain_text("Do Not Disturb is on.")
    expect(presence(page)).to_have_text("Do Not Disturb")
    expect(presence(second_tab)).to_have_text("Do Not Disturb")  # every tab follows
    screenshot(page, "outbound/5-header-do-not-disturb", full_page=False)
    at_ringcentral = simulator.sdk_platform("101").get("/restapi/v1.0/account/~/extension/~/presence")
    assert at_ringcentral.json_dict()["dndStatus"] == "DoNotAcceptAnyCalls"

    placed = simulator.control.place_call("+12125550100", "101")
    delivered = simulator.control.deliveries(session=placed["telephonySessionId"])  # waits for them
    user_codes = [
        d["payload"]["body"]["parties"][0]["status"]["code"]
        for d in delivered
        if "/telephony/sessions" in d["event"] and d["payload"]["body"]["parties"][0].get("extensionId")
    ]
    assert user_codes == ["VoiceMail"] and {d["state"] for d in delivered} == {"delivered"}
    page.get_by_role("button", name="Recent calls").click()
    expect(page.locator("#recent-calls li").first).to_contain_text(re.compile(r"ACME Corp\s+.*· Missed"))
    assert page.locator(".wizard").count() == 0
    assert Call.objects.get().result == "Voicemail"

    page.locator("#recent-calls .close").click()
    page.locator("#phone-icon .phone-button").click()
    page.locator("#dnd-switch label", has_text="Off").click()
    expect(presence(page)).to_have_text("Available")
    expect(presence(second_tab)).to_have_text("Available")
    assert js_errors(page) == [] and js_errors(second_tab) == []


def test_an_outbound_call_nobody_answers_ends_as_no_answer(
    live_app, logged_in_page, simulator, entity, office
):
    alice = connected_staff(entity, "101", answer_on="phone")
    page = logged_in_page(alice.user)
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    page.goto(f"{live_app.url}/contacts/{office.contacts.get().pk}/")
    page.locator("a.dial-link", has_text="(514) 555-0142").click()
    page.get_by_role("button", name="Call", exact=True).click()
    expect(wizard(page).locator(".caller-name")).to_have_text("Jane Smith")
    expect(wizard(page)).to_contain_text("Contact of ACME Corp")
    expect(state(page)).to_have_text("Ringing")

    [placed] = simulator.control.calls(live=True)
    simulator.control.ring_timeout(placed["telephonySessionId"])  # Jane does not pick up
    expect(state(page)).to_have_text("No answer")
    expect(wizard(page).locator(".wizard-controls")).to_contain_text("No answer")
    expect(wizard(page).locator(".wizard-controls button")).to_have_count(0)
    call = Call.objects.get()
    assert (call.state, call.result, call.contact.full_name) == ("ended", "No Answer", "Jane Smith")

    wizard(page).locator(".caller-number a.dial-link").click()  # try again from the wizard
    expect(page.locator("#dial-dialog .dial-question")).to_have_text(
        "Call Jane Smith at (514) 555-0142 from your desk phone?"
    )


def test_a_call_dialled_on_the_desk_phone_opens_the_outbound_wizard_on_the_customer(
    live_app, logged_in_page, simulator, entity, office
):
    alice = connected_staff(entity, "101", display_name="Alice Martin", answer_on="phone")
    page = logged_in_page(alice.user)
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")

    # Alice dials ACME on her desk phone: Arcadium placed nothing, RingCentral's events tell.
    placed = simulator.control.dial_from_device("101", "+12125550100")
    expect(wizard(page).locator(".caller-name")).to_have_text("ACME Corp (C-1000)")
    expect(wizard(page)).to_contain_text("Customer ACME Corp — you called their Main phone (212) 555-0100")
    expect(state(page)).to_have_text(re.compile("Dialling…|Ringing"))
    expect(wizard(page).locator("[data-tab]", has_text="Call Report")).to_have_count(1)
    screenshot(page, "outbound/5-dialled-on-the-desk-phone", full_page=False)

    simulator.control.answer_call(placed["telephonySessionId"])  # ACME picks up
    expect(state(page)).to_have_text("On call")
    wizard(page).locator("textarea").fill("Desk phone: delivery date.")
    expect(wizard(page).locator(".note-state")).to_contain_text("Saved")
    simulator.control.hang_up(placed["telephonySessionId"], side="callee")
    expect(wizard(page).locator(".wizard-controls")).to_contain_text("Call ended")
    expect(wizard(page).locator(".talk-time")).to_contain_text("talked 0:")

    call = Call.objects.get()
    assert (call.customer, call.direction, call.state, call.result) == (
        office,
        "outbound",
        "ended",
        "Call connected",
    )
    assert call.popped_up_at is not None and call.answered_at is not None
    page.goto(f"{live_app.url}/customers/{office.pk}/calls/")
    expect(page.locator("body")).to_contain_text("Desk phone: delivery date.")
    assert js_errors(page) == []


def test_the_setting_keeps_the_wizard_closed_and_the_call_is_still_logged_on_the_account(
    live_app, logged_in_page, simulator, entity, office
):
    alice = connected_staff(entity, "101", answer_on="phone")
    page = logged_in_page(alice.user)
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    page.locator("#phone-icon button").click()
    setting = page.locator("fieldset", has_text="Open the wizard for calls I place from my phone")
    setting.get_by_text("Off", exact=True).click()
    expect(page.locator("#phone-panel .saved")).to_have_text("Saved.")
    alice.refresh_from_db()
    assert alice.open_wizard_for_placed_calls is False

    placed = simulator.control.dial_from_device("101", "+15145550142")
    simulator.control.answer_call(placed["telephonySessionId"])
    simulator.control.hang_up(placed["telephonySessionId"], side="callee")
    page.get_by_role("button", name="Recent calls").click()
    expect(page.locator("#recent-calls li").first).to_contain_text("Jane Smith")
    assert page.locator(".wizard").count() == 0
    call = Call.objects.get()
    assert (call.contact.full_name, call.popped_up_at) == ("Jane Smith", None)

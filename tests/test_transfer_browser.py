"""Transfers in real Chromium with two staff members, alice and bob (two browser contexts), the
running app and the RingCentral simulator: Transfer now, Ask first completed, and Back to caller
after bob declines. The colleague's wizard opens on the caller's record with the notes."""

import time

import pytest
from playwright.sync_api import expect

from callreports.calls import call_page
from telephony.models import Call, CallEvent, Transfer
from tests.browser import js_errors, screenshot
from tests.test_wizard_browser import connected_staff, office  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ACME = "+12125550100"


def wizard(page):
    return page.locator(".wizard").first


def state(page):
    return wizard(page).locator(".state-badge")


def two_desks(entity, logged_in_page, *, alice_closes: bool):
    alice = connected_staff(
        entity,
        "101",
        display_name="Alice Martin-Whitfield",
        close_wizard_on_hangup=alice_closes,
        ringer_on=False,
    )
    bob = connected_staff(entity, "102", display_name="Bob Chen", ringer_on=False)
    pages = logged_in_page(alice.user), logged_in_page(bob.user)
    for page in pages:
        page.set_viewport_size({"width": 1366, "height": 768})
        expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    pages[0].wait_for_timeout(300)  # both sockets open
    return alice, bob, pages


def answer_acme_with_a_note(simulator, page) -> str:
    tsid = simulator.control.place_call(ACME, "101", from_name="ACME NEW YORK")["telephonySessionId"]
    expect(wizard(page).locator(".caller-name")).to_have_text("ACME Corp (C-1000)")
    wizard(page).get_by_role("button", name="Answer").click()
    expect(state(page)).to_have_text("On call")
    wizard(page).locator("textarea").fill("wants a quote")
    expect(wizard(page).locator(".note-state")).to_contain_text("Saved")
    return tsid


def open_picker(page, query: str = ""):
    wizard(page).get_by_role("button", name="Transfer", exact=True).click()
    picker = wizard(page).locator(".transfer-picker")
    expect(picker.locator(".transfer-choice").first).to_be_visible()
    if query:
        picker.get_by_role("searchbox").fill(query)
    return picker


def test_alice_transfers_acme_to_bob_now(live_app, logged_in_page, simulator, entity, office):  # noqa: F811
    alice, bob, (alice_page, bob_page) = two_desks(entity, logged_in_page, alice_closes=True)
    tsid = answer_acme_with_a_note(simulator, alice_page)

    picker = open_picker(alice_page)
    bob_row = picker.locator(".transfer-choice", has_text="Bob Chen")
    expect(bob_row).to_contain_text("ext. 102")
    expect(bob_row.locator(".presence")).to_have_text("Available")
    picker.get_by_role("searchbox").fill("zz")
    expect(picker.locator(".transfer-choice")).to_have_count(0)
    picker.get_by_role("searchbox").fill("bo")
    expect(picker.locator(".transfer-choice")).to_have_count(1)
    screenshot(alice_page, "transfer/1-picker-1366", full_page=False)
    alice_page.set_viewport_size({"width": 1024, "height": 640})
    screenshot(alice_page, "transfer/1-picker-1024", full_page=False)

    picker.get_by_role("button", name="Transfer now to Bob Chen").click()
    expect(alice_page.locator(".toast")).to_contain_text(
        "ACME Corp (C-1000) transferred to Bob Chen (ext. 102)"
    )
    expect(alice_page.locator(".wizard")).to_have_count(0)  # close on hang-up: on

    expect(wizard(bob_page).locator(".caller-name")).to_have_text("ACME Corp (C-1000)")
    expect(wizard(bob_page).locator(".transfer-banner")).to_contain_text(
        "Transferred by Alice Martin-Whitfield"
    )
    expect(wizard(bob_page).locator("textarea")).to_have_value("wants a quote")
    wizard(bob_page).get_by_role("button", name="Answer").click()
    expect(state(bob_page)).to_have_text("On call")
    wizard(bob_page).locator("textarea").fill("wants a quote\nquote sent for 40 units")
    expect(wizard(bob_page).locator(".note-state")).to_contain_text("Saved")
    expect(wizard(bob_page).locator(".note-history")).to_have_text(
        "Alice Martin-Whitfield wrote “wants a quote”; Bob Chen added “quote sent for 40 units”."
    )
    screenshot(bob_page, "transfer/2-bob-receives", full_page=False)
    assert Transfer.objects.get().kind == "cold"
    assert Call.objects.get(telephony_session_id=tsid, resource=bob).customer.name == "ACME Corp"
    assert js_errors(alice_page) == []
    assert js_errors(bob_page) == []


def test_alice_asks_bob_first_then_completes(live_app, logged_in_page, simulator, entity, office):  # noqa: F811
    alice, bob, (alice_page, bob_page) = two_desks(entity, logged_in_page, alice_closes=False)
    tsid = answer_acme_with_a_note(simulator, alice_page)

    open_picker(alice_page, "102").get_by_role("button", name="Ask Bob Chen first").click()
    region = wizard(alice_page).locator(".transfer-region")
    expect(state(alice_page)).to_have_text("On hold")
    expect(region.locator(".transfer-call.held")).to_contain_text("Caller on hold for")
    expect(region.locator(".transfer-call.consult")).to_contain_text("Calling…")
    expect(region.get_by_role("button", name="Complete transfer")).to_be_disabled()

    consult = bob_page.locator(".wizard", has_text="wants to transfer")
    expect(consult.locator(".transfer-banner")).to_contain_text(
        "Alice Martin-Whitfield wants to transfer ACME Corp (C-1000) to you"
    )
    expect(consult.locator("textarea")).to_have_value("wants a quote")
    consult.get_by_role("button", name="Answer").click()
    expect(region.locator(".transfer-call.consult")).to_contain_text("On the line with you")
    screenshot(alice_page, "transfer/3-two-calls-1366", full_page=False)
    alice_page.set_viewport_size({"width": 1024, "height": 640})
    screenshot(alice_page, "transfer/3-two-calls-1024", full_page=False)

    region.get_by_role("button", name="Complete transfer").click()
    expect(wizard(alice_page).locator(".transfer-done")).to_have_text("Transferred to Bob Chen (ext. 102).")
    expect(state(alice_page)).to_have_text("Ended")
    expect(bob_page.locator(".wizard")).to_have_count(1)  # the consult card gave way to the caller's call
    expect(wizard(bob_page).locator(".caller-name")).to_have_text("ACME Corp (C-1000)")
    expect(state(bob_page)).to_have_text("On call")
    expect(wizard(bob_page).locator(".transfer-banner")).to_contain_text(
        "Transferred by Alice Martin-Whitfield"
    )
    expect(wizard(bob_page).locator("textarea")).to_have_value("wants a quote")
    screenshot(bob_page, "transfer/4-bob-after-ask-first", full_page=False)

    simulator.control.hang_up(tsid, side="caller")
    expect(state(bob_page)).to_have_text("Ended")
    acme = Call.objects.get(telephony_session_id=tsid, resource=alice).customer
    page = call_page(customer=acme, filters={})
    assert [row.resource for row in page.calls] == [alice]  # one call in ACME's history…
    assert [leg.resource for leg in page.calls[0].transfer_legs] == [bob]  # …with bob's leg
    # Every RingCentral event was applied the first time: none failed (a deadlock would fail one).
    assert not CallEvent.objects.exclude(error="").exists()
    assert not CallEvent.objects.filter(processed_at__isnull=True).exists()
    assert js_errors(alice_page) == []
    assert js_errors(bob_page) == []


def test_bob_declines_and_alice_goes_back_to_the_caller(
    live_app,
    logged_in_page,
    simulator,
    entity,
    office,  # noqa: F811
):
    alice, bob, (alice_page, bob_page) = two_desks(entity, logged_in_page, alice_closes=False)
    answer_acme_with_a_note(simulator, alice_page)
    open_picker(alice_page, "Bob").get_by_role("button", name="Ask Bob Chen first").click()
    region = wizard(alice_page).locator(".transfer-region")
    expect(region.locator(".transfer-call.consult")).to_contain_text("Calling…")
    consult_session = Transfer.objects.get().consult_session_id
    hold = region.locator(".transfer-hold")
    expect(hold).to_have_attribute("data-nudge-after", "60")  # TRANSFER_HOLD_NUDGE_SECONDS
    expect(hold).not_to_have_class("transfer-hold nudge")
    expect(bob_page.locator(".wizard", has_text="wants to transfer")).to_have_count(1)
    expect(hold).to_contain_text("Caller on hold for")
    # As if a minute had passed. A late event of the consult may redraw the region (and the
    # element) at any moment, so the threshold is lowered again until the nudge shows.
    deadline = time.monotonic() + 10
    while "nudge" not in (hold.get_attribute("class") or "").split() and time.monotonic() < deadline:
        hold.evaluate("el => { el.dataset.nudgeAfter = '1'; }")
        alice_page.wait_for_timeout(300)
    expect(hold).to_have_class("transfer-hold nudge")
    screenshot(alice_page, "transfer/5-caller-held-too-long", full_page=False)
    expect(bob_page.locator(".wizard", has_text="wants to transfer")).to_have_count(1)
    simulator.control.decline_call(consult_session)
    expect(region.locator(".transfer-call.consult")).to_contain_text("Did not take the call")
    region.get_by_role("button", name="Back to caller").click()
    expect(state(alice_page)).to_have_text("On call")
    expect(region.locator(".transfer-call")).to_have_count(0)
    expect(wizard(alice_page).get_by_role("button", name="Transfer", exact=True)).to_be_visible()
    assert js_errors(alice_page) == []


def test_alice_transfers_to_a_number_typed_in_any_format(
    live_app,
    logged_in_page,
    simulator,
    entity,
    office,  # noqa: F811
):
    alice, bob, (alice_page, bob_page) = two_desks(entity, logged_in_page, alice_closes=False)
    answer_acme_with_a_note(simulator, alice_page)
    picker = open_picker(alice_page, "415.555.0190")
    typed = picker.locator(".transfer-choice.typed")
    expect(typed).to_contain_text("(415) 555-0190")
    typed.get_by_role("button", name="Transfer now to (415) 555-0190").click()
    expect(wizard(alice_page).locator(".transfer-done")).to_have_text("Transferred to (415) 555-0190.")
    expect(state(alice_page)).to_have_text("Ended")
    assert Transfer.objects.get().to_number == "+14155550190"
    expect(bob_page.locator(".wizard")).to_have_count(0)


def test_alice_forwards_a_ringing_call_to_bob(live_app, logged_in_page, simulator, entity, office):  # noqa: F811
    alice, bob, (alice_page, bob_page) = two_desks(entity, logged_in_page, alice_closes=True)
    simulator.control.place_call(ACME, "101", from_name="ACME NEW YORK")
    expect(state(alice_page)).to_have_text("Ringing")
    wizard(alice_page).get_by_role("button", name="Forward").click()
    picker = wizard(alice_page).locator(".transfer-picker")
    expect(picker.get_by_role("button", name="Ask Bob Chen first")).to_have_count(0)  # nobody to hold yet
    picker.get_by_role("button", name="Forward to Bob Chen").click()
    expect(alice_page.locator(".toast")).to_contain_text(
        "ACME Corp (C-1000) forwarded to Bob Chen (ext. 102)"
    )
    expect(alice_page.locator(".wizard")).to_have_count(0)
    expect(state(bob_page)).to_have_text("Ringing")
    expect(wizard(bob_page).locator(".caller-name")).to_have_text("ACME Corp (C-1000)")
    expect(wizard(bob_page).locator(".transfer-banner")).to_contain_text(
        "Forwarded by Alice Martin-Whitfield"
    )
    wizard(bob_page).get_by_role("button", name="Answer").click()
    expect(state(bob_page)).to_have_text("On call")
    assert js_errors(alice_page) == [] and js_errors(bob_page) == []

"""The call wizard on any screen (issue 14 §7): a 60-character customer name and two simultaneous
calls at 1024×640, 1366×768 and a 390 px phone, with the settings panel open, in real Chromium."""

import pytest
from playwright.sync_api import expect

from tests.browser import js_errors, screenshot
from tests.factories import CustomerFactory, PhoneNumberFactory
from tests.test_wizard_browser import connected_staff, office  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Consolidated Northeastern Industrial Refrigeration Works Inc"  # 60 characters


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not rendered"
    return found


def inside(viewport: dict, found: dict) -> bool:
    return (
        found["x"] >= 0
        and found["y"] >= 0
        and found["x"] + found["width"] <= viewport["width"]
        and found["y"] + found["height"] <= viewport["height"]
    )


def overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def assert_usable(page, card) -> None:
    viewport = page.viewport_size
    for part in (".wizard-close", ".wizard-collapse", ".state-badge", ".call-timer"):
        found = box(card.locator(part))
        assert inside(viewport, found), f"{part} at {found} is outside the {viewport} viewport"
    assert box(card).get("y") >= box(page.locator(".app-header"))["height"], "the wizard covers the header"


@pytest.fixture
def two_calls(live_app, logged_in_page, simulator, entity, office):  # noqa: F811
    big = CustomerFactory(entity=entity, name=LONG_NAME, account_number="C-7777")
    assert len(LONG_NAME) == 60
    PhoneNumberFactory(customer=big, raw="(415) 555-0199")
    alice = connected_staff(entity, "101", display_name="Alice Martin", ringer_on=False)
    page = logged_in_page(alice.user)
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    page.wait_for_timeout(300)  # the socket is open
    simulator.control.place_call("+14155550199", "101")
    expect(page.locator(".wizard")).to_have_count(1)
    simulator.control.place_call("+12125550100", "101")
    expect(page.locator(".wizard")).to_have_count(2)
    return page


@pytest.mark.parametrize(("width", "height"), [(1024, 640), (1366, 768)])
def test_two_calls_with_a_long_name_stay_usable_and_clear_of_the_settings_panel(two_calls, width, height):
    page = two_calls
    page.set_viewport_size({"width": width, "height": height})
    long_card = page.locator(".wizard", has_text=LONG_NAME)
    acme_card = page.locator(".wizard", has_text="ACME Corp")
    # The newest call is unfolded, the other folded to its head and buttons; both usable.
    expect(acme_card).not_to_have_class("wizard folded")
    expect(long_card).to_have_class("wizard folded")
    expect(long_card.locator(".caller-name")).to_have_attribute("title", f"{LONG_NAME} (C-7777)")
    for card in (long_card, acme_card):
        assert_usable(page, card)
        expect(card.get_by_role("button", name="Answer")).to_be_visible()
    screenshot(page, f"wizard-layout/{width}x{height}-two-calls", full_page=False)

    long_card.get_by_role("button", name="Unfold this call").click()
    expect(long_card.locator(".wizard-body")).to_be_visible()
    for card in (long_card, acme_card):
        assert_usable(page, card)
    screenshot(page, f"wizard-layout/{width}x{height}-both-open", full_page=False)

    page.locator("#phone-icon .phone-button").click()
    panel = page.locator("#phone-panel .phone-panel-body")
    expect(panel).to_be_visible()
    page.wait_for_timeout(250)  # the stack steps aside (no transition, one layout)
    for card in (long_card, acme_card):
        assert not overlap(box(card), box(panel)), "a wizard covers the settings panel"
        assert_usable(page, card)
    screenshot(page, f"wizard-layout/{width}x{height}-settings-open", full_page=False)

    long_card.get_by_role("button", name="Answer").click()
    expect(long_card.locator(".state-badge")).to_have_text("On call")
    assert js_errors(page) == []


def test_a_phone_width_screen_keeps_close_state_and_timer_in_view(two_calls):
    page = two_calls
    page.set_viewport_size({"width": 390, "height": 780})
    for card in (page.locator(".wizard").nth(0), page.locator(".wizard").nth(1)):
        card.scroll_into_view_if_needed()
        assert_usable(page, card)
    screenshot(page, "wizard-layout/390-two-calls", full_page=False)
    page.locator(".wizard").nth(0).get_by_role("button", name="Close the call wizard").click()
    expect(page.locator(".wizard")).to_have_count(1)
    assert js_errors(page) == []

"""The screens the README shows, taken from the running app in real Chromium (1366×768, and the
call wizard at 1024×640 too). They land in test-artifacts/readme/; to refresh the README's
pictures: `cp test-artifacts/readme/*.png docs/`."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import js_errors, screenshot
from tests.factories import PhoneNumberFactory
from tests.test_wizard_browser import connected_staff, office  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_readme_screens(live_app, logged_in_page, simulator, entity, office):  # noqa: F811
    PhoneNumberFactory(customer=office, raw="(212) 555-0199", label="fax")
    alice = connected_staff(entity, "101", display_name="Alice Martin", ringer_on=False)
    page = logged_in_page(alice.user)
    page.set_viewport_size({"width": 1366, "height": 768})
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    screenshot(page, "readme/customer-list", full_page=False)

    page.get_by_label("Search customers").fill("0142")
    expect(page.locator(".search-why")).to_contain_text("Jane Smith’s number (514) 555-0142")
    screenshot(page, "readme/customer-search-by-phone", full_page=False)

    page.goto(live_app.url + office.get_absolute_url())
    expect(page.locator("h1")).to_contain_text("ACME Corp")
    screenshot(page, "readme/customer-overview", full_page=False)

    page.locator("#phone-icon .phone-button").click()
    expect(page.locator("#phone-panel .phone-panel-body")).to_be_visible()
    screenshot(page, "readme/phone-settings-panel", full_page=False)
    page.keyboard.press("Escape")

    simulator.control.place_call("+12125550100", "101", from_name="ACME NEW YORK")
    expect(page.locator(".wizard .state-badge")).to_have_text("Ringing")
    screenshot(page, "readme/wizard-ringing-customer", full_page=False)

    simulator.control.place_call("+13105550147", "101", from_name="WIRELESS CALLER")
    expect(page.locator(".wizard")).to_have_count(2)
    lookup = page.locator(".wizard .lookup")
    expect(lookup).not_to_have_class(re.compile(r"lookup-pending"))  # its answer arrived
    screenshot(page, "readme/wizard-unknown-caller", full_page=False)

    page.set_viewport_size({"width": 1024, "height": 640})
    page.locator(".wizard").first.get_by_role("button", name="Unfold this call").click()
    screenshot(page, "readme/wizard-two-calls-1024", full_page=False)
    assert js_errors(page) == []

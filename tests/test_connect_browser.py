"""What a staff member sees when RingCentral is ticked for them, in real Chromium: sent to
RingCentral on their next visit, back with a green icon; switching it Off turns every tab red."""

import pytest
from playwright.sync_api import expect

from tests.browser import js_errors, screenshot
from tests.factories import CustomerFactory, PhoneNumberFactory, ResourceFactory
from tests.simulator_fixture import DEMO_PASSWORD
from tests.telephony_factories import ConnectorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ticked_user_authorizes_on_next_visit_and_every_tab_follows_the_switch(
    live_app, logged_in_page, simulator, entity
):
    ConnectorFactory(
        entity=entity, server_url=simulator.url, delivery_mode="webhook", public_base_url=live_app.url
    )
    customer = CustomerFactory(entity=entity, name="ACME Corp")
    PhoneNumberFactory(customer=customer, raw="(212) 555-0100")
    resource = ResourceFactory(entity=entity, ringcentral_enabled=True, display_name="Alice Martin")

    page = logged_in_page(resource.user)  # Arcadium sends her straight on to RingCentral
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.url.startswith(simulator.url)
    screenshot(page, "connect/1-ringcentral-login")
    page.get_by_label("Phone number or extension").fill("101")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    screenshot(page, "connect/2-access-request")
    page.get_by_role("button", name="Authorize").click()
    screenshot(page, "connect/3-ok-got-it")
    page.get_by_role("link", name="OK, got it").click()

    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    expect(page.get_by_text("RingCentral is connected")).to_be_visible()
    screenshot(page, "connect/4-green-icon", full_page=False)

    second_tab = page.context.new_page()
    second_tab.goto(live_app.url + customer.get_absolute_url())
    expect(second_tab.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    second_tab.wait_for_function("() => document.querySelector('#live-socket') !== null")

    page.locator("#phone-icon button").click()
    expect(page.get_by_role("dialog", name="RingCentral settings")).to_be_visible()
    screenshot(page, "connect/5-settings-panel", full_page=False)
    page.locator("fieldset", has_text="RingCentral").first.get_by_text("Off", exact=True).click()
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "not-listening")
    expect(second_tab.locator("#phone-icon")).to_have_attribute("data-state", "not-listening")
    expect(second_tab.locator("#phone-icon button")).to_have_attribute(
        "title", "RingCentral: RingCentral is switched off: Arcadium does not react to calls."
    )
    screenshot(second_tab, "connect/6-second-tab-red", full_page=False)

    page.locator("fieldset", has_text="RingCentral").first.get_by_text("On", exact=True).click()
    expect(second_tab.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    assert js_errors(page) == [] and js_errors(second_tab) == []

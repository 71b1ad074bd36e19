"""The foundation seen through real Chromium against a real daphne: sign in, find a customer by a
phone number typed differently from how it is stored, open it, switch to the Contacts tab (htmx)
and open a contact. Screenshots land in test-artifacts/ (the README's come from here)."""

import re

import pytest
from playwright.sync_api import expect

from crm.demo import ACME_CONTACT_MOBILE, DEMO_PASSWORD, seed_demo
from crm.numbers import display, normalize
from tests.browser import js_errors, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    seed_demo()


def test_it_finds_a_customer_by_phone_and_walks_to_a_contact(demo, live_app, logged_in_page):
    page = logged_in_page("alice", DEMO_PASSWORD)

    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    expect(page.locator("header")).to_contain_text("Arcadium Demo")
    expect(page.locator("header")).to_contain_text("Alice Martin")
    expect(page.locator("#results tbody tr")).to_have_count(25)
    screenshot(page, "customer-list")

    # Stored as "(212) 555-0100"; typed in international form with dashes. htmx swaps the results.
    page.get_by_label("Search customers").fill("+1 212-555-0100")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ACME Corp")
    expect(page).to_have_url(re.compile(r"/customers/\?q=%2B1(\+|%20)212-555-0100$"))  # hx-push-url
    screenshot(page, "customer-search-by-phone")

    rows.first.get_by_role("link", name="ACME Corp").click()
    expect(page.get_by_role("heading", name="ACME Corp")).to_be_visible()
    expect(page.locator("#tab-body")).to_contain_text("(212) 555-0100")
    screenshot(page, "customer-overview")

    page.get_by_role("link", name="Contacts", exact=True).click()
    expect(page.locator('.tabs a[aria-current="page"]')).to_have_text("Contacts")
    expect(page.locator("#tab-body")).to_contain_text("Purchasing Manager")
    expect(page).to_have_url(re.compile(r"/customers/\d+/contacts/$"))
    screenshot(page, "customer-contacts-tab")

    page.locator("#tab-body").get_by_role("link", name="Jane Smith").click()
    expect(page.get_by_role("heading", name="Jane Smith")).to_be_visible()
    # Shown in the one phone format, whatever was typed.
    expect(page.locator("main")).to_contain_text(display(normalize(ACME_CONTACT_MOBILE).e164))
    screenshot(page, "contact-detail")

    assert js_errors(page) == []


def test_it_refuses_a_wrong_password(resource, live_app, page):
    page.goto(live_app + "/customers/")
    expect(page).to_have_url(f"{live_app}/login/?next=/customers/")
    page.get_by_label("Username").fill(resource.user.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error")).to_contain_text("didn't match")
    expect(page.get_by_role("heading", name="Customers")).to_have_count(0)

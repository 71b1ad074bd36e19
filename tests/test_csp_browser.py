"""The whole UI works under the Content-Security-Policy: every main page, its htmx tabs and
panels, with nonce'd scripts only. Any CSP violation Chromium reports fails the test (they are
collected with the page errors, see tests/browser.py)."""

import re

import pytest
from playwright.sync_api import expect

from crm.demo import DEMO_PASSWORD, seed_demo
from crm.models import Customer
from tests.browser import csp_violations, js_errors

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    seed_demo()


def visit(page, url: str, *, nonce: bool = True) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    policy = response.headers.get("content-security-policy", "")
    # Django admin's pages use no nonce, so theirs is the stricter policy without one.
    script_src = r"script-src 'self' 'nonce-[^']+'(;|$)" if nonce else r"script-src 'self'(;|$)"
    assert re.search(script_src, policy), policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_staff_pages_work_under_the_policy(demo, live_app, logged_in_page):
    page = logged_in_page("alice", DEMO_PASSWORD)
    acme = Customer.objects.get(name="ACME Corp")

    visit(page, live_app + "/customers/")
    page.get_by_label("Search customers").fill("+1 212-555-0100")
    expect(page.locator("#results tbody tr")).to_have_count(1)

    visit(page, f"{live_app}/customers/{acme.pk}/")
    for tab in ["Contacts", "Calls", "Call reports"]:
        page.locator(".tabs").get_by_role("link", name=tab, exact=True).click()
        # The tab that answered becomes current: this used to be an inline hx-on handler.
        expect(page.locator('.tabs a[aria-current="page"]')).to_have_text(tab)
    visit(page, live_app + "/actions/")
    visit(page, live_app + "/actions/new/")

    assert csp_violations(page) == []
    assert js_errors(page) == []


def test_admin_pages_work_under_the_policy(demo, live_app, logged_in_page):
    page = logged_in_page("admin", DEMO_PASSWORD)
    for path in ["/telephony/connector/", "/audit/", "/staff/"]:
        visit(page, live_app + path)
    page.get_by_role("link", name="Bob Chen").click()
    page.get_by_label("RingCentral", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Saved Bob Chen.")
    for path in ["/admin/", "/admin/crm/resource/"]:
        visit(page, live_app + path, nonce=False)
    page.get_by_role("link", name="Alice Martin").click()
    expect(page.locator("input[name=ringcentral_enabled]")).to_be_visible()
    visit(page, live_app + "/telephony/connector/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    disconnect = page.locator("#disconnect-form button")
    if disconnect.count():
        disconnect.click()  # the confirm() comes from ui.js now; dismissed, nothing happens
        expect(page).to_have_url(live_app + "/telephony/connector/")

    assert csp_violations(page) == []
    assert js_errors(page) == []

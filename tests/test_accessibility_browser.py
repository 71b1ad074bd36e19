"""Accessibility (issue 14 §13), in real Chromium: axe-core (shipped inside axe-playwright-python,
no download) finds no serious or critical violation on the main pages and the call wizard; the
wizard is announced, takes the focus when a call comes and gives it back when closed, and works
from the keyboard."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from callreports.models import Action
from tests.browser import js_errors, screenshot
from tests.test_wizard_browser import connected_staff, office  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERIOUS = ("serious", "critical")


def serious_violations(page, context=None) -> list[str]:
    results = Axe().run(page, context=context)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.fixture
def alice(entity, office):  # noqa: F811
    staff = connected_staff(entity, "101", display_name="Alice Martin", ringer_on=False)
    staff.user.user_permissions.add(
        *Permission.objects.filter(codename__in=["manage_connector", "listen_recordings"])
    )
    Action.objects.create(entity=entity, subject="Send the revised quote", assignee=staff, customer=office)
    return staff


def test_the_main_pages_have_no_serious_violations(live_app, logged_in_page, alice, office):  # noqa: F811
    page = logged_in_page(alice.user)
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    pages = {
        "customers": "/customers/",
        "search": "/customers/?q=0100",
        "customer": office.get_absolute_url(),
        "calls tab": f"{office.get_absolute_url()}calls/",
        "contact": office.contacts.first().get_absolute_url(),
        "my actions": "/actions/",
        "connector": "/telephony/connector/",
    }
    found = {}
    for name, path in pages.items():
        page.goto(live_app.url + path)
        page.wait_for_load_state("networkidle")
        found[name] = serious_violations(page)
    page.goto(live_app.url + "/customers/")
    page.locator("#phone-icon .phone-button").click()
    expect(page.locator("#phone-panel .phone-panel-body")).to_be_visible()
    found["settings panel"] = serious_violations(page)
    assert found == {name: [] for name in found}
    assert js_errors(page) == []


def test_the_wizard_is_announced_takes_the_focus_gives_it_back_and_works_from_the_keyboard(
    live_app, logged_in_page, simulator, alice
):
    page = logged_in_page(alice.user)
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    search = page.get_by_label("Search customers")
    search.focus()
    page.wait_for_timeout(300)  # the socket is open

    simulator.control.place_call("+15145550142", "101")
    wizard = page.locator(".wizard")
    expect(wizard).to_be_focused()
    expect(page.locator("#call-announcer")).to_have_text("Inbound call: Jane Smith, (514) 555-0142. Ringing.")
    expect(page.get_by_role("dialog", name="Jane Smith")).to_be_visible()
    assert serious_violations(page, context="#call-wizards") == []

    # Keyboard: Tab reaches the wizard's controls, arrows move between its tabs.
    contact_tab = wizard.get_by_role("tab", name="Contact")
    contact_tab.focus()
    page.keyboard.press("ArrowRight")
    customer_tab = wizard.get_by_role("tab", name="Customer")
    expect(customer_tab).to_be_focused()
    expect(customer_tab).to_have_attribute("aria-selected", "true")
    expect(wizard.locator("[data-panel=customer]")).to_be_visible()
    page.keyboard.press("Alt+a")  # answer
    expect(wizard.locator(".state-badge")).to_have_text("On call")
    fold = wizard.get_by_role("button", name="Fold this call away")
    fold.focus()
    page.keyboard.press("Enter")
    expect(wizard.get_by_role("button", name="Unfold this call")).to_have_attribute("aria-expanded", "false")
    screenshot(page, "a11y/wizard-folded", full_page=False)

    wizard.get_by_role("button", name="Close the call wizard").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".wizard")).to_have_count(0)
    expect(search).to_be_focused()  # back where the person was
    assert js_errors(page) == []

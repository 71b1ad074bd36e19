"""In real Chromium: an admin sees the connector page; a staff member opens an account, sees its
synced calls, opens one and plays its recording through our proxy."""

import pytest
from playwright.sync_api import expect

from telephony.history import sync
from telephony.models import Call
from tests.browser import js_errors, screenshot
from tests.factories import ContactFactory, PhoneNumberFactory, ResourceFactory
from tests.test_sync_support import add_record, alice, connect, grant

pytestmark = pytest.mark.browser


@pytest.fixture
def synced(entity, customer, simulator_settings):
    staff = alice(entity)
    grant(staff.user, "listen_recordings", "manage_connector")
    ResourceFactory(entity=entity, display_name="Bob Unmapped")
    jane = ContactFactory(customer=customer, first_name="Jane", last_name="Smith")
    PhoneNumberFactory(contact=jane, raw="514.555.0142", label="mobile")
    connector = connect(entity, simulator_settings, user=staff.user)
    recorded = add_record(
        simulator_settings, number="+12125550100", recorded=True, duration=42, minutes_ago=30
    )
    add_record(
        simulator_settings,
        number="+15145550142",
        direction="Outbound",
        result="Call connected",
        minutes_ago=90,
    )
    add_record(simulator_settings, number="+12125550100", result="Missed", duration=9, minutes_ago=200)
    assert sync.connector_sync(connector_id=connector.pk).result == "ok"
    return staff, Call.objects.get(call_log_id=recorded["id"])


def test_it_shows_the_accounts_calls_and_plays_a_recording(
    live_app_factory, browser, _browser_contexts, customer, synced, simulator_settings
):
    from tests.browser import login, new_page

    staff, recorded = synced
    app = live_app_factory(env={"RINGCENTRAL_SERVER_URL": simulator_settings.url})
    page = new_page(browser, _browser_contexts)
    login(page, app, staff.user.get_username())

    page.goto(f"{app}{customer.get_absolute_url()}")
    page.get_by_role("link", name="Calls", exact=True).click()
    expect(page.locator("tr.call-row")).to_have_count(3)
    expect(page.locator(f"#call-{recorded.pk}")).to_contain_text("Alice Martin")
    expect(page.locator("tr.call-row").nth(1)).to_contain_text("Jane Smith")
    screenshot(page, "calls-tab")

    page.select_option("select[name=direction]", "outbound")
    expect(page.locator("tr.call-row")).to_have_count(1)
    assert "direction=outbound" in page.url  # the filter is a real, shareable URL

    page.goto(f"{app}/calls/{recorded.pk}/")
    expect(page.locator("#match")).to_contain_text("Main phone")
    audio = page.locator("audio#recording-audio")
    audio.evaluate("a => a.play().catch(() => null)")
    page.wait_for_function("document.querySelector('#recording-audio').readyState >= 1", timeout=10_000)
    duration = audio.evaluate("a => a.duration")
    assert duration > 0
    screenshot(page, "call-detail")
    assert js_errors(page) == []


def test_the_connector_page_at_a_glance(
    live_app_factory, browser, _browser_contexts, synced, simulator_settings
):
    from tests.browser import login, new_page

    staff, _ = synced
    app = live_app_factory(env={"RINGCENTRAL_SERVER_URL": simulator_settings.url})
    page = new_page(browser, _browser_contexts)
    login(page, app, staff.user.get_username())
    page.goto(f"{app}/telephony/connector/")
    expect(page.locator("#connector-status")).to_contain_text("Connected")
    expect(page.locator("#sync-status")).to_contain_text("Up to date")
    expect(page.locator("tr.unmapped")).to_have_count(3)  # admin, Bob, Carol: no resource with their email
    expect(page.locator('tr[data-extension="62264001"]')).to_contain_text("Mapped")
    screenshot(page, "connector-page")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_contain_text("unchanged")
    assert js_errors(page) == []

"""The callback queue in real Chromium against the simulator: a missed call appears for everyone,
Bob claims it and Alice sees it live, Bob calls back from the item and the item closes by
itself, "reached by Bob". Also the README's screenshots of the queue and the insights."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from telephony.callbacks.models import CallbackItem
from tests.browser import js_errors, screenshot
from tests.factories import CustomerFactory, PhoneNumberFactory
from tests.test_insights import session
from tests.test_wizard_browser import connected_staff, office  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONG_CUSTOMER = "Consolidated Intercontinental Freight & Cold-Chain Logistics Holdings (North America)"


def card(page, item_id=None):
    return page.locator(f"#callback-{item_id}") if item_id else page.locator(".callback-card").first


def test_bob_claims_alice_sees_it_and_bob_calling_back_closes_it(
    live_app,
    logged_in_page,
    simulator,
    entity,
    office,  # noqa: F811
):
    simulator.control.voice_config(ring_timeout=600, voicemail_length=0.3)
    alice = connected_staff(entity, "101", display_name="Alice Martin", ringer_on=False)
    bob = connected_staff(
        entity, "102", display_name="Bartholomew Chen-Montgomery", answer_on="phone", ringer_on=False
    )
    alice_page, bob_page = logged_in_page(alice.user), logged_in_page(bob.user)
    for page in (alice_page, bob_page):
        expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
        page.goto(live_app.url + "/calls/callbacks/")
        expect(page.locator("#callback-badge .count")).to_have_text("0")

    tsid = simulator.control.place_call("+12125550100", "101", from_name="ACME NEW YORK")[
        "telephonySessionId"
    ]
    simulator.control.ring_timeout(tsid)  # nobody answers

    for page in (alice_page, bob_page):  # pushed to everyone at the company
        expect(card(page)).to_contain_text("ACME Corp")
        expect(card(page)).to_contain_text("1 attempt, last")
        expect(card(page)).to_contain_text("rang Alice Martin")
        expect(page.locator("#callback-badge .count")).to_have_text("1")
    item = CallbackItem.objects.get()

    card(bob_page, item.pk).get_by_role("button", name="Claim").click()
    expect(card(bob_page, item.pk)).to_contain_text("You are on it")
    expect(card(alice_page, item.pk)).to_contain_text("Bartholomew Chen-Montgomery is on it")  # live
    expect(card(alice_page, item.pk).get_by_role("button", name="Claim")).to_have_count(0)

    card(bob_page, item.pk).get_by_role("link", name="Call back").click()
    dialog = bob_page.locator("#dial-dialog")
    expect(dialog.locator(".dial-question")).to_contain_text("Call ACME Corp at (212) 555-0100")
    dialog.get_by_role("button", name="Call", exact=True).click()
    wizard = bob_page.locator(".wizard").first
    expect(wizard.locator(".callback-link")).to_contain_text("Callback open")  # the wizard links the item
    [placed] = simulator.control.calls(live=True)
    simulator.control.answer_call(placed["telephonySessionId"])  # ACME picks up

    expect(card(alice_page, item.pk)).to_contain_text("Reached by Bartholomew Chen-Montgomery")
    expect(alice_page.locator("#callback-badge .count")).to_have_text("0")
    item.refresh_from_db()
    assert (item.status, item.close_reason, item.closed_by) == ("closed", "reached", bob)
    wizard.get_by_role("button", name="Hang up").click()
    assert js_errors(alice_page) == [] and js_errors(bob_page) == []


def _history(entity, staff, acme):
    """Twelve weeks of calls for the insights page, made the way ingest makes them."""
    now = timezone.now()
    for weeks_ago in range(11, -1, -1):
        for day in range(6, 0, -1):
            at = now - timedelta(weeks=weeks_ago, days=day, hours=(weeks_ago * 3 + day) % 7)
            for n in range(1 + (weeks_ago + day) % 3):
                session(
                    entity,
                    staff,
                    "+12125550100",
                    at - timedelta(hours=n),
                    answered_by=staff[(day + n) % 3],
                    customer=acme,
                )
            session(entity, staff[:2], "+12125550100", at + timedelta(minutes=40), customer=acme)
            if (weeks_ago + day) % 4:
                session(
                    entity,
                    staff[2:],
                    "+12125550100",
                    at + timedelta(minutes=60 + 7 * day),
                    direction="outbound",
                    answered_by=staff[2],
                )
            if day % 2:
                session(entity, staff[1:], "+13125550177", at + timedelta(hours=2))
                session(entity, staff[1:], "+13125550177", at + timedelta(hours=3), answered_by=staff[1])


def test_the_readme_screens_of_the_queue_and_insights(
    live_app,
    logged_in_page,
    simulator,
    entity,
    office,  # noqa: F811
):
    simulator.control.voice_config(ring_timeout=600, voicemail_length=0.3)
    alice = connected_staff(entity, "101", display_name="Alice Martin-Featherstonehaugh", ringer_on=False)
    bob = connected_staff(entity, "102", display_name="Bartholomew Chen-Montgomery", ringer_on=False)
    carol = connected_staff(entity, "103", display_name="Carol Diaz", ringer_on=False)
    freight = CustomerFactory(entity=entity, name=LONG_CUSTOMER)
    PhoneNumberFactory(customer=freight, raw="(415) 555-0123")
    _history(entity, [alice, bob, carol], office)
    # What the history left open was dealt with back then: the queue shows today's calls.
    CallbackItem.objects.filter(status="open").update(
        status="closed", close_reason="not_needed", closed_at=timezone.now()
    )

    page = logged_in_page(alice.user)
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    page.goto(live_app.url + "/calls/callbacks/")
    control = simulator.control
    for number, name, voicemail in (
        ("+14155550123", "FREIGHT HOLDINGS", True),
        ("+12125550100", "ACME NEW YORK", False),
        ("+15105550188", "WIRELESS CALLER", False),
    ):
        tsid = control.place_call(number, "101", from_name=name, voicemail=voicemail)["telephonySessionId"]
        control.ring_timeout(tsid)
    tsid = control.place_call("+12125550100", "102", from_name="ACME NEW YORK")["telephonySessionId"]
    control.ring_timeout(tsid)  # ACME again: merges
    expect(page.locator(".callback-card")).to_have_count(3)
    expect(page.locator(".callback-card audio")).to_have_count(1)  # the voicemail arrived
    acme = CallbackItem.objects.get(number="+12125550100", status="open")
    expect(card(page, acme.pk)).to_contain_text("2 attempts")
    CallbackItem.objects.filter(number="+15105550188").update(due_at=timezone.now() - timedelta(minutes=25))
    acme_page = logged_in_page(bob.user)
    acme_page.goto(live_app.url + "/calls/callbacks/")
    card(acme_page, acme.pk).get_by_role("button", name="Claim").click()
    expect(card(page, acme.pk)).to_contain_text("Bartholomew Chen-Montgomery is on it")
    page.reload()
    expect(page.locator(".callback-card.overdue")).to_have_count(1)

    page.set_viewport_size({"width": 1366, "height": 768})
    screenshot(page, "readme/callback-queue", full_page=False)
    page.set_viewport_size({"width": 1024, "height": 640})
    screenshot(page, "readme/callback-queue-1024", full_page=False)

    page.goto(live_app.url + "/calls/insights/")
    expect(page.locator("svg.heatmap")).to_be_visible()
    page.set_viewport_size({"width": 1366, "height": 768})
    screenshot(page, "readme/call-insights", full_page=True)
    page.set_viewport_size({"width": 1024, "height": 640})
    screenshot(page, "readme/call-insights-1024", full_page=False)
    page.goto(live_app.url + f"/customers/{office.pk}/insights/")
    page.set_viewport_size({"width": 1366, "height": 768})
    screenshot(page, "readme/customer-call-insights", full_page=False)
    assert js_errors(page) == []


def test_a_lost_push_is_repaired_by_the_heartbeat(live_app, logged_in_page, entity):
    from tests.callbacks_factories import open_item
    from tests.factories import ResourceFactory

    staff = ResourceFactory(entity=entity, display_name="Dana Staff")
    page = logged_in_page(staff.user)
    page.goto(live_app.url + "/calls/callbacks/")
    page.wait_for_function("() => !!document.querySelector('#live-socket')")
    expect(page.locator("#callback-badge .count")).to_have_text("0")

    open_item(entity, caller_name="Quiet Caller")  # written without any push, as if it was lost

    # The next heartbeat (every 5 s) carries the queue's new version; the tab re-fetches.
    expect(page.locator("#callback-badge .count")).to_have_text("1", timeout=15_000)
    expect(page.locator(".callback-card")).to_contain_text("Quiet Caller")
    assert js_errors(page) == []


def test_the_new_pages_have_no_serious_accessibility_violations(live_app, logged_in_page, entity):
    from django.contrib.auth.models import Permission

    from telephony.callbacks.models import Voicemail
    from tests.callbacks_factories import open_item
    from tests.factories import ResourceFactory
    from tests.test_accessibility_browser import serious_violations

    boss = ResourceFactory(entity=entity, display_name="Sam Supervisor")
    boss.user.user_permissions.add(Permission.objects.get(codename="supervise_callbacks"))
    acme = CustomerFactory(entity=entity, name=LONG_CUSTOMER)
    PhoneNumberFactory(customer=acme, raw="(212) 555-0100")
    item = open_item(entity, customer=acme, attempts=2)
    open_item(entity, number="+15145550199", caller_name="WIRELESS CALLER", due_in=-timedelta(minutes=5))
    Voicemail.objects.create(
        entity=entity,
        resource=boss,
        message_id="m-1",
        from_number="+12125550100",
        left_at=timezone.now(),
        duration_seconds=6,
        item=item,
        transcription="Please call me back about my order.",
    )
    page = logged_in_page(boss.user)
    found = {}
    for name, path in {
        "queue": "/calls/callbacks/",
        "closed": "/calls/callbacks/?show=closed",
        "item": f"/calls/callbacks/{item.pk}/",
        "promise": "/calls/callbacks/promise/",
        "insights": "/calls/insights/",
        "account insights": f"/customers/{acme.pk}/insights/",
    }.items():
        page.goto(live_app.url + path)
        page.wait_for_load_state("networkidle")
        found[name] = serious_violations(page)
    assert found == {name: [] for name in found}
    assert js_errors(page) == []

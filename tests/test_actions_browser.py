"""Call reports in real Chromium against a real daphne: My actions (filters, overdue), the call
report form (htmx save, past-due warning), the assignee's live toast, and call notes on an action."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from callreports.models import Action
from telephony.models import Call
from tests.browser import js_errors, screenshot
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    EntityFactory,
    PhoneNumberFactory,
    ResourceFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def team(transactional_db):
    entity = EntityFactory(name="Arcadium Demo")
    alice = ResourceFactory(entity=entity, display_name="Alice Martin", user__username="alice")
    bob = ResourceFactory(entity=entity, display_name="Bob Chen", user__username="bob")
    acme = CustomerFactory(entity=entity, name="ACME Corp", account_number="C-1001")
    PhoneNumberFactory(customer=acme, raw="(212) 555-0100")
    jane = ContactFactory(customer=acme, first_name="Jane", last_name="Smith")
    return {"entity": entity, "alice": alice, "bob": bob, "acme": acme, "jane": jane}


def action(team, assignee, subject, **fields):
    return Action.objects.create(
        entity=team["entity"], created_by=team["bob"], assignee=assignee, subject=subject, **fields
    )


def test_my_actions_highlights_overdue_and_filters(team, live_app, logged_in_page):
    today = timezone.localdate()
    alice, acme = team["alice"], team["acme"]
    action(
        team,
        alice,
        "Resend invoice 4471",
        type="invoice_resend",
        due_date=today - timedelta(days=3),
        customer=acme,
        contact=team["jane"],
        priority="high",
    )
    action(team, alice, "Call back about the order", due_date=today + timedelta(days=1), customer=acme)
    action(
        team,
        alice,
        "Quote for 200 chairs",
        type="quote_request",
        due_date=today + timedelta(days=9),
        status="in_progress",
        customer=acme,
    )
    action(
        team, alice, "Return label sent", type="return_request", status="done", completed_at=timezone.now()
    )
    action(team, team["bob"], "Bob's own work")

    page = logged_in_page("alice")
    page.get_by_role("link", name="My actions").click()

    expect(page.get_by_role("heading", name="My actions")).to_be_visible()
    rows = page.locator("#actions-list tbody tr")
    expect(rows).to_have_count(3)
    overdue = rows.filter(has_text="Resend invoice 4471")
    expect(overdue).to_have_class(re.compile(r"\boverdue\b"))
    expect(overdue).to_contain_text("Overdue")
    expect(rows.filter(has_text="Call back about the order")).not_to_have_class(re.compile(r"\boverdue\b"))
    expect(page.locator(".list-summary")).to_have_text("3 open · 1 overdue")
    screenshot(page, "my-actions")

    page.get_by_role("link", name="Done", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Return label sent")
    expect(page).to_have_url(re.compile(r"/actions/\?status=done$"))
    screenshot(page, "my-actions-done")

    page.get_by_role("link", name="All", exact=True).click()
    expect(rows).to_have_count(4)
    assert js_errors(page) == []


def test_filing_a_report_warns_about_a_past_due_date_and_toasts_the_assignee(team, live_app, logged_in_page):
    bob_page = logged_in_page("bob")
    bob_page.goto(live_app + "/actions/")
    bob_page.wait_for_function("() => document.querySelector('#live-socket') && window.htmx")
    expect(bob_page.get_by_role("heading", name="My actions")).to_be_visible()

    alice_page = logged_in_page("alice")
    alice_page.goto(f"{live_app}/customers/{team['acme'].pk}/")
    alice_page.get_by_role("link", name="Call reports").click()
    expect(alice_page.locator("#tab-body")).to_contain_text("No call reports for this customer yet.")
    alice_page.get_by_role("link", name="New call report").click()

    form = alice_page.locator(".action-form")
    expect(form).to_contain_text("Linked to ACME Corp")
    form.get_by_label("Type").select_option(label="Quote request")
    form.get_by_label("Assign to").select_option(label="Bob Chen")
    form.get_by_label("Contact").select_option(label="Jane Smith")
    form.get_by_label("Description").fill("Wants pricing for 200 chairs, delivery in March.")
    form.get_by_label("Priority").select_option(label="High")
    form.get_by_role("button", name="Save call report").click()
    expect(form.locator(".errorlist")).to_contain_text("Give the action a subject.")
    expect(form.get_by_label("Description")).to_have_value("Wants pricing for 200 chairs, delivery in March.")
    screenshot(alice_page, "action-form-error")

    past = timezone.localdate() - timedelta(days=2)
    form.get_by_label("Subject").fill("Send the 200-chair quote")
    form.get_by_label("Due date").fill(past.isoformat())
    form.get_by_role("button", name="Save call report").click()

    expect(form.locator(".success-line")).to_contain_text(
        "Call report “Send the 200-chair quote” saved and assigned to Bob Chen."
    )
    expect(form.locator(".warning-line")).to_contain_text("is in the past, so this action shows as overdue")
    expect(form.get_by_label("Subject")).to_have_value("")
    screenshot(alice_page, "action-form-saved")

    saved = Action.objects.get(subject="Send the 200-chair quote")
    assert (saved.customer, saved.contact, saved.assignee, saved.type) == (
        team["acme"],
        team["jane"],
        team["bob"],
        "quote_request",
    )

    toast = bob_page.locator("#toasts .toast")
    expect(toast).to_have_count(1)
    expect(toast).to_contain_text("New action for you")
    expect(toast).to_contain_text("Send the 200-chair quote")
    expect(toast).to_contain_text("from Alice Martin")
    screenshot(bob_page, "action-toast", full_page=False)
    expect(alice_page.locator("#toasts .toast")).to_have_count(0)
    expect(bob_page.locator("#actions-list tbody tr.action-row")).to_have_count(1)  # the list follows
    expect(bob_page.locator("#actions-list")).to_contain_text("Send the 200-chair quote")
    expect(bob_page.locator(".list-summary")).to_have_text("1 open · 1 overdue")

    toast.get_by_role("link", name="Send the 200-chair quote").click()
    expect(bob_page.get_by_role("heading", name="Send the 200-chair quote")).to_be_visible()
    expect(bob_page.locator("dd.overdue")).to_contain_text("Overdue")
    assert js_errors(bob_page) == [] and js_errors(alice_page) == []


def test_call_notes_are_editable_on_the_action_page(team, live_app, logged_in_page):
    call = Call.objects.create(
        entity=team["entity"],
        resource=team["alice"],
        direction="inbound",
        from_number="+12125550100",
        customer=team["acme"],
        state="ended",
        started_at=timezone.now() - timedelta(hours=1),
    )
    report = action(
        team,
        team["alice"],
        "Call back about the order",
        call=call,
        customer=team["acme"],
        due_date=timezone.localdate() + timedelta(days=2),
        description="Order 5521 is late.",
    )

    page = logged_in_page("alice")
    page.goto(live_app + report.get_absolute_url())
    expect(page.locator(f"#call-{call.pk}-note-state")).to_have_text("No notes yet.")
    page.get_by_label("Call notes").fill("Customer prefers a call after 3 pm.")
    page.get_by_role("button", name="Save notes").click()

    expect(page.locator(f"#call-{call.pk}-note-state")).to_contain_text(
        re.compile(r"Saved \d\d:\d\d by Alice Martin")
    )
    assert call.note.text == "Customer prefers a call after 3 pm."
    screenshot(page, "action-detail-notes")

    page.reload()
    expect(page.get_by_label("Call notes")).to_have_value("Customer prefers a call after 3 pm.")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Status").select_option(label="Done")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".messages")).to_contain_text("Action updated.")
    expect(page.locator("dl.facts").first).to_contain_text("Done")
    assert js_errors(page) == []

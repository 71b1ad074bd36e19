"""Call reports (actions): links, the form's rules, the pages, call notes and entity scope."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from callreports.forms import ActionForm
from callreports.models import Action, CallNote
from callreports.services import action_create, call_note_save
from telephony.models import Call
from tests.factories import ContactFactory, CustomerFactory, ResourceFactory


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def words(node) -> str:
    return " ".join(node.get_text(" ").split())


@pytest.fixture
def colleague(entity):
    return ResourceFactory(entity=entity, display_name="Bob Colleague")


@pytest.fixture
def call(resource, customer):
    return Call.objects.create(
        entity=resource.entity,
        resource=resource,
        direction="inbound",
        from_number="+12125550100",
        customer=customer,
        matched_on="Main phone +1 212-555-0100",
        started_at=timezone.now(),
    )


def data(assignee, **overrides):
    return {
        "type": "call_back",
        "subject": "Call back about the quote",
        "priority": "normal",
        "status": "open",
        "assignee": assignee,
        **overrides,
    }


def make_action(resource, assignee, **fields):
    return Action.objects.create(
        entity=resource.entity,
        created_by=resource,
        assignee=assignee,
        subject=fields.pop("subject", "Follow up"),
        **fields,
    )


# Links -------------------------------------------------------------------------------------------


def test_an_action_for_a_customer_only_links_the_customer(resource, colleague, customer):
    action = action_create(customer=customer, created_by=resource, data=data(colleague))

    assert (action.customer, action.contact, action.call) == (customer, None, None)
    assert action.entity == resource.entity and action.created_by == resource


def test_an_action_with_customer_and_contact_links_both(resource, colleague, customer, contact):
    action = action_create(customer=customer, contact=contact, created_by=resource, data=data(colleague))

    assert (action.customer, action.contact) == (customer, contact)


def test_an_action_from_a_call_links_the_call_and_its_customer(resource, colleague, call, customer, contact):
    action = action_create(call=call, contact=contact, created_by=resource, data=data(colleague))

    assert (action.call, action.customer, action.contact) == (call, customer, contact)


def test_a_contact_of_another_customer_is_refused(resource, colleague, customer, entity):
    stranger = ContactFactory(customer=CustomerFactory(entity=entity))
    with pytest.raises(ValidationError):
        action_create(customer=customer, contact=stranger, created_by=resource, data=data(colleague))
    assert not Action.objects.exists()


def test_an_assignee_of_another_company_is_refused_by_the_service(resource, customer, other_entity):
    with pytest.raises(ValidationError):
        action_create(customer=customer, created_by=resource, data=data(ResourceFactory(entity=other_entity)))
    assert not Action.objects.exists()


# The form ----------------------------------------------------------------------------------------


def test_the_form_refuses_an_assignee_of_another_company(entity, customer, other_entity):
    foreign = ResourceFactory(entity=other_entity)
    form = ActionForm(data={**data(foreign.pk)}, entity=entity, customer=customer)

    assert not form.is_valid()
    assert form.errors["assignee"] == ["Choose a colleague from your company."]


def test_the_form_needs_a_subject(entity, resource):
    form = ActionForm(data=data(resource.pk, subject=""), entity=entity)
    assert form.errors["subject"] == ["Give the action a subject."]


def test_a_past_due_date_is_a_warning_not_an_error(entity, resource):
    past = timezone.localdate() - timedelta(days=3)
    form = ActionForm(data=data(resource.pk, due_date=past.isoformat()), entity=entity)

    assert form.is_valid()
    assert form.warnings == [
        f"The due date {past:%b %-d, %Y} is in the past, so this action shows as overdue."
    ]
    future = ActionForm(
        data=data(resource.pk, due_date=(past + timedelta(days=10)).isoformat()), entity=entity
    )
    assert future.is_valid() and future.warnings == []


def test_the_contact_choices_are_the_customers_contacts(entity, customer, contact):
    other = ContactFactory(customer=CustomerFactory(entity=entity))
    form = ActionForm(data={**data(1), "contact": other.pk}, entity=entity, customer=customer)

    assert list(form.fields["contact"].queryset) == [contact]
    assert not form.is_valid() and form.errors["contact"] == ["Choose one of this customer's contacts."]


# The wizard's Call Report form -------------------------------------------------------------------


def test_the_call_report_form_preselects_me_and_the_calls_contact(staff_client, resource, call, contact):
    call.contact = contact
    call.save()

    page = soup(staff_client.get(f"/calls/{call.pk}/report/", HTTP_HX_REQUEST="true"))

    root = page.find(id=f"action-form-call-{call.pk}")
    assert root is not None
    assert root.find("select", attrs={"name": "assignee"}).find("option", selected=True)["value"] == str(
        resource.pk
    )
    assert root.find("select", attrs={"name": "contact"}).find("option", selected=True)["value"] == str(
        contact.pk
    )
    assert [o.get_text() for o in root.find("select", attrs={"name": "type"}).find_all("option")] == [
        "Call back",
        "Quote request",
        "Order update",
        "Invoice resend",
        "Return request",
        "Internal note",
        "Other",
    ]
    assert "Linked to ACME Corp and this call" in words(root)


def test_filing_a_call_report_answers_with_a_fresh_form_and_a_success_line(
    staff_client, resource, colleague, call, contact
):
    response = staff_client.post(
        f"/calls/{call.pk}/report/",
        {**data(colleague.pk), "contact": contact.pk, "description": "Wants the 12-month price"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    action = Action.objects.get()
    assert (action.call, action.customer, action.contact, action.assignee) == (
        call,
        call.customer,
        contact,
        colleague,
    )
    root = soup(response).find(id=f"action-form-call-{call.pk}")
    success = root.select_one(".success-line")
    assert (
        " ".join(success.get_text().split())
        == "Call report “Call back about the quote” saved and assigned to Bob Colleague."
    )
    assert root.find("input", attrs={"name": "subject"}).get("value") is None  # reset for the next one


def test_filing_with_a_past_due_date_saves_and_warns(staff_client, resource, call):
    past = timezone.localdate() - timedelta(days=1)
    response = staff_client.post(
        f"/calls/{call.pk}/report/", data(resource.pk, due_date=past.isoformat()), HTTP_HX_REQUEST="true"
    )

    assert Action.objects.get().due_date == past
    assert "is in the past, so this action shows as overdue" in response.content.decode()


def test_errors_come_back_in_the_form_and_nothing_is_saved(staff_client, call, other_entity):
    foreign = ResourceFactory(entity=other_entity)
    response = staff_client.post(
        f"/calls/{call.pk}/report/", data(foreign.pk, subject=""), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Give the action a subject." in text and "Choose a colleague from your company." in text
    assert not Action.objects.exists()


def test_the_standalone_page_files_a_report_for_a_customer(staff_client, resource, customer):
    page = staff_client.get(f"/actions/new/?customer={customer.pk}")
    assert page.status_code == 200 and "Linked to" in words(soup(page))

    response = staff_client.post(
        f"/actions/new/?customer={customer.pk}", {**data(resource.pk), "customer_id": customer.pk}
    )

    action = Action.objects.get()
    assert response.status_code == 302 and response["Location"] == action.get_absolute_url()
    assert (action.customer, action.call) == (customer, None)


def test_the_standalone_page_shows_errors_with_400(staff_client):
    response = staff_client.post("/actions/new/", {"type": "other", "priority": "normal", "status": "open"})
    assert response.status_code == 400
    assert "Give the action a subject." in response.content.decode()


# My actions --------------------------------------------------------------------------------------


@pytest.fixture
def my_actions(resource, colleague, customer):
    today = timezone.localdate()
    return {
        "overdue": make_action(
            colleague, resource, subject="Overdue one", due_date=today - timedelta(days=2), customer=customer
        ),
        "soon": make_action(colleague, resource, subject="Due soon", due_date=today + timedelta(days=2)),
        "done": make_action(
            colleague,
            resource,
            subject="Done one",
            status="done",
            completed_at=timezone.now(),
            due_date=today - timedelta(days=5),
        ),
        "not mine": make_action(resource, colleague, subject="Bob's job"),
    }


def rows(response):
    return {
        words(tr.find_all("td")[1]): tr for tr in soup(response).select("#actions-list tbody tr.action-row")
    }


def test_my_actions_lists_my_open_actions_with_overdue_highlighted(staff_client, my_actions):
    response = staff_client.get("/actions/")

    found = rows(response)
    assert list(found) == ["Overdue one", "Due soon"]  # by due date
    assert "overdue" in found["Overdue one"]["class"] and "Overdue" in words(found["Overdue one"])
    assert "overdue" not in found["Due soon"]["class"]
    assert "2 open · 1 overdue" in words(soup(response).select_one("#actions-list .list-summary"))
    assert soup(response).find("a", attrs={"aria-current": "page"}, string="My actions") is not None


def test_my_actions_filters(staff_client, my_actions):
    assert list(rows(staff_client.get("/actions/?status=done"))) == ["Done one"]
    assert set(rows(staff_client.get("/actions/?status=all"))) == {"Overdue one", "Due soon", "Done one"}
    done = rows(staff_client.get("/actions/?status=done"))["Done one"]
    assert "overdue" not in done["class"]  # done is never overdue
    htmx = staff_client.get("/actions/?status=done", HTTP_HX_REQUEST="true")
    assert htmx.content.decode().lstrip().startswith('<div id="actions-list"')


# Detail, edit, permissions -----------------------------------------------------------------------


def test_the_detail_page_shows_the_links_and_the_calls_notes(
    staff_client, resource, colleague, call, contact
):
    action = make_action(resource, colleague, call=call, customer=call.customer, contact=contact)
    call_note_save(call=call, user=resource.user, text="Asked for the 12-month price")

    page = soup(staff_client.get(action.get_absolute_url()))

    facts = words(page.select_one("dl.facts"))
    assert (
        "Assigned to Bob Colleague" in facts
        and "Customer ACME Corp" in facts
        and "Contact Jane Smith" in facts
    )
    assert page.find("textarea", attrs={"name": "text"}).get_text() == "Asked for the 12-month price"
    assert f"Saved {timezone.localtime(call.note.updated_at):%H:%M} by {resource.display_name}" in words(
        page.find(id=f"call-{call.pk}-note-state")
    )
    assert page.find("a", string="Edit") is not None


def test_the_assignee_edits_an_action_and_marks_it_done(resource, colleague, customer):
    action = make_action(colleague, resource, customer=customer)
    client = Client()
    client.force_login(resource.user)

    response = client.post(
        f"/actions/{action.pk}/edit/", data(colleague.pk, subject="Quote sent", status="done")
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.subject, action.status, action.assignee) == ("Quote sent", "done", colleague)
    assert action.completed_at is not None


def test_someone_else_in_the_company_can_read_but_not_edit(resource, colleague, entity):
    action = make_action(resource, resource)
    client = Client()
    client.force_login(colleague.user)

    assert client.get(action.get_absolute_url()).status_code == 200
    assert soup(client.get(action.get_absolute_url())).find("a", string="Edit") is None
    assert client.get(f"/actions/{action.pk}/edit/").status_code == 403
    assert client.post(f"/actions/{action.pk}/edit/", data(colleague.pk)).status_code == 403
    action.refresh_from_db()
    assert action.assignee == resource


def test_edit_errors_are_shown_and_nothing_changes(staff_client, resource, other_entity):
    action = make_action(resource, resource)
    response = staff_client.post(f"/actions/{action.pk}/edit/", data(ResourceFactory(entity=other_entity).pk))

    assert response.status_code == 400
    assert "Choose a colleague from your company." in response.content.decode()
    action.refresh_from_db()
    assert action.assignee == resource


# Notes -------------------------------------------------------------------------------------------


def test_a_note_is_saved_with_who_and_when(staff_client, resource, colleague, call):
    response = staff_client.post(f"/calls/{call.pk}/note/", {"text": "First words"}, HTTP_HX_REQUEST="true")

    note = CallNote.objects.get(call=call)
    assert (note.text, note.created_by, note.updated_by) == ("First words", resource.user, resource.user)
    state = soup(response).find(id=f"call-{call.pk}-note-state")
    assert words(state) == f"Saved {timezone.localtime(note.updated_at):%H:%M} by {resource.display_name}"

    bob = Client()
    bob.force_login(colleague.user)
    bob.post(f"/calls/{call.pk}/note/", {"text": "Bob added more"}, HTTP_HX_REQUEST="true")
    note.refresh_from_db()
    assert (note.text, note.created_by, note.updated_by) == ("Bob added more", resource.user, colleague.user)
    assert CallNote.objects.filter(call=call).count() == 1


def test_an_edit_of_an_older_version_is_a_conflict_that_shows_both_and_saves_nothing(
    staff_client, resource, call
):
    call_note_save(call=call, user=resource.user, text="one")  # version 1
    post = {"text": "two", "version": "1", "tab": "a"}
    staff_client.post(f"/calls/{call.pk}/note/", post, HTTP_HX_REQUEST="true")  # version 2
    stale = {"text": "written on version 1", "version": "1", "tab": "b"}
    response = staff_client.post(f"/calls/{call.pk}/note/", stale, HTTP_HX_REQUEST="true")

    state = soup(response).find(id=f"call-{call.pk}-note-state")
    assert "Newer notes were saved by" in words(state) and words(state.select_one(".note-theirs")) == "two"
    assert [b["data-version"] for b in state.select("[data-note-keep]")] == ["2", "2"]
    note = CallNote.objects.get(call=call)
    assert (note.text, note.version) == ("two", 2)
    keep_mine = {"text": "written on version 1", "version": "2", "tab": "b"}
    staff_client.post(f"/calls/{call.pk}/note/", keep_mine, HTTP_HX_REQUEST="true")
    note.refresh_from_db()
    assert (note.text, note.version) == ("written on version 1", 3)


def test_a_note_too_long_is_refused_and_the_old_one_kept(staff_client, resource, call):
    call_note_save(call=call, user=resource.user, text="kept")

    response = staff_client.post(f"/calls/{call.pk}/note/", {"text": "x" * 10_001}, HTTP_HX_REQUEST="true")

    assert "Notes are limited to 10,000 characters." in response.content.decode()
    assert CallNote.objects.get(call=call).text == "kept"


def test_a_plain_note_post_returns_to_the_page(staff_client, resource, call):
    action = make_action(resource, resource, call=call)
    response = staff_client.post(f"/calls/{call.pk}/note/", {"text": "x", "next": action.get_absolute_url()})
    assert response["Location"] == action.get_absolute_url()
    evil = staff_client.post(f"/calls/{call.pk}/note/", {"text": "x", "next": "https://evil.example/"})
    assert evil["Location"] == "/actions/"


def test_the_note_service_refuses_a_user_of_another_company(call, other_entity):
    with pytest.raises(ValidationError):
        call_note_save(call=call, user=ResourceFactory(entity=other_entity).user, text="x")
    assert not CallNote.objects.exists()


# The customer account's Call reports tab -------------------------------------------------------


def test_the_call_reports_tab_lists_the_customers_actions(
    staff_client, resource, colleague, customer, call, entity
):
    mine = make_action(resource, colleague, customer=customer, call=call, subject="Send the quote")
    make_action(resource, colleague, customer=CustomerFactory(entity=entity), subject="Another customer's")

    page = soup(staff_client.get(f"/customers/{customer.pk}/call-reports/"))

    tabs = {a.get_text(): a for a in page.select("nav.tabs a")}
    assert {"Overview", "Contacts", "Calls", "Call reports"} <= set(tabs)
    assert tabs["Call reports"].get("aria-current") == "page"
    body = page.find(id="tab-body")
    assert [words(tr.find_all("td")[1]) for tr in body.select("tr.action-row")] == [
        "Send the quote · from a call"
    ]
    assert body.find("a", href=mine.get_absolute_url())
    assert body.find("a", href=f"/actions/new/?customer={customer.pk}")


def test_the_account_page_offers_the_call_reports_tab(staff_client, customer):
    page = soup(staff_client.get(customer.get_absolute_url()))
    tab = page.find("a", string="Call reports")
    assert tab["href"] == f"/customers/{customer.pk}/call-reports/"
    htmx = staff_client.get(tab["href"], HTTP_HX_REQUEST="true")
    assert htmx.content.decode().lstrip().startswith('<section id="tab-body"')


# Entity scope: every URL answers 404 for another company's rows ----------------------------------


@pytest.fixture
def foreign_rows(other_entity):
    owner = ResourceFactory(entity=other_entity)
    customer = CustomerFactory(entity=other_entity)
    call = Call.objects.create(
        entity=other_entity, resource=owner, direction="inbound", from_number="+12125550100"
    )
    action = make_action(owner, owner, customer=customer, call=call)
    return {"action": action.pk, "call": call.pk, "customer": customer.pk}


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/actions/{action}/"),
        ("get", "/actions/{action}/edit/"),
        ("post", "/actions/{action}/edit/"),
        ("get", "/calls/{call}/report/"),
        ("post", "/calls/{call}/report/"),
        ("post", "/calls/{call}/note/"),
        ("get", "/customers/{customer}/call-reports/"),
        ("get", "/actions/new/?customer={customer}"),
    ],
)
def test_another_companys_rows_are_404(staff_client, foreign_rows, method, url):
    response = getattr(staff_client, method)(
        url.format(**foreign_rows), {"text": "x"} if method == "post" else None
    )
    assert response.status_code == 404
    assert not CallNote.objects.exists()
    assert Action.objects.count() == 1


@pytest.mark.parametrize(
    "url", ["/actions/", "/actions/new/", "/actions/1/", "/calls/1/report/", "/customers/1/call-reports/"]
)
def test_anonymous_users_are_sent_to_sign_in(url):
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_my_actions_never_shows_another_companys_actions(staff_client, foreign_rows):
    assert rows(staff_client.get("/actions/?status=all")) == {}

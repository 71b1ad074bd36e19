"""My pieces inside the lead's wizard, in real Chromium against daphne and the RingCentral simulator:
an unknown caller rings, the reverse lookup (local fake caller-name service + offline data) fills
the wizard, a contact is created from the number, a call report is filed from the Call Report tab."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from callreports.models import Action
from crm.models import Contact
from crm.phones import find_callers
from telephony.models import Call
from tests import fake_lookup_server as fls
from tests.browser import js_errors, screenshot
from tests.factories import CustomerFactory, PhoneNumberFactory, ResourceFactory
from tests.simulator_fixture import sign_in_and_authorize
from tests.telephony_factories import ConnectorFactory

pytestmark = [pytest.mark.browser, pytest.mark.simulator, pytest.mark.django_db(transaction=True)]

MONTREAL = "+15142230142"


@pytest.fixture
def fake_lookup():
    with fls.FakeLookupServer() as server:
        yield server


@pytest.fixture
def live_app(live_app_factory, fake_lookup):
    """The app with the HTTP caller-name provider pointed at the local fake."""
    return live_app_factory(
        env={
            "REVERSE_LOOKUP_URL": fake_lookup.url,
            "REVERSE_LOOKUP_ACCOUNT": "AC-test",
            "REVERSE_LOOKUP_TOKEN": "test-token",
            "REVERSE_LOOKUP_NAME": "Caller ID service",
            "REVERSE_LOOKUP_TIMEOUT_SECONDS": "2",
        }
    )


def connected_staff(entity, extension: str, **fields):
    resource = ResourceFactory(entity=entity, ringcentral_enabled=True, **fields)
    client = Client(HTTP_HOST="127.0.0.1:8000")
    client.force_login(resource.user)
    callback = urlsplit(
        sign_in_and_authorize(client.get(reverse("telephony-connect"))["Location"], username=extension)
    )
    client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
    resource.refresh_from_db()
    return resource


def test_an_unknown_caller_is_looked_up_created_as_a_contact_and_reported(
    live_app, logged_in_page, simulator, entity, fake_lookup
):
    ConnectorFactory(
        entity=entity, server_url=simulator.url, delivery_mode="webhook", public_base_url=live_app.url
    )
    acme = CustomerFactory(entity=entity, name="ACME Corp", account_number="C-1000")
    PhoneNumberFactory(customer=acme, raw="(212) 555-0100")
    CustomerFactory(entity=entity, name="Bluebird Foods", account_number="C-1001")
    alice = connected_staff(entity, "101", display_name="Alice Martin")
    bob = ResourceFactory(entity=entity, display_name="Bob Chen")
    fake_lookup.script(MONTREAL, fls.found(name="Luc Tremblay", line_type="mobile", carrier="Videotron"))

    page = logged_in_page(alice.user)
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    simulator.control.place_call(MONTREAL, "101")

    wizard = page.locator(".wizard").first
    lookup = wizard.locator(".lookup")
    expect(lookup).to_contain_text(
        "Caller information from reverse lookup (Caller ID service, phone number data)"
    )
    expect(lookup).to_contain_text("Luc Tremblay")
    expect(lookup).to_contain_text("Montreal, QC")
    screenshot(page, "unknown-caller/1-lookup", full_page=False)

    form = lookup.locator(".caller-create form")
    expect(form.get_by_label("First name")).to_have_value("Luc")
    expect(form.get_by_label("Last name")).to_have_value("Tremblay")
    form.get_by_label("Search customers").fill("acme")
    expect(form.locator("select[name=customer] option")).to_have_count(2)  # the blank choice and ACME
    form.locator("select[name=customer]").select_option(label="ACME Corp (C-1000)")
    form.get_by_role("button", name="Create and match this call").click()
    expect(lookup.locator(".success-line")).to_contain_text("Contact Luc Tremblay created under ACME Corp")
    expect(wizard.locator(".caller-name")).to_have_text("Luc Tremblay")  # every tab's header follows
    screenshot(page, "unknown-caller/2-contact-created", full_page=False)

    luc = Contact.objects.get(first_name="Luc")
    assert find_callers(entity, MONTREAL)[0].record == luc
    call = Call.objects.get(from_number=MONTREAL)
    assert (call.customer, call.contact) == (acme, luc)

    wizard.get_by_role("tab", name="Call Report").click()
    report = wizard.locator(".action-form")
    report.get_by_label("Subject").fill("Send Luc the price list")
    report.get_by_label("Assign to").select_option(label="Bob Chen")
    screenshot(page, "unknown-caller/3-call-report", full_page=False)
    report.get_by_role("button", name="Save call report").click()
    expect(report.locator(".success-line")).to_contain_text("saved and assigned to Bob Chen")

    action = Action.objects.get(subject="Send Luc the price list")
    assert (action.call, action.customer, action.assignee) == (call, acme, bob)
    page.goto(f"{live_app}/customers/{acme.pk}/call-reports/")
    expect(page.locator("#tab-body")).to_contain_text("Send Luc the price list")
    screenshot(page, "unknown-caller/4-account-call-reports")
    assert js_errors(page) == []


def test_no_information_found_offers_a_new_customer(live_app, logged_in_page, simulator, entity, fake_lookup):
    ConnectorFactory(
        entity=entity, server_url=simulator.url, delivery_mode="webhook", public_base_url=live_app.url
    )
    alice = connected_staff(entity, "101", display_name="Alice Martin")
    toll_free = "+18002345678"  # no place or carrier in the offline data either
    fake_lookup.script(toll_free, fls.empty())

    page = logged_in_page(alice.user)
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    simulator.control.place_call(toll_free, "101")

    lookup = page.locator(".wizard .lookup").first
    expect(lookup).to_contain_text("No information found for this number")
    screenshot(page, "unknown-caller/5-no-information", full_page=False)
    form = lookup.locator(".caller-create form")
    expect(form.get_by_label("Customer name")).to_be_hidden()  # a contact is the default choice
    form.get_by_text("A new customer").click()
    expect(form.get_by_label("First name")).to_be_hidden()
    form.get_by_role("button", name="Create and match this call").click()
    expect(form.locator(".errorlist")).to_contain_text("Give the new customer a name.")
    form = lookup.locator(".caller-create form")
    form.get_by_label("Customer name").fill("Northwind Traders")
    form.get_by_role("button", name="Create and match this call").click()

    expect(lookup.locator(".success-line")).to_contain_text("Customer Northwind Traders created.")
    expect(page.locator(".wizard .caller-name").first).to_contain_text("Northwind Traders")
    assert find_callers(entity, toll_free)[0].record.name == "Northwind Traders"
    assert js_errors(page) == []

"""Create a customer or contact from an unknown caller: the record, its number, the call matched."""

import json

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError

from crm.create_from_caller import contact_create_from_caller, customer_create_from_caller
from crm.models import Contact, Customer, PhoneNumber
from crm.phones import find_callers
from telephony.models import Call
from tests.factories import CustomerFactory, PhoneNumberFactory

URL = "/crm/create-from-caller/"
NUMBER = "+15142230142"


@pytest.fixture
def call(resource):
    return Call.objects.create(
        entity=resource.entity, resource=resource, direction="inbound", from_number=NUMBER
    )


def htmx_post(client, data):
    return client.post(URL, data, HTTP_HX_REQUEST="true")


def test_a_contact_created_from_a_caller_matches_the_next_call(customer, call):
    assert find_callers(customer.entity, NUMBER) == []

    contact = contact_create_from_caller(
        customer=customer,
        number="(514) 223-0142",
        first_name="Luc",
        last_name="Tremblay",
        label="mobile",
        call=call,
    )

    (match,) = find_callers(customer.entity, NUMBER)
    assert match.kind == "contact" and match.record == contact and match.customer == customer
    phone = contact.phone_numbers.get()
    assert (phone.e164, phone.label, phone.entity_id) == (NUMBER, "mobile", customer.entity_id)
    call.refresh_from_db()
    assert (call.customer, call.contact) == (customer, contact)
    assert call.matched_on == "Mobile phone +1 514-223-0142"


def test_a_customer_created_from_a_caller_gets_a_unique_account_number(entity, call):
    first = customer_create_from_caller(entity=entity, number=NUMBER, name="Tremblay Plumbing", label="main")
    second = customer_create_from_caller(
        entity=entity, number=NUMBER, name="Tremblay Again", label="main", call=call
    )

    assert first.account_number != second.account_number
    assert {m.record for m in find_callers(entity, NUMBER)} == {first, second}
    call.refresh_from_db()
    assert call.customer == second and call.contact is None  # the record just made, not the older one
    assert call.matched_on == "Main phone +1 514-223-0142"


def test_a_call_of_another_company_is_refused(other_entity, call):
    with pytest.raises(ValidationError):
        customer_create_from_caller(entity=other_entity, number=NUMBER, name="X", label="main", call=call)
    assert not Customer.objects.filter(name="X").exists()


def test_the_view_creates_a_contact_and_answers_with_the_created_line(staff_client, customer, call):
    response = htmx_post(
        staff_client,
        {
            "call": call.pk,
            "kind": "contact",
            "number": NUMBER,
            "customer": customer.pk,
            "first_name": "Luc",
            "last_name": "Tremblay",
            "label": "mobile",
        },
    )

    assert response.status_code == 200
    section = BeautifulSoup(response.content, "html.parser").find(id=f"call-{call.pk}-create")
    contact = Contact.objects.get(first_name="Luc")
    assert "Contact Luc Tremblay created under ACME Corp" in " ".join(section.get_text().split())
    assert section.find("a", href=contact.get_absolute_url())
    assert json.loads(response["HX-Trigger"])["arcadium:caller-created"]["call_id"] == call.pk
    call.refresh_from_db()
    assert call.contact == contact


def test_without_htmx_it_redirects_to_the_new_record(staff_client, entity):
    response = staff_client.post(
        URL, {"kind": "customer", "number": NUMBER, "customer_name": "Tremblay Inc", "label": "main"}
    )

    customer = Customer.objects.get(name="Tremblay Inc")
    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    assert find_callers(entity, NUMBER)[0].record == customer


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "contact", "first_name": "Luc"}, "customer", "Choose the customer this contact works for."),
        ({"kind": "contact", "customer": "CUSTOMER"}, "first_name", "Give the contact a first name."),
        ({"kind": "customer"}, "customer_name", "Give the new customer a name."),
        (
            {"kind": "customer", "customer_name": "X", "number": "call me maybe"},
            "number",
            "is not a phone number",
        ),
    ],
)
def test_validation_errors_are_shown_in_the_form_and_nothing_is_created(
    staff_client, customer, data, field, message
):
    data = {"number": NUMBER, "label": "main", **data}
    if data.get("customer") == "CUSTOMER":
        data["customer"] = customer.pk
    before = (Customer.objects.count(), Contact.objects.count(), PhoneNumber.objects.count())

    response = htmx_post(staff_client, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("form", attrs={"action": URL}) is not None
    assert (Customer.objects.count(), Contact.objects.count(), PhoneNumber.objects.count()) == before


def test_a_customer_of_another_company_is_refused(staff_client, other_entity):
    foreign = CustomerFactory(entity=other_entity)

    response = htmx_post(
        staff_client,
        {"kind": "contact", "number": NUMBER, "customer": foreign.pk, "first_name": "Luc", "label": "main"},
    )

    assert "Choose one of your company&#x27;s customers." in response.content.decode()
    assert not Contact.objects.filter(first_name="Luc").exists()


def test_a_call_of_another_company_is_a_404(other_client, call):
    response = other_client.post(
        URL, {"call": call.pk, "kind": "customer", "number": NUMBER, "customer_name": "X", "label": "main"}
    )
    assert response.status_code == 404
    assert not Customer.objects.filter(name="X").exists()


def test_it_only_accepts_signed_in_posts(staff_client):
    from django.test import Client

    assert staff_client.get(URL).status_code == 405
    anonymous = Client().post(
        URL, {"kind": "customer", "number": NUMBER, "customer_name": "X", "label": "main"}
    )
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert not Customer.objects.filter(name="X").exists()


def test_the_customer_select_is_searchable_within_the_entity(staff_client, entity, other_entity):
    CustomerFactory(entity=entity, name="Tremblay Plumbing")
    CustomerFactory(entity=entity, name="Zeta Corp")
    CustomerFactory(entity=other_entity, name="Tremblay Elsewhere")
    with_phone = CustomerFactory(entity=entity, name="Phone Match Ltd")
    PhoneNumberFactory(customer=with_phone, raw="(415) 555-0199")

    names = lambda q: [  # noqa: E731
        o.get_text()
        for o in BeautifulSoup(
            staff_client.get(URL + "customers/", {"customer_q": q}).content, "html.parser"
        ).find_all("option")
        if o.get("value")
    ]

    assert names("tremb") == [
        f"Tremblay Plumbing ({Customer.objects.get(name='Tremblay Plumbing').account_number})"
    ]
    assert names("415 555 0199") == [f"Phone Match Ltd ({with_phone.account_number})"]
    assert names("nobody") == []


def test_the_wizard_header_of_every_tab_follows_the_new_record(
    staff_client, resource, customer, call, django_capture_on_commit_callbacks, in_memory_channel_layer
):
    import asyncio

    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from telephony.live.push import user_group

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(resource.user_id), channel)

    async def receive():
        return await asyncio.wait_for(layer.receive(channel), 2)

    with django_capture_on_commit_callbacks(execute=True):
        htmx_post(
            staff_client,
            {
                "call": call.pk,
                "kind": "contact",
                "number": NUMBER,
                "customer": customer.pk,
                "first_name": "Luc",
                "last_name": "Tremblay",
                "label": "mobile",
            },
        )

    status = BeautifulSoup(async_to_sync(receive)()["html"], "html.parser").find(id=f"call-{call.pk}-status")
    assert status["hx-swap-oob"] == "true"
    assert status.select_one(".caller-name").get_text() == "Luc Tremblay"
    async_to_sync(layer.group_discard)(user_group(resource.user_id), channel)

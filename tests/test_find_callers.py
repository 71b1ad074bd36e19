"""Caller matching: customers first, then contacts; only the entity's active records."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.phones import find_callers
from tests.factories import ContactFactory, CustomerFactory, EntityFactory, PhoneNumberFactory


def test_it_finds_a_customer_by_a_number_stored_in_another_format(customer):
    matches = find_callers(customer.entity, "+12125550100")
    assert [(m.kind, m.record) for m in matches] == [("customer", customer)]
    assert matches[0].phone.raw == "(212) 555-0100"
    assert matches[0].source == "Main phone (212) 555-0100"


def test_it_finds_a_contact_and_carries_its_customer(contact):
    matches = find_callers(contact.entity, "1-514-555-0142")
    assert len(matches) == 1
    match = matches[0]
    assert (match.kind, match.record, match.customer, match.contact) == (
        "contact",
        contact,
        contact.customer,
        contact,
    )
    assert match.phone.get_label_display() == "Mobile"


def test_it_puts_customers_before_contacts_and_returns_every_match(customer):
    desk = ContactFactory(customer=customer, first_name="Front", last_name="Desk")
    PhoneNumberFactory(contact=desk, raw="+1 212 555 0100")
    other_customer = CustomerFactory(entity=customer.entity, name="ACME Subsidiary")
    PhoneNumberFactory(customer=other_customer, raw="212.555.0100")

    matches = find_callers(customer.entity, "(212) 555-0100")

    assert [m.kind for m in matches] == ["customer", "customer", "contact"]
    assert {m.record for m in matches[:2]} == {customer, other_customer}
    assert matches[2].record == desk


def test_it_never_returns_inactive_records(customer, contact):
    customer.is_active = False
    customer.save()
    assert find_callers(customer.entity, "+12125550100") == []
    # A contact of an inactive customer is not a match either.
    assert find_callers(customer.entity, "+15145550142") == []


def test_it_never_returns_inactive_contacts(contact):
    contact.is_active = False
    contact.save()
    assert find_callers(contact.entity, "+15145550142") == []


def test_it_never_returns_another_entitys_records(customer):
    other = EntityFactory(name="Elsewhere Inc")
    stranger = CustomerFactory(entity=other)
    PhoneNumberFactory(customer=stranger, raw="(212) 555-0100")

    assert [m.record for m in find_callers(customer.entity, "+12125550100")] == [customer]
    assert [m.record for m in find_callers(other, "+12125550100")] == [stranger]


def test_it_returns_nothing_for_unknown_or_garbage_numbers(customer):
    assert find_callers(customer.entity, "+19175550199") == []
    assert find_callers(customer.entity, "anonymous") == []
    assert find_callers(customer.entity, "") == []


def test_it_uses_one_query(customer, contact):
    with CaptureQueriesContext(connection) as queries:
        matches = find_callers(customer.entity, "+12125550100")
        _ = [m.customer.name for m in matches]
    assert len(queries) == 1
    assert "LIKE" not in queries[0]["sql"].upper()

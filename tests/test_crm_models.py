import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.models import PhoneNumber
from tests.factories import CustomerFactory, EntityFactory


def test_a_number_must_have_exactly_one_owner_in_the_database(customer, contact):
    row = PhoneNumber.objects.filter(customer=customer).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneNumber.objects.filter(pk=row.pk).update(contact=contact)
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneNumber.objects.filter(pk=row.pk).update(customer=None)


def test_saving_normalizes_and_keeps_what_was_typed(customer):
    phone = PhoneNumber(customer=customer, raw="212-555-0199 x 42", label="direct")
    phone.save()
    phone.refresh_from_db()
    assert (phone.raw, phone.e164, phone.extension) == ("212-555-0199 x 42", "+12125550199", "42")
    assert phone.entity == customer.entity


def test_the_owners_entity_and_region_win(db):
    canada = EntityFactory(name="Maple Ltd", default_region="CA")
    other = EntityFactory(name="Other")
    customer = CustomerFactory(entity=canada)
    phone = PhoneNumber(customer=customer, raw="416 555 0188", entity=other)
    phone.save()
    assert phone.entity == canada
    assert phone.e164 == "+14165550188"


def test_garbage_is_a_validation_error_on_the_field_and_nothing_is_saved(customer):
    phone = PhoneNumber(customer=customer, raw="ask reception")
    with pytest.raises(ValidationError) as excinfo:
        phone.full_clean()
    assert "raw" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        phone.save()
    assert not PhoneNumber.objects.filter(raw="ask reception").exists()

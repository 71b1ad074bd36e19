"""The RingCentral checkbox on the resource record, and phone numbers in the admin."""

from bs4 import BeautifulSoup
from django.urls import reverse

from crm.models import PhoneNumber, Resource


def _admin(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.test", "pw-for-tests-123")
    client.force_login(admin)
    return client


def test_the_checkbox_saves_from_the_resource_admin(client, django_user_model, resource):
    client = _admin(client, django_user_model)
    url = reverse("admin:crm_resource_change", args=[resource.pk])
    page = BeautifulSoup(client.get(url).content, "html.parser")
    checkbox = page.select_one("input[name=ringcentral_enabled]")
    assert checkbox is not None and checkbox.get("type") == "checkbox"
    assert "Activates RingCentral for this user the next time they connect." in page.get_text()

    response = client.post(
        url,
        {
            "user": resource.user.pk,
            "entity": resource.entity.pk,
            "display_name": resource.display_name,
            "ringcentral_enabled": "on",
            "ringcentral_extension_id": "",
            "ringcentral_extension_number": "101",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    resource.refresh_from_db()
    assert resource.ringcentral_enabled is True
    assert resource.ringcentral_extension_number == "101"
    assert Resource.objects.get(pk=resource.pk).ringcentral_enabled


def _customer_form(customer, raw: str) -> dict:
    prefix = "phone_numbers"
    return {
        "entity": customer.entity.pk,
        "name": customer.name,
        "account_number": customer.account_number,
        "email": "",
        "address": "",
        "terms": "",
        "notes": "",
        "is_active": "on",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-id": customer.phone_numbers.get().pk,
        f"{prefix}-0-customer": customer.pk,
        f"{prefix}-0-label": "main",
        f"{prefix}-0-raw": "(212) 555-0100",
        f"{prefix}-1-customer": customer.pk,
        f"{prefix}-1-label": "mobile",
        f"{prefix}-1-raw": raw,
    }


def test_a_phone_number_added_inline_is_normalized(client, django_user_model, customer):
    client = _admin(client, django_user_model)
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    response = client.post(url, _customer_form(customer, "+44 20 7946 0958"))
    assert response.status_code == 302
    assert PhoneNumber.objects.filter(
        customer=customer, e164="+442079460958", entity=customer.entity
    ).exists()


def test_a_garbage_number_is_a_form_error_and_nothing_is_lost(client, django_user_model, customer):
    client = _admin(client, django_user_model)
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    response = client.post(url, _customer_form(customer, "ask reception"))
    assert response.status_code == 200
    assert "is not a phone number we can dial" in response.content.decode()
    assert list(customer.phone_numbers.values_list("raw", flat=True)) == ["(212) 555-0100"]


def test_the_resource_page_says_when_the_company_is_not_ready(client, django_user_model, resource):
    from tests.telephony_factories import ConnectorFactory

    client = _admin(client, django_user_model)
    url = reverse("admin:crm_resource_change", args=[resource.pk])
    assert "ask Arcadium support to get your system ready for RingCentral" in client.get(url).content.decode()
    ConnectorFactory(entity=resource.entity)
    assert "Ready: ticking the checkbox sends this user to RingCentral" in client.get(url).content.decode()

"""Customer and contact pages: search, tabs, entity scope."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from tests.factories import ContactFactory, CustomerFactory, PhoneNumberFactory


def _names(response) -> list[str]:
    soup = BeautifulSoup(response.content, "html.parser")
    return [a.get_text(strip=True) for a in soup.select("#results table.list tbody td:first-child > a")]


@pytest.mark.parametrize("typed", ["212-555-0100", "+1 (212) 555 0100", "2125550100", "001 212 555 0100"])
def test_it_finds_a_customer_by_any_phone_format(staff_client, customer, typed):
    CustomerFactory(entity=customer.entity, name="Someone Else")
    response = staff_client.get(reverse("crm-customer-list"), {"q": typed})
    assert response.status_code == 200
    assert _names(response) == ["ACME Corp"]


def test_it_finds_a_customer_through_a_contacts_number(staff_client, contact):
    response = staff_client.get(reverse("crm-customer-list"), {"q": "(514) 555-0142"})
    assert _names(response) == ["ACME Corp"]


def test_it_finds_by_name_and_account_number(staff_client, customer):
    CustomerFactory(entity=customer.entity, name="Bluebird Foods", account_number="B-77")
    assert _names(staff_client.get(reverse("crm-customer-list"), {"q": "acme"})) == ["ACME Corp"]
    assert _names(staff_client.get(reverse("crm-customer-list"), {"q": "b-77"})) == ["Bluebird Foods"]


def test_search_answers_htmx_with_the_results_fragment_only(staff_client, customer):
    response = staff_client.get(reverse("crm-customer-list"), {"q": "acme"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "<header" not in html
    assert "ACME Corp" in html


def test_it_says_so_when_nothing_matches(staff_client, customer):
    response = staff_client.get(reverse("crm-customer-list"), {"q": "zzz"})
    assert "No customer matches “zzz”" in response.content.decode()


def test_the_list_never_shows_another_entitys_customers(staff_client, customer, other_entity):
    CustomerFactory(entity=other_entity, name="Foreign Customer")
    response = staff_client.get(reverse("crm-customer-list"))
    assert _names(response) == ["ACME Corp"]


def test_customer_page_shows_overview_and_contacts_tab(staff_client, customer, contact):
    response = staff_client.get(reverse("crm-customer-detail", args=[customer.pk]))
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("h1").get_text(strip=True).startswith("ACME Corp")
    assert "(212) 555-0100" in soup.select_one("#tab-body").get_text()
    tabs = [a.get_text(strip=True) for a in soup.select("nav.tabs a")]
    assert tabs[:2] == ["Overview", "Contacts"]

    response = staff_client.get(
        reverse("crm-customer-contacts", args=[customer.pk]), headers={"HX-Request": "true"}
    )
    fragment = BeautifulSoup(response.content, "html.parser")
    assert fragment.select_one("section#tab-body") is not None
    assert "Jane Smith" in fragment.get_text()
    assert "(514) 555-0142" in fragment.get_text()  # one phone format, not as typed


def test_contact_page_links_to_its_customer(staff_client, contact):
    response = staff_client.get(reverse("crm-contact-detail", args=[contact.pk]))
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("h1").get_text(strip=True) == "Jane Smith"
    assert soup.find("a", href=contact.customer.get_absolute_url()) is not None


def _entity_a_urls(customer, contact) -> list[str]:
    return [
        reverse("crm-customer-detail", args=[customer.pk]),
        reverse("crm-customer-contacts", args=[customer.pk]),
        reverse("crm-contact-detail", args=[contact.pk]),
    ]


def test_every_page_of_entity_a_is_404_for_a_user_of_entity_b(other_client, customer, contact):
    for url in _entity_a_urls(customer, contact):
        assert other_client.get(url).status_code == 404, url


def test_pages_need_a_signed_in_user(client, customer, contact):
    for url in [reverse("crm-customer-list"), *_entity_a_urls(customer, contact)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_user_without_a_resource_is_told_why(client, django_user_model, customer):
    user = django_user_model.objects.create_user("loner", password="pw-for-tests-123")
    client.force_login(user)
    response = client.get(reverse("crm-customer-list"))
    assert response.status_code == 403


def test_login_page_renders_and_signs_in(client, resource):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Sign in to Arcadium" in response.content.decode()
    response = client.post(
        reverse("login"), {"username": resource.user.username, "password": "pw-for-tests-123"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("crm-customer-list")


def test_inactive_contacts_are_marked_not_hidden_on_the_contacts_tab(staff_client, customer):
    gone = ContactFactory(customer=customer, first_name="Old", last_name="Timer", is_active=False)
    PhoneNumberFactory(contact=gone, raw="212 555 0111")
    response = staff_client.get(reverse("crm-customer-contacts", args=[customer.pk]))
    row = BeautifulSoup(response.content, "html.parser").find("tr", class_="inactive")
    assert row is not None and "Old Timer" in row.get_text()


@pytest.mark.parametrize("typed", ["0100", "555-0100", "55 0100"])
def test_it_finds_a_customer_by_the_last_digits_of_its_number(staff_client, customer, typed):
    CustomerFactory(entity=customer.entity, name="Someone Else")
    assert _names(staff_client.get(reverse("crm-customer-list"), {"q": typed})) == ["ACME Corp"]


def test_it_finds_a_customer_by_the_last_digits_of_a_contacts_number_and_shows_it(staff_client, contact):
    response = staff_client.get(reverse("crm-customer-list"), {"q": "0142"})
    assert _names(response) == ["ACME Corp"]
    why = BeautifulSoup(response.content, "html.parser").select_one(".search-why").get_text(" ", strip=True)
    assert why == "Jane Smith’s number (514) 555-0142"


@pytest.mark.parametrize("typed", ["Jane", "jane", "smi", "Jane Smith", "smith jane"])
def test_it_finds_a_customer_by_a_contacts_name_and_shows_the_contact(staff_client, contact, typed):
    other = CustomerFactory(entity=contact.entity, name="Bluebird Foods")
    ContactFactory(customer=other, first_name="Omar", last_name="Okafor")
    response = staff_client.get(reverse("crm-customer-list"), {"q": typed})
    assert _names(response) == ["ACME Corp"]
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".search-why a").get_text() == "Jane Smith"


def test_three_digits_or_another_entitys_numbers_find_nothing(staff_client, customer, other_entity):
    foreign = CustomerFactory(entity=other_entity, name="Foreign Customer")
    PhoneNumberFactory(customer=foreign, raw="(646) 555-0177")
    assert _names(staff_client.get(reverse("crm-customer-list"), {"q": "100"})) == []
    assert _names(staff_client.get(reverse("crm-customer-list"), {"q": "0177"})) == []


def test_typed_wildcards_are_plain_text(staff_client, customer):
    CustomerFactory(entity=customer.entity, name="100% Organic")
    assert _names(staff_client.get(reverse("crm-customer-list"), {"q": "%"})) == ["100% Organic"]
    assert _names(staff_client.get(reverse("crm-customer-list"), {"q": "_"})) == []

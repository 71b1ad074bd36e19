"""The demo data says what it means: every shared number is one the README names, on purpose."""

from collections import defaultdict

import pytest

from crm import demo
from crm.models import Entity, PhoneNumber
from crm.numbers import normalize
from crm.phones import find_callers

pytestmark = pytest.mark.django_db


def _holders_by_number(entity: Entity) -> dict[str, list[str]]:
    holders = defaultdict(list)
    for phone in PhoneNumber.objects.filter(entity=entity).select_related("customer", "contact"):
        holders[phone.e164].append(phone.customer.name if phone.customer_id else str(phone.contact))
    return holders


def test_it_shares_no_number_by_accident():
    demo.seed_demo()
    entity = Entity.objects.get(name="Arcadium Demo")

    shared = {e164: sorted(names) for e164, names in _holders_by_number(entity).items() if len(names) > 1}

    assert shared == {
        normalize(demo.SHARED_OFFICE_LINE).e164: sorted(demo.SHARED_OFFICE_CUSTOMERS),
        normalize(demo.SHARED_DESK_LINE).e164: sorted([demo.SHARED_DESK_CUSTOMER, "Front Desk"]),
    }


def test_it_stays_the_same_when_seeded_again():
    demo.seed_demo()
    before = sorted(PhoneNumber.objects.values_list("entity_id", "raw", "label"))

    demo.seed_demo()

    assert sorted(PhoneNumber.objects.values_list("entity_id", "raw", "label")) == before


def test_the_readme_first_ring_finds_acme_alone():
    demo.seed_demo()
    entity = Entity.objects.get(name="Arcadium Demo")

    matches = find_callers(entity, demo.ACME_MAIN)

    assert [(m.kind, m.record.name) for m in matches] == [("customer", "ACME Corp")]
    assert matches[0].source.startswith("Main phone")


def test_the_readme_chooser_line_finds_two_customers():
    demo.seed_demo()
    entity = Entity.objects.get(name="Arcadium Demo")

    matches = find_callers(entity, demo.SHARED_OFFICE_LINE)

    assert sorted((m.kind, m.record.name) for m in matches) == [
        ("customer", name) for name in sorted(demo.SHARED_OFFICE_CUSTOMERS)
    ]


def test_the_readme_numbers_are_the_demo_numbers():
    """The README walks a newcomer through these numbers; they must be the seeded ones."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for number in (demo.ACME_MAIN, demo.ACME_CONTACT_MOBILE, demo.SHARED_OFFICE_LINE, demo.SHARED_DESK_LINE):
        assert number in readme
    for name in (*demo.SHARED_OFFICE_CUSTOMERS, demo.SHARED_DESK_CUSTOMER):
        assert name in readme

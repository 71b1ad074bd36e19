"""Demo data for `make run` and screenshots: deterministic, idempotent, realistic formats."""

import random
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from crm.models import Contact, Customer, Entity, PhoneNumber, Resource

DEMO_PASSWORD = "arcadium-demo"  # noqa: S105 (published demo login)
DEMO_STAFF = [
    # username, display name, email, RingCentral extension number
    ("alice", "Alice Martin", "alice@arcadium-demo.test", "101"),
    ("bob", "Bob Chen", "bob@arcadium-demo.test", "102"),
    ("carol", "Carol Diaz", "carol@arcadium-demo.test", "103"),
]
# Well-known numbers used in the README walkthrough and the tests.
ACME_MAIN = "(212) 555-0100"  # the README's first ring: ACME Corp and no other record
ACME_CONTACT_MOBILE = "514.555.0142"
ACME_FRONT_DESK = "(212) 555-0101"
# The demo's only shared numbers, each on purpose (the README names them). Any other number is
# held by one record of the company (tests/test_demo_data.py).
SHARED_OFFICE_LINE = "(718) 555-0150"  # two customers in one office: the wizard offers a chooser
SHARED_OFFICE_CUSTOMERS = ("Harbor Traders", "Harbor Supply West")
SHARED_DESK_LINE = "(718) 555-0160"  # a customer's main line that its reception contact answers too
SHARED_DESK_CUSTOMER = "Bluebird Logistics"

_COMPANY_WORDS = [
    "Acme",
    "Bluebird",
    "Cedar",
    "Delta",
    "Evergreen",
    "Falcon",
    "Granite",
    "Harbor",
    "Ironwood",
    "Juniper",
    "Keystone",
    "Lakeside",
    "Maple",
    "Northstar",
    "Orchard",
    "Pioneer",
    "Quarry",
    "Redwood",
    "Summit",
    "Tidewater",
    "Union",
    "Valley",
    "Westfield",
    "Yellowstone",
    "Zephyr",
]
_COMPANY_KINDS = [
    "Supply",
    "Logistics",
    "Manufacturing",
    "Foods",
    "Hardware",
    "Medical",
    "Builders",
    "Traders",
]
_FIRST = [
    "Jane",
    "Omar",
    "Lucia",
    "Peter",
    "Aiko",
    "Marc",
    "Sofia",
    "Dmitri",
    "Grace",
    "Hugo",
    "Ines",
    "Kwame",
    "Laura",
    "Mateo",
    "Nadia",
    "Owen",
    "Priya",
    "Quinn",
    "Rosa",
    "Samir",
]
_LAST = [
    "Smith",
    "Nguyen",
    "Garcia",
    "Müller",
    "Tremblay",
    "Okafor",
    "Rossi",
    "Kowalski",
    "Haddad",
    "Silva",
    "Johansson",
    "Dubois",
    "Patel",
    "Kim",
    "O'Brien",
    "Moreau",
    "Santos",
    "Yamamoto",
    "Lefebvre",
    "Walsh",
]
_TITLES = [
    "Purchasing Manager",
    "Accounts Payable",
    "Owner",
    "Operations Lead",
    "Office Manager",
    "Buyer",
    "",
]
_TERMS = ["Net 30", "Net 15", "Net 45", "Due on receipt", "2% 10 Net 30"]
_AREA_CODES = ["212", "312", "415", "514", "617", "646", "702", "713", "818", "905"]


_RESERVED = {("212", "0100"), ("212", "0101"), ("514", "0142")}


class _Numbers:
    """Hands out generated numbers, each once. A number already given is drawn again from a spare
    generator, so the main sequence (and every number that did not collide) stays as it was."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.spare = random.Random(0xACE)
        self.given: set[tuple[str, str]] = set(_RESERVED)

    def us(self, style: int) -> str:
        area, line = _area_and_line(self.rng)
        while (area, line) in self.given:
            area, line = _area_and_line(self.spare)
        self.given.add((area, line))
        return _us_format(self.rng, area, line, style)

    def international(self, index: int) -> str:
        raw = _international_number(self.rng, index)
        while ("intl", raw) in self.given:
            raw = _international_number(self.spare, index)
        self.given.add(("intl", raw))
        return raw


def _area_and_line(rng: random.Random) -> tuple[str, str]:
    area, line = rng.choice(_AREA_CODES), f"01{rng.randint(1, 99):02d}"
    while (area, line) in _RESERVED:
        area, line = rng.choice(_AREA_CODES), f"01{rng.randint(1, 99):02d}"
    return area, line


def _us_format(rng: random.Random, area: str, line: str, style: int) -> str:
    return [
        f"({area}) 555-{line}",
        f"{area}-555-{line}",
        f"{area}.555.{line}",
        f"+1 {area} 555 {line}",
        f"1-{area}-555-{line}",
        f"{area}555{line}",
        f"({area}) 555-{line} ext. {rng.randint(10, 399)}",
    ][style % 7]


def _international_number(rng: random.Random, index: int) -> str:
    return [
        f"+44 20 7946 0{rng.randint(100, 999)}",
        f"0033 1 42 68 5{rng.randint(100, 999)}",
        f"011 49 30 901820{rng.randint(10, 99)}",
        f"+61 2 9374 4{rng.randint(100, 999)}",
        f"+52 55 5555 {rng.randint(1000, 9999)}",
    ][index % 5]


def _user(username: str, name: str, email: str, *, superuser: bool = False) -> Any:
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    first, _, last = name.partition(" ")
    user.first_name, user.last_name, user.email = first, last, email
    user.is_staff = user.is_superuser = superuser
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _resource(user: Any, entity: Entity, display_name: str, extension_number: str = "") -> Resource:
    resource, _ = Resource.objects.update_or_create(
        user=user,
        defaults={
            "entity": entity,
            "display_name": display_name,
            "ringcentral_extension_number": extension_number,
        },
    )
    return resource


def _phones(owner: Customer | Contact, *numbers: tuple[str, str]) -> None:
    """Give the record exactly these numbers (raw, label): a repeated seed also drops numbers an
    earlier version of the demo gave it, so no stale duplicate survives."""
    field = "customer" if isinstance(owner, Customer) else "contact"
    held = PhoneNumber.objects.filter(**{field: owner})
    held.exclude(raw__in=[raw for raw, _ in numbers]).delete()
    for raw, label in numbers:
        if not held.filter(raw=raw).exists():
            PhoneNumber(**{field: owner}, raw=raw, label=label, entity=owner.entity).save()


def _customer(entity: Entity, number: str, name: str, **fields: Any) -> Customer:
    customer, _ = Customer.objects.update_or_create(
        entity=entity, account_number=number, defaults={"name": name, **fields}
    )
    return customer


def _contact(customer: Customer, first: str, last: str, **fields: Any) -> Contact:
    contact, _ = Contact.objects.update_or_create(
        customer=customer, first_name=first, last_name=last, defaults={"entity": customer.entity, **fields}
    )
    return contact


def _seed_demo_entity(entity: Entity, rng: random.Random) -> tuple[int, int]:
    numbers = _Numbers(rng)
    acme = _customer(
        entity,
        "C-1000",
        "ACME Corp",
        email="orders@acme.test",
        terms="Net 30",
        address="350 Fifth Avenue\nNew York, NY 10118",
    )
    _phones(acme, (ACME_MAIN, PhoneNumber.Label.MAIN))
    jane = _contact(acme, "Jane", "Smith", title="Purchasing Manager", email="jane.smith@acme.test")
    _phones(jane, (ACME_CONTACT_MOBILE, PhoneNumber.Label.MOBILE))
    desk = _contact(acme, "Front", "Desk", title="Reception")
    _phones(desk, (ACME_FRONT_DESK, PhoneNumber.Label.DIRECT))

    contacts = 2
    for index in range(49):
        name = f"{_COMPANY_WORDS[index % 25]} {_COMPANY_KINDS[index % 8]}"
        if index >= 25:
            name += " West"
        customer = _customer(
            entity,
            f"C-{1001 + index}",
            name,
            terms=rng.choice(_TERMS),
            email=f"office@{name.lower().replace(' ', '-')}.test",
            is_active=index != 48,
        )
        # Drawn for every customer, so the numbers after a shared line stay what they were.
        main = numbers.international(index) if index % 9 == 4 else numbers.us(index)
        if name in SHARED_OFFICE_CUSTOMERS:
            main = SHARED_OFFICE_LINE
        elif name == SHARED_DESK_CUSTOMER:
            main = SHARED_DESK_LINE
        owned = [(main, PhoneNumber.Label.MAIN)]
        if index % 4 == 0:
            owned.append((numbers.us(index + 3), PhoneNumber.Label.FAX))
        _phones(customer, *owned)
        for offset in range(2 + (index % 2) + (1 if index % 5 == 0 else 0)):
            first, last = _FIRST[(index + offset * 7) % 20], _LAST[(index * 3 + offset) % 20]
            contact = _contact(
                customer,
                first,
                last,
                title=rng.choice(_TITLES),
                email=f"{first.lower()}.{last.lower().replace(chr(39), '')}@example.test",
            )
            raw = numbers.us(index + offset)
            _phones(contact, (raw, rng.choice([PhoneNumber.Label.DIRECT, PhoneNumber.Label.MOBILE])))
            contacts += 1
        if name == SHARED_DESK_CUSTOMER:
            desk = _contact(customer, "Front", "Desk", title="Reception")
            _phones(desk, (SHARED_DESK_LINE, PhoneNumber.Label.MAIN))
            contacts += 1
    return 50, contacts


def _seed_other_entity(entity: Entity) -> None:
    northwind = _customer(entity, "N-2000", "Northwind Traders", terms="Net 30")
    # Same number as ACME on purpose: the other company must never see it matched.
    _phones(northwind, (ACME_MAIN, PhoneNumber.Label.MAIN))
    contact = _contact(northwind, "Nora", "Lind", title="Owner")
    _phones(contact, ("(416) 555-0188", PhoneNumber.Label.MOBILE))


@transaction.atomic
def seed_demo() -> list[str]:
    """Create or refresh the demo data; returns lines describing what a person can log in with."""
    rng = random.Random(20261122)
    demo, _ = Entity.objects.get_or_create(name="Arcadium Demo", defaults={"default_region": "US"})
    other, _ = Entity.objects.get_or_create(name="Northwind Holdings", defaults={"default_region": "CA"})
    for username, name, email, extension in DEMO_STAFF:
        _resource(_user(username, name, email), demo, name, extension)
    _resource(_user("admin", "Dana Admin", "admin@arcadium-demo.test", superuser=True), demo, "Dana Admin")
    _resource(_user("nora", "Nora Lind", "nora@northwind.test"), other, "Nora Lind")
    customers, contacts = _seed_demo_entity(demo, rng)
    _seed_other_entity(other)
    return [
        f"Demo data ready: {customers} customers and {contacts} contacts in “{demo.name}”, plus “{other.name}”.",
        f"Staff logins (password “{DEMO_PASSWORD}”): "
        + ", ".join(f"{u} (ext. {x})" for u, _, _, x in DEMO_STAFF)
        + "; admin (superuser); nora (the other company).",
    ]


# Other apps add their part of the demo here (AppConfig.ready); `seed_demo` runs each after the
# CRM data and prints the lines it returns.
demo_seeders: list[Callable[[], list[str]]] = []

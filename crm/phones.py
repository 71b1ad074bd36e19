"""Caller matching: the records whose stored number a call came from.

Numbers are normalized once, on save (`crm.numbers`), with the entity's default region; the raw
text is kept for display. Matching a caller is then one indexed equality lookup on (entity, e164).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.db.models import Model

from arcadium import prepared
from crm.models import Contact, Customer, Entity, PhoneNumber
from crm.numbers import display, try_normalize


@dataclass(frozen=True)
class CallerMatch:
    """One record whose stored number equals the caller's number."""

    kind: str  # "customer" or "contact"
    record: Customer | Contact
    customer: Customer
    phone: PhoneNumber

    @property
    def contact(self) -> Contact | None:
        return self.record if isinstance(self.record, Contact) else None

    @property
    def source(self) -> str:
        """Where the match came from, in words a person reads in the wizard."""
        return f"{self.phone.get_label_display()} phone {display(self.phone.e164)}"


def _columns(model: type[Model], alias: str) -> tuple[list[str], str]:
    fields = model._meta.concrete_fields
    return [f.attname for f in fields], ", ".join(f'{alias}."{f.column}"' for f in fields)


@cache
def _caller_query() -> tuple[str, list[tuple[type[Model], list[str]]]]:
    """The lookup's SQL, built once from the models' metadata.

    Compiling the equivalent ORM query (three select_related joins) cost ~0.9 ms of CPU per call,
    nine times the indexed lookup itself; this is the same query, built once and run as a
    server-side prepared statement.
    """
    parts = [(PhoneNumber, "p"), (Customer, "c"), (Contact, "k"), (Customer, "kc")]
    shapes, selects = [], []
    for model, alias in parts:
        names, select = _columns(model, alias)
        shapes.append((model, names))
        selects.append(select)
    phone, customer, contact = PhoneNumber._meta, Customer._meta, Contact._meta
    # Identifiers come from model metadata; the values are bound parameters.
    sql = (
        f"SELECT {', '.join(selects)} FROM {phone.db_table} p "  # noqa: S608
        f"LEFT JOIN {customer.db_table} c ON c.id = p.customer_id "
        f"LEFT JOIN {contact.db_table} k ON k.id = p.contact_id "
        f"LEFT JOIN {customer.db_table} kc ON kc.id = k.customer_id "
        "WHERE p.entity_id = %s AND p.e164 = %s ORDER BY p.id"
    )
    return sql, shapes


def _rows(entity: Entity, e164: str) -> list[PhoneNumber]:
    sql, shapes = _caller_query()
    rows = prepared.fetch_all(sql, [entity.pk, e164])  # parsed and planned once per connection
    phones = []
    for row in rows:
        records, offset = [], 0
        for model, names in shapes:
            values = row[offset : offset + len(names)]
            offset += len(names)
            records.append(prepared.instance(model, names, values) if values[0] is not None else None)
        phone, customer, contact, contact_customer = records
        assert isinstance(phone, PhoneNumber)  # the query's first table is never NULL
        phone.customer, phone.contact = customer, contact  # type: ignore[assignment]  # loaded rows
        if contact is not None:
            contact.customer = contact_customer  # type: ignore[attr-defined]
        phones.append(phone)
    return phones


def find_callers(entity: Entity, number: str) -> list[CallerMatch]:
    """Who is calling: customers whose numbers match first, then contacts'.

    One indexed equality query on (entity, e164). Only the entity's active records are returned;
    a contact of an inactive customer is not returned either.
    """
    parsed = try_normalize(number, entity.default_region)
    if parsed is None:
        return []
    return rank_matches(_rows(entity, parsed.e164))


def rank_matches(phones: Iterable[PhoneNumber]) -> list[CallerMatch]:
    """The one ranking rule: customers whose numbers match first, then contacts', active only
    (a contact of an inactive customer neither); stored order within each."""
    customers, contacts = [], []
    for phone in phones:
        customer, contact = phone.customer, phone.contact
        if customer is not None and customer.is_active:
            customers.append(CallerMatch("customer", customer, customer, phone))
        elif contact is not None and contact.is_active and contact.customer.is_active:
            contacts.append(CallerMatch("contact", contact, contact.customer, phone))
    return customers + contacts


def primary_match(matches: list[CallerMatch]) -> CallerMatch | None:
    """The record a call opens on, or None when a person must choose.

    One match is that match. Customers come first: when a customer's own number matches and every
    other match is one of that customer's contacts (the front desk on the main line), the call is
    the customer's and the contacts are listed beneath it. Matches that belong to different
    customers, or only to contacts, are for the person to choose from.
    """
    if len(matches) == 1:
        return matches[0]
    own = [m for m in matches if m.kind == "customer"]
    if len(own) == 1 and all(m.customer.pk == own[0].customer.pk for m in matches):
        return own[0]
    return None

"""Customer search as staff type it: part of a customer's name, an account number, a contact's name
("Jane", "jane smi"), or any phone number in any format including just its last digits ("0100",
"555-0100"), which finds the customers of the contacts too.

Each way of matching is one index-served query (trigram indexes on the upper-cased names, a
btree on the reversed E.164 digits for suffixes, see crm/migrations/0004_search_indexes.py);
their customer ids are combined with UNION inside one statement, so a search costs a few index
scans whatever the number of stored rows.
"""

import re
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from crm.models import Contact, Customer, Entity, PhoneNumber
from crm.numbers import try_normalize

MIN_SUFFIX_DIGITS = 4
MAX_RESULTS = 1000
_PHONE_TEXT = re.compile(r"^[\d\s().+\-/]+$")


@dataclass(frozen=True)
class Terms:
    text: str
    digits: str  # the digits typed, when the query reads as (part of) a phone number
    e164: str  # the whole number, when the query is one in any format
    words: list[str]

    @property
    def suffix(self) -> str:
        return self.digits if len(self.digits) >= MIN_SUFFIX_DIGITS else ""


@dataclass
class Why:
    """Why a listed customer matched: its contacts found by name, its or their numbers found."""

    contacts: list[Contact] = field(default_factory=list)
    phones: list[PhoneNumber] = field(default_factory=list)


def read_query(query: str, default_region: str) -> Terms:
    text = (query or "").strip()[:100]
    phone_like = bool(_PHONE_TEXT.match(text))
    digits = re.sub(r"\D", "", text)[-15:] if phone_like else ""
    parsed = try_normalize(text, default_region) if sum(c.isdigit() for c in text) >= 6 else None
    return Terms(text=text, digits=digits, e164=parsed.e164 if parsed else "", words=text.upper().split()[:4])


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _reversed_prefix(digits: str) -> str:
    return digits[::-1].replace("\\", "\\\\") + "%"


def _matching_ids_sql(entity: Entity, terms: Terms) -> tuple[str, list]:
    """One SELECT of customer ids per way of matching, combined with UNION."""
    parts: list[str] = []
    params: list = []
    if not terms.suffix:  # four digits and more, nothing else, are a phone number's last digits
        parts.append("SELECT id FROM crm_customer WHERE entity_id = %s AND upper(name) LIKE %s")
        params += [entity.pk, _like(terms.text.upper())]
    parts.append("SELECT id FROM crm_customer WHERE entity_id = %s AND upper(account_number) = %s")
    params += [entity.pk, terms.text.upper()]
    if terms.words and not terms.digits:
        names = " AND ".join(["(upper(first_name) LIKE %s OR upper(last_name) LIKE %s)"] * len(terms.words))
        parts.append(f"SELECT customer_id FROM crm_contact WHERE entity_id = %s AND is_active AND {names}")  # noqa: S608
        params += [entity.pk, *[p for word in terms.words for p in (_like(word), _like(word))]]
    if terms.suffix:
        parts.append(
            "SELECT coalesce(p.customer_id, k.customer_id) FROM crm_phonenumber p "
            "LEFT JOIN crm_contact k ON k.id = p.contact_id AND k.is_active "
            "WHERE p.entity_id = %s AND reverse(p.e164) LIKE %s"
        )
        params += [entity.pk, _reversed_prefix(terms.suffix)]
    if terms.e164:
        parts.append(
            "SELECT coalesce(p.customer_id, k.customer_id) FROM crm_phonenumber p "
            "LEFT JOIN crm_contact k ON k.id = p.contact_id AND k.is_active "
            "WHERE p.entity_id = %s AND p.e164 = %s"
        )
        params += [entity.pk, terms.e164]
    return " UNION ".join(parts), params


def search_customers(*, entity: Entity, query: str, include_inactive: bool = False) -> QuerySet[Customer]:
    """The entity's customers matching what was typed (see the module docstring), by name."""
    customers = Customer.objects.for_entity(entity)
    if not include_inactive:
        customers = customers.filter(is_active=True)
    if not (query or "").strip():
        return customers.order_by("name", "pk")
    ids = matching_customer_ids(entity=entity, query=query, include_inactive=include_inactive)
    return customers.filter(pk__in=ids).order_by("name", "pk")


def matching_customer_ids(*, entity: Entity, query: str, include_inactive: bool = False) -> list[int]:
    """The ids of the matching customers in list order (by name), at most MAX_RESULTS (a person
    narrows a search rather than pages through thousands). One statement: a page of them is then
    a primary-key lookup, and their number is the length of the list, no second search."""
    terms = read_query(query, entity.default_region)
    customers = Customer.objects.for_entity(entity)
    if not include_inactive:
        customers = customers.filter(is_active=True)
    sql, params = _matching_ids_sql(entity, terms)
    matching = customers.filter(pk__in=RawSQL(sql, params))  # noqa: S611 (identifiers fixed, values bound)
    return list(matching.order_by("name", "pk").values_list("pk", flat=True)[:MAX_RESULTS])


def why_matched(*, entity: Entity, query: str, customers: list[Customer]) -> dict[int, Why]:
    """For the customers on one page of results: the contacts and numbers that made them match."""
    terms = read_query(query, entity.default_region)
    ids = [c.pk for c in customers]
    found: dict[int, Why] = {pk: Why() for pk in ids}
    if not ids or not terms.text:
        return found
    if terms.words and not terms.suffix:
        contacts: QuerySet[Contact] = Contact.objects.filter(
            entity=entity, customer_id__in=ids, is_active=True
        )
        for word in terms.words:
            contacts = contacts.extra(  # noqa: S610 (bound parameters)
                where=["(upper(first_name) LIKE %s OR upper(last_name) LIKE %s)"], params=[_like(word)] * 2
            )
        for contact in contacts.order_by("last_name", "first_name")[:200]:
            found[contact.customer_id].contacts.append(contact)
    for phone in _matching_phones(entity, terms):
        owner = phone.customer_id or (phone.contact.customer_id if phone.contact else None)
        if owner in found:
            found[owner].phones.append(phone)
    return found


def _matching_phones(entity: Entity, terms: Terms) -> list[PhoneNumber]:
    """The numbers that matched, each through its own index (an OR would scan them all)."""
    phones = PhoneNumber.objects.filter(entity=entity).select_related("contact")
    matched: dict[int, PhoneNumber] = {}
    if terms.suffix:
        suffix = phones.extra(
            where=["reverse(crm_phonenumber.e164) LIKE %s"], params=[_reversed_prefix(terms.suffix)]
        )  # noqa: S610 (bound parameters)
        matched.update((p.pk, p) for p in suffix[: MAX_RESULTS * 3])
    if terms.e164:
        matched.update((p.pk, p) for p in phones.filter(e164=terms.e164)[:MAX_RESULTS])
    return list(matched.values())

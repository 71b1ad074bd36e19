"""Phone numbers: normalization to E.164 and caller matching.

Numbers are normalized once, on save, with the entity's default region; the raw text is kept
for display. Matching a caller is then one indexed equality lookup on (entity, e164).
"""

import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import NumberParseException, PhoneNumberFormat

from crm.models import Contact, Customer, Entity, PhoneNumber

# Leading international-call prefixes people type instead of "+": 00 (most of the world), 011 (NANP).
_IDD_PREFIX = re.compile(r"^\s*(?:00|011)(?=[1-9])")
_HAS_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class NormalizedPhone:
    e164: str
    extension: str = ""


@dataclass(frozen=True)
class CallerMatch:
    """One record whose stored number equals the caller's number."""

    kind: str  # "customer" or "contact"
    record: Customer | Contact
    customer: Customer
    phone: PhoneNumber

    @property
    def contact(self) -> Contact | None:
        return self.record if self.kind == "contact" else None

    @property
    def source(self) -> str:
        """Where the match came from, in words a person reads in the wizard."""
        return f"{self.phone.get_label_display()} phone {display(self.phone.e164)}"


def _garbage(raw: str) -> ValidationError:
    return ValidationError(
        "“%(raw)s” is not a phone number we can dial. Type it with its area code, e.g. (212) 555-0100, "
        "or in international form starting with +, e.g. +44 20 7946 0958.",
        code="invalid_phone",
        params={"raw": raw.strip()[:40]},
    )


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def normalize(raw: str, default_region: str = "US") -> NormalizedPhone:
    """Read a phone number as a person typed it and return it in E.164 plus its extension.

    Accepts national and international forms, 00/011 dialling prefixes, punctuation and
    "ext."/"x"/"#" extensions. Raises ValidationError with a readable message otherwise.
    """
    text = (raw or "").strip()
    if not text or not _HAS_DIGIT.search(text) or len(text) > 64:
        raise _garbage(raw or "")
    region = (default_region or "US").upper()
    candidates = [_parse(text, region)]
    if _IDD_PREFIX.match(text):
        candidates.append(_parse("+" + _IDD_PREFIX.sub("", text, count=1), region))
    valid = [n for n in candidates if n is not None and phonenumbers.is_valid_number(n)]
    possible = [n for n in candidates if n is not None]
    number = (valid or possible or [None])[0]
    if number is None:
        raise _garbage(text)
    return NormalizedPhone(
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        extension=number.extension or "",
    )


def try_normalize(raw: str, default_region: str = "US") -> NormalizedPhone | None:
    try:
        return normalize(raw, default_region)
    except ValidationError:
        return None


def display(e164: str) -> str:
    """Format an E.164 number for people: national style at home, international elsewhere."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def find_callers(entity: Entity, number: str) -> list[CallerMatch]:
    """Who is calling: customers whose numbers match first, then contacts'.

    One indexed equality query on (entity, e164). Only the entity's active records are returned;
    a contact of an inactive customer is not returned either.
    """
    parsed = try_normalize(number, entity.default_region)
    if parsed is None:
        return []
    # No ORDER BY: compiling it costs more than the query itself; the few rows sort here.
    rows = PhoneNumber.objects.filter(entity=entity, e164=parsed.e164).select_related(
        "customer", "contact", "contact__customer"
    )
    customers, contacts = [], []
    for phone in sorted(rows, key=lambda row: row.pk):
        if phone.customer_id and phone.customer.is_active:
            customers.append(CallerMatch("customer", phone.customer, phone.customer, phone))
        elif phone.contact_id and phone.contact.is_active and phone.contact.customer.is_active:
            contacts.append(CallerMatch("contact", phone.contact, phone.contact.customer, phone))
    return customers + contacts

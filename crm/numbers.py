"""Phone numbers as people type them: normalized to E.164 (with the extension apart) and shown
one way. Pure functions over text: no models, so the models themselves normalize on save."""

import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import NumberParseException, PhoneNumberFormat

_IDD_PREFIX = re.compile(r"^\s*(?:00|011)(?=[1-9])")
_HAS_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class NormalizedPhone:
    e164: str
    extension: str = ""


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
    if not (valid or possible):
        raise _garbage(text)
    number = (valid or possible)[0]
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

"""Phone numbers as people type them: normalized to E.164 (with the extension apart) and shown
one way. Pure functions over text: no models, so the models themselves normalize on save."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import NumberParseException, PhoneNumberFormat

# Leading international-call prefixes people type instead of "+": 00 (most of the world), 011 (NANP).
_IDD_PREFIX = re.compile(r"^\s*(?:00|011)(?=[1-9])")
_HAS_DIGIT = re.compile(r"\d")

# The company's own country, for showing its numbers nationally: set per request by
# crm.middleware and around renders that run outside a request (pushes, tasks).
_home_region: ContextVar[str] = ContextVar("home_region", default="US")


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
    reason = phonenumbers.is_possible_number_with_reason(number)
    return number if reason == phonenumbers.ValidationResult.IS_POSSIBLE else None


def _local_only(text: str, region: str) -> bool:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return False
    return (
        phonenumbers.is_possible_number_with_reason(number)
        == phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY
    )


def _no_area_code(raw: str) -> ValidationError:
    return ValidationError(
        "“%(raw)s” has no area code, so no call can be matched to it or dialled from it. "
        "Add the area code, e.g. (212) 555-0100.",
        code="no_area_code",
        params={"raw": raw.strip()[:40]},
    )


def normalize(raw: str, default_region: str = "US") -> NormalizedPhone:
    """Read a phone number as a person typed it and return it in E.164 plus its extension.

    Accepts national and international forms, 00/011 dialling prefixes, punctuation and
    "ext."/"x"/"#" extensions. Raises ValidationError with a readable message otherwise, also for
    a local number without its area code (555-0100), which could only be stored as a number that
    does not exist.
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
        raise _no_area_code(text) if _local_only(text, region) else _garbage(text)
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


@contextmanager
def home_region(region: str) -> Iterator[None]:
    """Numbers displayed inside this block are at home in `region` (the company's country)."""
    token = _home_region.set((region or "US").upper())
    try:
        yield
    finally:
        _home_region.reset(token)


def display(number: str, extension: str = "") -> str:
    """The one way a number is shown: national style at home ((212) 555-0100), international
    elsewhere (+44 20 7946 0958), the extension apart (… ext. 12). Text that is not an E.164
    number (a name, an extension, "anonymous") comes back unchanged."""
    if not number or not number.startswith("+"):
        return number or ""
    try:
        parsed = phonenumbers.parse(number, None)
    except NumberParseException:
        return number
    home = phonenumbers.country_code_for_region(_home_region.get())
    style = PhoneNumberFormat.NATIONAL if parsed.country_code == home else PhoneNumberFormat.INTERNATIONAL
    text = phonenumbers.format_number(parsed, style)
    return f"{text} ext. {extension}" if extension else text

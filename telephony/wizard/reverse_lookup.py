"""Reverse phone lookup: who is behind a number nobody in the database has.

Providers share one small interface (`name`, `lookup(number_e164) -> LookupResult | None`):
- `OfflineProvider` reads the `phonenumbers` data shipped with the package (place, carrier,
  time zones, line type). Always on, no network.
- `HttpCallerNameProvider` asks a caller-name service shaped like Twilio Lookup v2
  (`GET {REVERSE_LOOKUP_URL}/v2/PhoneNumbers/{number}?Fields=caller_name,line_type_intelligence`,
  Basic auth), configured by environment; off when REVERSE_LOOKUP_URL is empty.

`lookup_caller()` runs them, caches complete answers per entity and number, and says what came
of it: found / nothing / unavailable. Only valid E.164 numbers ever reach a provider.
"""

import json
import logging
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Protocol
from urllib.parse import quote

import phonenumbers
import requests
from django.conf import settings
from django.core.cache import cache
from phonenumbers import PhoneNumberType, carrier, geocoder
from phonenumbers import timezone as number_timezone

from crm.models import Entity
from crm.numbers import try_normalize

logger = logging.getLogger(__name__)

FOUND, NOTHING, UNAVAILABLE = "found", "nothing", "unavailable"
CACHE_VERSION = 1
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME_LENGTH = 120

LINE_TYPES = {
    PhoneNumberType.MOBILE: "Mobile",
    PhoneNumberType.FIXED_LINE: "Landline",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "Landline or mobile",
    PhoneNumberType.TOLL_FREE: "Toll-free",
    PhoneNumberType.PREMIUM_RATE: "Premium rate",
    PhoneNumberType.SHARED_COST: "Shared cost",
    PhoneNumberType.VOIP: "VoIP",
    PhoneNumberType.PERSONAL_NUMBER: "Personal number",
    PhoneNumberType.PAGER: "Pager",
    PhoneNumberType.UAN: "Company number",
    PhoneNumberType.VOICEMAIL: "Voicemail",
}
# Twilio's line_type_intelligence.type values, in the same words as the offline provider.
HTTP_LINE_TYPES = {
    "mobile": "Mobile",
    "landline": "Landline",
    "fixedvoip": "VoIP",
    "nonfixedvoip": "VoIP",
    "voip": "VoIP",
    "tollfree": "Toll-free",
    "premium": "Premium rate",
    "sharedcost": "Shared cost",
    "personal": "Personal number",
    "pager": "Pager",
    "uan": "Company number",
    "voicemail": "Voicemail",
}


class ProviderError(Exception):
    """A provider could not answer. `transient` errors are worth retrying (timeouts, 5xx, 429)."""

    def __init__(self, message: str, *, transient: bool = True):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class LookupResult:
    source: str
    caller_name: str = ""
    line_type: str = ""
    location: str = ""
    carrier: str = ""
    time_zones: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """“Mobile · Montreal, QC · carrier Bell”: the facts on one line."""
        parts = [self.line_type, self.location, f"carrier {self.carrier}" if self.carrier else ""]
        return " · ".join(part for part in parts if part)


@dataclass(frozen=True)
class LookupOutcome:
    status: str  # FOUND, NOTHING or UNAVAILABLE
    number: str  # E.164 when the input was a phone number, else the input trimmed
    results: tuple[LookupResult, ...] = ()
    failed: tuple[str, ...] = ()  # names of providers that could not answer
    retryable: bool = False  # at least one failure was transient
    cached: bool = False

    @property
    def sources(self) -> list[str]:
        return [result.source for result in self.results]

    @property
    def caller_name(self) -> str:
        return next((r.caller_name for r in self.results if r.caller_name), "")

    @property
    def line_type(self) -> str:
        return next((r.line_type for r in self.results if r.line_type), "")

    def to_cache(self) -> dict:
        return {"status": self.status, "number": self.number, "results": [asdict(r) for r in self.results]}

    @classmethod
    def from_cache(cls, data: dict) -> "LookupOutcome":
        results = tuple(
            LookupResult(**{**r, "time_zones": tuple(r.get("time_zones", ()))}) for r in data["results"]
        )
        return cls(status=data["status"], number=data["number"], results=results, cached=True)


class Provider(Protocol):
    name: str

    def lookup(self, number_e164: str) -> LookupResult | None: ...


def is_e164(number: str) -> bool:
    """A syntactically E.164 number that phonenumbers also calls valid: the only kind we send out."""
    if not isinstance(number, str) or not _E164.match(number):
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False


def _clean_text(value: object, limit: int = MAX_NAME_LENGTH) -> str:
    if not isinstance(value, str):
        return ""
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


@dataclass
class OfflineProvider:
    name: str = "phone number data"

    def lookup(self, number_e164: str) -> LookupResult | None:
        number = phonenumbers.parse(number_e164, None)
        location = geocoder.description_for_number(number, "en")
        carrier_name = carrier.name_for_number(number, "en")
        # A line type alone ("Toll-free") or a list of every American time zone says nothing about
        # who is calling; only a place or a carrier makes this worth showing.
        if not location and not carrier_name:
            return None
        zones = tuple(number_timezone.time_zones_for_number(number))
        return LookupResult(
            source=self.name,
            line_type=LINE_TYPES.get(phonenumbers.number_type(number), ""),
            location=location,
            carrier=carrier_name,
            time_zones=zones if len(zones) <= 3 else (),
        )


@dataclass
class HttpCallerNameProvider:
    url: str
    account: str = ""
    token: str = field(default="", repr=False)
    name: str = "caller-name lookup"
    timeout: float = 3.0
    max_bytes: int = 64 * 1024

    def lookup(self, number_e164: str) -> LookupResult | None:
        if not is_e164(number_e164):
            raise ValueError("only valid E.164 numbers are sent to a lookup provider")
        data = self._get_json(f"{self.url.rstrip('/')}/v2/PhoneNumbers/{quote(number_e164, safe='+')}")
        if data is None:
            return None
        return self._parse(data)

    def _get_json(self, url: str) -> dict | None:
        try:
            response = requests.get(
                url,
                params={"Fields": "caller_name,line_type_intelligence"},
                auth=(self.account, self.token) if (self.account or self.token) else None,
                headers={"Accept": "application/json"},
                timeout=(self.timeout, self.timeout),
                stream=True,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise ProviderError(f"{self.name} did not answer ({type(exc).__name__})") from None
        with response:
            if response.status_code == 404:
                return None
            if response.status_code == 429 or response.status_code >= 500:
                raise ProviderError(f"{self.name} answered HTTP {response.status_code}")
            if response.status_code != 200:
                raise ProviderError(f"{self.name} answered HTTP {response.status_code}", transient=False)
            body = self._read_capped(response)
        try:
            data = json.loads(body)
        except ValueError:
            raise ProviderError(f"{self.name} sent an answer that is not JSON", transient=False) from None
        if not isinstance(data, dict):
            raise ProviderError(f"{self.name} sent an answer of the wrong shape", transient=False)
        return data

    def _read_capped(self, response: requests.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise ProviderError(
                f"{self.name} sent an answer larger than {self.max_bytes} bytes", transient=False
            )
        # The read timeout applies per socket read; a server dripping bytes is cut off by this deadline.
        deadline = time.monotonic() + self.timeout * 2
        body = bytearray()
        try:
            for chunk in response.iter_content(chunk_size=8192):
                body.extend(chunk)
                if len(body) > self.max_bytes:
                    raise ProviderError(
                        f"{self.name} sent an answer larger than {self.max_bytes} bytes", transient=False
                    )
                if time.monotonic() > deadline:
                    raise ProviderError(f"{self.name} took too long to answer")
        except requests.RequestException as exc:
            raise ProviderError(f"{self.name} broke off its answer ({type(exc).__name__})") from None
        return bytes(body)

    def _parse(self, data: dict) -> LookupResult | None:
        caller = data.get("caller_name")
        line = data.get("line_type_intelligence")
        if (caller is not None and not isinstance(caller, dict)) or (
            line is not None and not isinstance(line, dict)
        ):
            raise ProviderError(f"{self.name} sent an answer of the wrong shape", transient=False)
        name = _clean_text((caller or {}).get("caller_name"))
        line_type = HTTP_LINE_TYPES.get(_clean_text((line or {}).get("type"), 40).lower(), "")
        carrier_name = _clean_text((line or {}).get("carrier_name"))
        if not (name or carrier_name):
            return None
        return LookupResult(source=self.name, caller_name=name, line_type=line_type, carrier=carrier_name)


def providers() -> list[Provider]:
    """The providers in the order their answers are shown: the caller's name first when there is one."""
    configured: list[Provider] = []
    if settings.REVERSE_LOOKUP_URL:
        configured.append(
            HttpCallerNameProvider(
                url=settings.REVERSE_LOOKUP_URL,
                account=settings.REVERSE_LOOKUP_ACCOUNT,
                token=settings.REVERSE_LOOKUP_TOKEN,
                name=settings.REVERSE_LOOKUP_NAME,
                timeout=settings.REVERSE_LOOKUP_TIMEOUT_SECONDS,
                max_bytes=settings.REVERSE_LOOKUP_MAX_BYTES,
            )
        )
    configured.append(OfflineProvider())
    return configured


def cache_key(entity_id: int, number_e164: str) -> str:
    return f"reverse-lookup:v{CACHE_VERSION}:{entity_id}:{number_e164}"


def _run_providers(number_e164: str) -> LookupOutcome:
    results, failed, retryable = [], [], False
    for provider in providers():
        try:
            result = provider.lookup(number_e164)
        except ProviderError as exc:
            logger.warning("Reverse lookup: %s", exc)
            failed.append(provider.name)
            retryable = retryable or exc.transient
            continue
        if result is not None:
            results.append(result)
    status = FOUND if results else (UNAVAILABLE if failed else NOTHING)
    return LookupOutcome(
        status=status, number=number_e164, results=tuple(results), failed=tuple(failed), retryable=retryable
    )


def lookup_caller(*, entity_id: int, number: str) -> LookupOutcome:
    """Look a caller's number up with every configured provider; cached per entity and number.

    Complete answers are cached (hits for REVERSE_LOOKUP_HIT_TTL, misses for the shorter
    REVERSE_LOOKUP_MISS_TTL); an answer with a failed provider is not, so a retry asks again.
    """
    entity = Entity.objects.only("default_region").get(pk=entity_id)
    parsed = try_normalize(number or "", entity.default_region)
    if parsed is None or not is_e164(parsed.e164):
        return LookupOutcome(status=NOTHING, number=(number or "").strip()[:40])
    key = cache_key(entity_id, parsed.e164)
    cached = cache.get(key)
    if cached is not None:
        return LookupOutcome.from_cache(cached)
    outcome = _run_providers(parsed.e164)
    if not outcome.failed:
        ttl = settings.REVERSE_LOOKUP_HIT_TTL if outcome.status == FOUND else settings.REVERSE_LOOKUP_MISS_TTL
        cache.set(key, outcome.to_cache(), ttl)
    return outcome


def cached_lookup(*, entity_id: int, number: str, default_region: str = "US") -> LookupOutcome | None:
    """The cached answer for a number, if any; never asks a provider (safe on a page render)."""
    parsed = try_normalize(number or "", default_region)
    if parsed is None:
        return None
    cached = cache.get(cache_key(entity_id, parsed.e164))
    return LookupOutcome.from_cache(cached) if cached is not None else None

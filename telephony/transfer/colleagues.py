"""The colleague picker's list: the company's staff on RingCentral, with live presence.

Presence is read from RingCentral in one paged request for the whole account (Heavy rate-limit
group), so it is kept for a few seconds per company: typing in the search box filters the list
we have rather than asking again on every key.
"""

import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from crm.models import Entity, Resource
from crm.numbers import display, normalize
from telephony import ringcentral as rc

logger = logging.getLogger(__name__)
PRESENCE_SECONDS = 10
BUSY_STATUSES = {"Ringing", "CallConnected", "OnHold", "ParkedCall"}
MAX_EXTENSION_DIGITS = 5


class Availability:
    AVAILABLE = "Available"
    ON_A_CALL = "On a call"
    DND = "Do Not Disturb"
    OFFLINE = "Offline"
    UNKNOWN = ""


@dataclass(frozen=True)
class Colleague:
    resource: Resource
    availability: str

    @property
    def label(self) -> str:
        number = self.resource.ringcentral_extension_number
        return self.resource.display_name + (f" (ext. {number})" if number else "")


@dataclass(frozen=True)
class TypedNumber:
    e164: str
    extension_number: str

    @property
    def label(self) -> str:
        return f"ext. {self.extension_number}" if self.extension_number else display(self.e164)


def availability(presence: rc.Presence | None) -> str:
    if presence is None:
        return Availability.UNKNOWN
    if presence.do_not_disturb:
        return Availability.DND
    if presence.telephony_status in BUSY_STATUSES:
        return Availability.ON_A_CALL
    if presence.presence_status == "Offline":
        return Availability.OFFLINE
    return Availability.AVAILABLE


def staff_on_ringcentral(entity: Entity, *, exclude: Resource | None = None) -> QuerySet[Resource]:
    """The company's staff who can take a transfer: RingCentral ticked and switched on."""
    staff = Resource.objects.filter(entity=entity, ringcentral_enabled=True, ringcentral_on=True)
    staff = staff.exclude(ringcentral_extension_number="")
    if exclude is not None:
        staff = staff.exclude(pk=exclude.pk)
    return staff.order_by("display_name")


def _presence_by_extension(resource: Resource) -> dict[str, rc.Presence]:
    key = f"transfer-presence-{resource.entity_id}"
    try:
        cached = cache.get(key)
    except Exception:  # Redis down: ask RingCentral
        cached = None
    if cached is not None:
        return cached
    try:
        with rc.session_for(resource) as session:
            found = {p.extension_id: p for p in rc.list_presence(session)}
    except rc.RingCentralError:
        logger.warning("Could not read the colleagues' presence", exc_info=True)
        return {}
    try:
        cache.set(key, found, PRESENCE_SECONDS)
    except Exception:
        logger.warning("Cache unavailable; presence not kept", exc_info=True)
    return found


def colleagues(resource: Resource, *, query: str = "") -> list[Colleague]:
    """Staff of the resource's company matching `query` (name or extension), with presence."""
    staff = staff_on_ringcentral(resource.entity, exclude=resource)
    query = query.strip()
    if query:
        staff = staff.filter(Q(display_name__icontains=query) | Q(ringcentral_extension_number=query))
    listed = list(staff[:50])
    presence = _presence_by_extension(resource) if listed else {}
    return [Colleague(r, availability(presence.get(r.ringcentral_extension_id))) for r in listed]


def typed_number(entity: Entity, query: str) -> TypedNumber | None:
    """A number typed in the search box, in any format; None if it is not one."""
    digits = "".join(ch for ch in query if ch.isdigit())
    if not digits:
        return None
    if len(digits) <= MAX_EXTENSION_DIGITS and digits == query.strip():
        return TypedNumber(e164="", extension_number=digits)
    try:
        return TypedNumber(e164=normalize(query, entity.default_region).e164, extension_number="")
    except ValidationError:
        return None

"""Saving a staff member's RingCentral settings, with an audit record of what changed."""

from django.db import transaction
from django.http import HttpRequest

from arcadium.audit.services import Action, record
from crm.models import Resource
from telephony.models import Connector

MAPPING_FIELDS = ("ringcentral_extension_number", "ringcentral_extension_id")


def readiness(resource: Resource) -> str:
    """What ticking the checkbox will do, in the words the seed and the admin use."""
    connector = Connector.objects.filter(entity_id=resource.entity_id).first()
    if connector is None or not connector.is_configured:
        return (
            "This company is not ready for RingCentral yet: ask Arcadium support to get your system "
            "ready for RingCentral. Until then the checkbox has no effect."
        )
    return "Ready: ticking the checkbox sends this user to RingCentral the next time they open Arcadium."


@transaction.atomic
def staff_ringcentral_save(*, resource: Resource, changes: dict, request: HttpRequest) -> Resource:
    """Apply the checkbox and mapping `changes` to `resource` and audit each change."""
    # From the database: a bound ModelForm has already copied the new values onto `resource`.
    before = (
        Resource.objects.select_for_update()
        .filter(pk=resource.pk)
        .values("ringcentral_enabled", *MAPPING_FIELDS)
        .get()
    )
    for name, value in changes.items():
        setattr(resource, name, value)
    resource.save(update_fields=list(changes))
    if before["ringcentral_enabled"] != resource.ringcentral_enabled:
        ticked = resource.ringcentral_enabled
        record(
            action=Action.RINGCENTRAL_TICKED if ticked else Action.RINGCENTRAL_UNTICKED,
            request=request,
            summary=f"RingCentral {'ticked' if ticked else 'unticked'} for {resource.display_name}",
            data={"resource_id": resource.pk},
        )
    mapping_before = {name: before[name] for name in MAPPING_FIELDS}
    mapping_after = {name: getattr(resource, name) for name in MAPPING_FIELDS}
    if mapping_before != mapping_after:
        record(
            action=Action.EXTENSION_MAPPED,
            request=request,
            summary=(
                f"Extension of {resource.display_name}: "
                f"{mapping_before['ringcentral_extension_number'] or 'none'} → "
                f"{mapping_after['ringcentral_extension_number'] or 'none'}"
            ),
            data={"resource_id": resource.pk, "before": mapping_before, "after": mapping_after},
        )
    return resource

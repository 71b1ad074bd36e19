"""The RingCentral device a staff member answers and dials on from their computer."""

import logging

from django.core.cache import cache

from crm.models import Resource
from telephony import ringcentral as rc

logger = logging.getLogger(__name__)
SOFTPHONE_TYPES = {"softphone", "webrtc", "otherphone", "webphone"}
CACHE_SECONDS = 3600


def _cached(key: str) -> str | None:
    # The cache is Redis in production: when it is down, ask RingCentral rather than fail the button.
    try:
        return cache.get(key)
    except Exception:
        logger.warning("Cache unavailable; reading the softphone from RingCentral", exc_info=True)
        return None


def _remember(key: str, device_id: str) -> None:
    try:
        cache.set(key, device_id, CACHE_SECONDS)
    except Exception:
        logger.warning("Cache unavailable; softphone not cached", exc_info=True)


def softphone_device_id(resource: Resource, session: rc.Session) -> str:
    """The device 'Answer on PC' answers on: the resource's RingCentral softphone ("" if none)."""
    key = f"rc-softphone-{resource.pk}-{resource.ringcentral_extension_id}"
    device_id = _cached(key)
    if device_id is None:
        devices = rc.list_devices(session, resource.ringcentral_extension_id or "~")
        softphones = [d for d in devices if d.type.lower() in SOFTPHONE_TYPES]
        device_id = softphones[0].id if softphones else ""
        _remember(key, device_id)
    return device_id

"""The staff member's RingCentral presence in the header (Available, On a call, Do Not Disturb).

RingCentral reports presence in its detailed presence events (same subscription as the telephony
sessions); we keep the latest on the resource's Subscription and push the header badge to every
tab. Do Not Disturb is set at RingCentral (`dndStatus`) and shown once RingCentral confirms it.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from crm.models import Resource
from telephony import plain_errors
from telephony import ringcentral as rc
from telephony.live import push
from telephony.models import Subscription

logger = logging.getLogger(__name__)

DND_ON, DND_OFF = "DoNotAcceptAnyCalls", "TakeAllCalls"
ON_A_CALL = {"Ringing", "CallConnected", "OnHold", "ParkedCall"}
# An older sequence than the stored one is a late delivery, unless the stored one is old (a
# RingCentral-side restart can start the sequence again).
SEQUENCE_TRUSTED_FOR = timedelta(minutes=10)
TEMPLATE = "telephony/_presence.html"


class PresenceError(Exception):
    """Something the user should read in the settings panel."""


@dataclass(frozen=True)
class PresenceView:
    state: str  # available | busy | dnd | offline | unknown
    label: str

    @property
    def known(self) -> bool:
        return self.state != "unknown"

    @property
    def do_not_disturb(self) -> bool:
        return self.state == "dnd"


UNKNOWN = PresenceView("unknown", "")


def describe(
    *, presence_status: str, telephony_status: str, dnd_status: str, user_status: str = ""
) -> PresenceView:
    """What the header says for a RingCentral presence (Do Not Disturb wins, then a live call)."""
    if dnd_status == DND_ON:
        return PresenceView("dnd", "Do Not Disturb")
    if telephony_status in ON_A_CALL:
        return PresenceView("busy", "Ringing" if telephony_status == "Ringing" else "On a call")
    status = presence_status or user_status
    if status == "Busy":
        return PresenceView("busy", "Busy")
    if status == "Available":
        return PresenceView("available", "Available")
    if status == "Offline":
        return PresenceView("offline", "Offline")
    return UNKNOWN


def presence_for(resource: Resource | None) -> PresenceView:
    if resource is None or not resource.ringcentral_active:
        return UNKNOWN
    subscription = Subscription.objects.filter(resource=resource).first()
    if subscription is None:
        return UNKNOWN
    return describe(
        presence_status=subscription.presence_status,
        telephony_status=subscription.telephony_status,
        dnd_status=subscription.dnd_status,
    )


def presence_html(resource: Resource) -> str:
    return render_to_string(f"{TEMPLATE}#badge", {"presence": presence_for(resource), "oob": True})


def _stale(subscription: Subscription, sequence: int | None) -> bool:
    if sequence is None or subscription.presence_sequence is None or subscription.presence_at is None:
        return False
    recent = timezone.now() - subscription.presence_at < SEQUENCE_TRUSTED_FOR
    return recent and sequence <= subscription.presence_sequence


def store(subscription: Subscription, presence: rc.Presence) -> bool:
    """Keep the presence on the subscription and push the header badge; False if it was stale."""
    if _stale(subscription, presence.sequence):
        return False
    subscription.presence_status = presence.presence_status or subscription.presence_status
    subscription.telephony_status = presence.telephony_status or subscription.telephony_status
    subscription.dnd_status = presence.dnd_status or subscription.dnd_status
    subscription.presence_sequence = presence.sequence or subscription.presence_sequence
    subscription.presence_at = timezone.now()
    fields = ["presence_status", "telephony_status", "dnd_status", "presence_sequence", "presence_at"]
    Subscription.objects.filter(pk=subscription.pk).update(**{f: getattr(subscription, f) for f in fields})
    push.send_html(user_id=subscription.resource.user_id, html=presence_html(subscription.resource))
    return True


def apply_presence_event(payload: dict, *, subscription: Subscription) -> bool:
    """ingest's presence branch: a malformed body is logged and left in the inbox."""
    body = payload.get("body")
    if not isinstance(body, dict):
        logger.warning("Presence notification %s without a body", payload.get("uuid"))
        return False
    return store(subscription, rc.Presence.from_api(body))


def refresh_presence(*, subscription: Subscription, session: rc.Session) -> None:
    """Read the presence once when the subscription is made, so the header has it before any event."""
    try:
        current = rc.get_presence(session)
    except rc.RingCentralError as exc:
        logger.info("Presence of %s not read: %s", subscription.resource, exc.message)
        return
    store(subscription, rc.Presence(**{**current.__dict__, "sequence": None}))


def set_do_not_disturb(*, resource: Resource, on: bool) -> PresenceView:
    """Switch Do Not Disturb at RingCentral; the header follows what RingCentral answers."""
    subscription = Subscription.objects.select_related("resource").filter(resource=resource).first()
    try:
        with rc.session_for(resource) as session:
            presence = rc.set_dnd_status(session, dnd_status=DND_ON if on else DND_OFF)
    except rc.RingCentralError as exc:
        raise PresenceError(_explain(exc)) from exc
    if subscription is not None:
        # RingCentral's answer has no sequence; a later event may still arrive with one.
        store(subscription, rc.Presence(**{**presence.__dict__, "sequence": None}))
    return describe(
        presence_status=presence.presence_status,
        telephony_status=presence.telephony_status,
        dnd_status=presence.dnd_status,
    )


def _explain(exc: rc.RingCentralError) -> str:
    return plain_errors.explain(exc, failed="Do Not Disturb was not changed", refused="change Do Not Disturb")

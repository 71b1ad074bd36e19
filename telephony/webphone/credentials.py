"""The browser phone's SIP credentials: provisioned through the client module, stored encrypted,
refreshed before they lapse. Nothing here logs a credential."""

import json
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from crm.models import Resource
from telephony import plain_errors
from telephony import ringcentral as rc
from telephony.models import WebPhoneCredential

# RingCentral says how long provisioning stays good (`pollingInterval`); we ask again after
# this share of it, so a browser never registers with credentials about to lapse.
REFRESH_SHARE = 0.8
DEFAULT_LIFETIME = timedelta(hours=24)
MAX_LIFETIME = timedelta(days=7)
RENEW_AFTER = timedelta(minutes=2)


class WebPhoneUnavailable(Exception):
    """A sentence for the user: why their browser cannot be their phone right now."""


def _lifetime(info: rc.SipInfo) -> timedelta:
    if info.polling_interval is None or info.polling_interval <= 0:
        return DEFAULT_LIFETIME
    return min(timedelta(seconds=info.polling_interval), MAX_LIFETIME)


def _provision(resource: Resource, *, device_id: str) -> rc.SipInfo:
    try:
        with rc.session_for(resource) as session:
            return rc.sip_provision(session, device_id=device_id)
    except rc.InvalidRequest as exc:
        if device_id:  # the device was removed in RingCentral: let it make a new one
            return _provision(resource, device_id="")
        raise WebPhoneUnavailable(_explain(exc)) from exc
    except rc.RingCentralError as exc:
        raise WebPhoneUnavailable(_explain(exc)) from exc


def _explain(exc: rc.RingCentralError) -> str:
    if isinstance(exc, rc.NotFound):
        return "RingCentral has no browser phone for your user. Ask your RingCentral administrator."
    return plain_errors.explain(
        exc, failed="your browser phone was not set up", refused="set up a browser phone for you"
    )


def current_credential(resource: Resource, *, renew: bool = False) -> WebPhoneCredential:
    """The resource's credentials, provisioned again when missing or due for refresh. `renew`:
    the browser could not reach the SIP proxy they name, so ask RingCentral again (at most every
    RENEW_AFTER: provisioning is in RingCentral's Heavy rate group).
    Raises WebPhoneUnavailable with a readable sentence."""
    if not resource.ringcentral_active:
        raise WebPhoneUnavailable(
            "RingCentral is switched off for you: switch it on from the phone icon first."
        )
    stored = WebPhoneCredential.objects.filter(resource=resource).first()
    renewable = stored is not None and timezone.now() - stored.provisioned_at >= RENEW_AFTER
    if stored is not None and stored.fresh and not (renew and renewable):
        return stored
    info = _provision(resource, device_id=stored.device_id if stored else "")
    now = timezone.now()
    fields = {
        "device_id": info.device_id,
        "sip_info": json.dumps(info.browser_sip_info()),
        "provisioned_at": now,
        "refresh_after": now + _lifetime(info) * REFRESH_SHARE,
    }
    with transaction.atomic():
        credential, _ = WebPhoneCredential.objects.update_or_create(resource=resource, defaults=fields)
    return credential


def browser_credentials(resource: Resource, *, renew: bool = False) -> dict:
    """What the user's own browser needs to register: RingCentral's sipInfo, the device, and when
    to ask again (seconds). Raises WebPhoneUnavailable."""
    credential = current_credential(resource, renew=renew)
    refresh_in = max(60, int((credential.refresh_after - timezone.now()).total_seconds()))
    return {
        "sipInfo": json.loads(credential.sip_info),
        "deviceId": credential.device_id,
        "refreshInSeconds": refresh_in,
    }


def webphone_device_id(resource: Resource) -> str:
    """The RingCentral device of the resource's browser phone ("" before its first provisioning)."""
    return (
        WebPhoneCredential.objects.filter(resource=resource).values_list("device_id", flat=True).first() or ""
    )


def adopt_answer_in_browser(resource: Resource) -> bool:
    """Make "Answer in browser" the resource's mode if they never chose one (their browser has the
    microphone). True when it changed."""
    updated = (
        Resource.objects.filter(pk=resource.pk, answer_on_chosen=False)
        .exclude(answer_on=Resource.AnswerOn.BROWSER)
        .update(answer_on=Resource.AnswerOn.BROWSER)
    )
    if updated:
        resource.answer_on = Resource.AnswerOn.BROWSER
    return bool(updated)


def keep_answering_mode(resource: Resource) -> None:
    """The user declined the offer to answer in the browser: their current mode is their choice."""
    Resource.objects.filter(pk=resource.pk).update(answer_on_chosen=True)
    resource.answer_on_chosen = True

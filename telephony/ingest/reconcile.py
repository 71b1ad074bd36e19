"""Reconcile live calls with RingCentral: the repair for notifications that never reached us.

RingCentral does not retry a failed delivery, so a call whose events were lost (the web process
was down, Redis was down, a restart) would stay "ringing" until the call-log sync. On start-up
and every minute while any call is live in our records, each live call's telephony session is
read back (`GET /telephony/sessions/{id}`): what RingCentral says now is applied through the same
path as a notification (`events.apply_notification`), so the registered call listeners push the
change to the user's tabs; a session RingCentral no longer knows (404) has ended.

RingCentral's session answer carries no times: a state first seen here is dated when it was seen
(an answer time at most one reconcile late); an ended session is dated by its call-log record when
RingCentral already has one.
"""

import logging
import uuid
from datetime import datetime, timedelta

from django.utils import timezone

from crm.models import Resource
from telephony import ringcentral as rc
from telephony.ingest import events
from telephony.ingest.notifications import TelephonyNotification, read_telephony
from telephony.models import Call

logger = logging.getLogger(__name__)

# What our call's state is once RingCentral reports our party in a status (None: no opinion).
EXPECTED_STATES = {
    "setup": {Call.State.RINGING, Call.State.DIALLING},
    "proceeding": {Call.State.RINGING, Call.State.DIALLING},
    "answered": {Call.State.ON_CALL},
    "hold": {Call.State.ON_HOLD},
    "voicemail": {Call.State.MISSED, Call.State.ENDED},
    "voicemailscreening": {Call.State.MISSED, Call.State.ENDED},
    "disconnected": {Call.State.MISSED, Call.State.ENDED},
    "gone": {Call.State.MISSED, Call.State.ENDED},
}
ANSWERED_RESULTS = {"Accepted", "Call connected"}
# A call younger than this is left alone: its notifications are most likely still on their way.
SETTLE_SECONDS = 3


def live_calls_exist() -> bool:
    return Call.objects.live().exclude(telephony_session_id="").filter(resource__isnull=False).exists()


def reconcile_live_calls() -> int:
    """Compare every live call with RingCentral, apply and push what differs. Returns how many
    calls changed. A resource RingCentral cannot be asked for (no authorization, outage) is skipped
    and tried again on the next run."""
    settled = timezone.now() - timedelta(seconds=SETTLE_SECONDS)
    calls = (
        Call.objects.live()
        .exclude(telephony_session_id="")
        .filter(resource__isnull=False, created_at__lte=settled)
        .select_related("resource__entity")
        .order_by("resource_id", "pk")
    )
    by_resource: dict[Resource, list[Call]] = {}
    for call in calls:
        if call.resource is not None:
            by_resource.setdefault(call.resource, []).append(call)
    return sum(
        _reconcile_resource(resource, resource_calls) for resource, resource_calls in by_resource.items()
    )


def _reconcile_resource(resource: Resource, calls: list[Call]) -> int:
    changed = 0
    try:
        with rc.session_for(resource) as session:
            for call in calls:
                changed += reconcile_call(call, resource=resource, session=session)
    except rc.RingCentralError as exc:
        logger.warning("Could not reconcile the live calls of %s: %s", resource, exc.message)
    return changed


def reconcile_call(call: Call, *, resource: Resource, session: rc.Session) -> bool:
    """Bring one live call in line with its telephony session at RingCentral; True if it changed."""
    extension_id = resource.ringcentral_extension_id or call.extension_id
    if not extension_id:
        return False  # no way to tell our party from the others
    try:
        snapshot = rc.get_call_session(session, call.telephony_session_id)
    except rc.NotFound:
        at, answered = _from_call_log(call, session)
        notification = _ended(call, extension_id, at=at, answered=answered)
    else:
        party = _our_party(call, extension_id, snapshot)
        if party is None:  # the call goes on without us (moved elsewhere): ours is over
            notification = _ended(
                call, extension_id, at=timezone.now(), answered=call.answered_at is not None
            )
        elif call.state in EXPECTED_STATES.get(party.status_code.lower(), {call.state}):
            return False
        else:
            notification = _notification(call, extension_id, _party_payload(party), at=timezone.now())
    logger.info("Reconciled call %s with RingCentral (was %s)", call.pk, call.state)
    return events.apply_notification(notification, resource=resource) == events.Outcome.APPLIED


def _our_party(call: Call, extension_id: str, snapshot: rc.CallSession) -> rc.CallParty | None:
    ours = [p for p in snapshot.parties if p.extension_id and p.extension_id == extension_id]
    return next((p for p in ours if p.id == call.party_id), ours[0] if ours else None)


def _from_call_log(call: Call, session: rc.Session) -> tuple[datetime, bool]:
    """When a session RingCentral no longer knows ended, and whether it was answered: from its
    call-log record when RingCentral has written it; else now, and answered only if we saw it."""
    now, answered = timezone.now(), call.answered_at is not None
    try:
        records = rc.call_log_for_session(session, call.telephony_session_id)
    except rc.RingCentralError:
        return now, answered
    ends = [r.start_time + timedelta(seconds=r.duration) for r in records if r.start_time]
    answered = answered or any(r.result in ANSWERED_RESULTS for r in records)
    if not ends:
        return now, answered
    # Whole seconds in the log: never before the answer we dated ourselves.
    return min(max([*ends, call.answered_at or ends[0]]), now), answered


def _ended(call: Call, extension_id: str, *, at: datetime, answered: bool) -> TelephonyNotification:
    # A plain hang-up of an inbound party reads as answered unless flagged missed (call_state).
    party = {
        "id": call.party_id or f"{call.telephony_session_id}-reconciled",
        "extensionId": extension_id,
        "direction": "Outbound" if call.direction == Call.Direction.OUTBOUND else "Inbound",
        "status": {"code": "Disconnected"},
        "missedCall": not answered and call.direction == Call.Direction.INBOUND,
        "from": {"phoneNumber": call.from_number},
        "to": {"phoneNumber": call.to_number},
    }
    return _notification(call, extension_id, party, at=at)


def _party_payload(party: rc.CallParty) -> dict:
    """The party as a notification carries it (API.md §4), from Call Control's answer."""

    def endpoint(end: rc.CallEndpoint) -> dict:
        return {"phoneNumber": end.phone_number, "name": end.name, "extensionId": end.extension_id}

    return {
        "id": party.id,
        "extensionId": party.extension_id,
        "direction": party.direction,
        "status": {"code": party.status_code, "reason": party.status_reason},
        "from": endpoint(party.from_),
        "to": endpoint(party.to),
        "muted": party.muted,
    }


def _notification(call: Call, extension_id: str, party: dict, *, at: datetime) -> TelephonyNotification:
    # A snapshot is newer than every event applied so far; a real event still on its way that
    # carries the same number is then taken as stale, and the next reconcile corrects it.
    known = [k.get("seq", 0) if isinstance(k, dict) else k for k in call.party_sequences.values()]
    sequence = max([int(k) for k in known] or [0]) + 1
    return read_telephony(
        {
            "uuid": f"reconcile-{uuid.uuid4()}",
            "event": "/restapi/v1.0/account/~/extension/~/telephony/sessions",
            "subscriptionId": "reconcile",
            "ownerId": extension_id,
            "body": {
                "sequence": sequence,
                "telephonySessionId": call.telephony_session_id,
                "sessionId": call.session_id,
                "eventTime": at.isoformat(),
                "parties": [party],
            },
        }
    )

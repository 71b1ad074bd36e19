"""The call-log records a finished simulated call leaves: one per extension party, and for a call
that moved (transfer, forward, warm transfer) the Detailed legs that say who had it when."""

from telephony.simulator.platform.calllog import call_log_party, iso, record_finished_call
from telephony.simulator.platform.models import Extension

from .machine import CallSession, Endpoint, Party, parse_iso
from .models import Call


def _result(party: Party, voicemail_parties: set[str]) -> tuple[str, str]:
    """(result, action) of one party's call-log record."""
    if party.answered_at:
        return ("Call connected", "VoIP Call") if party.role == "caller" else ("Accepted", "Phone Call")
    if party.role == "caller":
        return "No Answer", "VoIP Call"
    if party.id in voicemail_parties:
        return "Voicemail", "Phone Call"
    if party.reason == "Rejected":
        return "Rejected", "Phone Call"
    return "Missed", "Phone Call"


def finish(call: Call, session: CallSession) -> dict[str, str]:
    """Write one call-log record per extension party of the finished call; a call that moved
    (transfer, forward, warm transfer) gets the same Detailed legs on each, its own leg `master`.
    Returns the record id of each party."""
    ids, by_party = [], {}
    went_to_voicemail = {e.party["id"] for e in session.events if e.party["status"]["code"] == "VoiceMail"}
    legs = transfer_legs(call, session, went_to_voicemail)
    for party in session.parties:
        if not party.extension_id:
            continue
        result, action = _result(party, went_to_voicemail)
        if call.kind == "ringout" and party.role == "caller":
            action = "RingOut Web"
        start = parse_iso(party.created_at or session.creation_time)
        end = parse_iso(party.ended_at or session.ended_at)
        duration = (end - start).total_seconds()
        record = record_finished_call(
            telephony_session_id=session.telephony_session_id,
            session_id=session.session_id,
            party_id=party.id,
            direction=party.direction,
            from_number=party.from_.phone_number,
            from_name=party.from_.name,
            from_extension_number=_ext_number(party.from_.extension_id),
            to_number=party.to.phone_number,
            to_name=party.to.name,
            to_extension_number=_ext_number(party.to.extension_id),
            extension=party.extension_id,
            start_time=start,
            duration=max(0.0, duration),
            result=result,
            action=action,
            recorded=bool(call.options.get("record")) and bool(party.answered_at),
            transport=_transport(call),
            legs=[{**leg, "master": leg["partyId"] == party.id} for leg in legs] if legs else None,
        )
        ids.append(record.id)
        by_party[party.id] = record.id
    call.call_log_ids = ids
    Call.objects.filter(pk=call.pk).update(call_log_ids=ids)
    return by_party


def _transport(call: Call) -> str:
    return "PSTN" if call.kind in ("inbound", "outbound", "ringout") else "VoIP"


FIRST_LEG_TYPES = {
    "inbound": "PstnToSip",
    "internal": "ExtensionToExtension",
    "outbound": "SipToPstnMetered",
    "ringout": "RingOutWebToCaller",
}


def transfer_legs(call: Call, session: CallSession, voicemail_parties: set[str]) -> list[dict]:
    """Detailed-view legs of a call that moved: the user who took it first, then one `TransferCall`
    leg per party it moved to (who, result, time from ringing to end). Empty for a plain call."""
    moved = call.options.get("transferee_session") or any(p.role == "target" for p in session.parties)
    if not moved:
        return []
    links = {}
    if call.options.get("transfer_target_session"):
        links["transferTarget"] = {"telephonySessionId": call.options["transfer_target_session"]}
    if call.options.get("transferee_session"):
        links["transferee"] = {"telephonySessionId": call.options["transferee_session"]}
    legs = []
    for party in session.parties:
        if party.role == "target":
            leg_type, action = "TransferCall", "Transfer"
        elif party.extension_id:
            leg_type = FIRST_LEG_TYPES.get(call.kind, "Accept")
            action = _result(party, voicemail_parties)[1]
        else:
            continue  # the PSTN side is in every leg's from/to already
        legs.append(_leg(call, session, party, leg_type, action, voicemail_parties) | links)
    return legs


def _leg(call, session, party: Party, leg_type: str, action: str, voicemail_parties: set[str]) -> dict:
    start = parse_iso(party.created_at or session.creation_time)
    end = parse_iso(party.ended_at or session.ended_at)
    duration_ms = max(0, int((end - start).total_seconds() * 1000))
    leg = {
        "startTime": iso(start),
        "duration": round(duration_ms / 1000),
        "durationMs": duration_ms,
        "type": "Voice",
        "direction": party.direction,
        "action": action,
        "result": _result(party, voicemail_parties)[0],
        "transport": _transport(call),
        "from": _log_party(party.from_),
        "to": _log_party(party.to),
        "legType": leg_type,
        "telephonySessionId": session.telephony_session_id,
        "partyId": party.id,
    }
    if party.extension_id:
        leg["extension"] = {"id": int(party.extension_id)}
    return leg


def _log_party(endpoint: Endpoint) -> dict:
    return call_log_party(
        endpoint.phone_number, endpoint.name, _ext_number(endpoint.extension_id), endpoint.extension_id
    )


def _ext_number(extension_id: str) -> str:
    if not extension_id:
        return ""
    return Extension.objects.filter(id=extension_id).values_list("extension_number", flat=True).first() or ""

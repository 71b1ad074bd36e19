"""Call-log records: the record the voice app writes when a call ends, JSON shapes (Simple and
Detailed views) and the bulk generator for historic data."""

import json
import random
import string
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from telephony.simulator.platform.audio import VOICEMAIL_TEXT, voicemail_wav, wav_seconds
from telephony.simulator.platform.models import Account, CallLogRecord, Extension, Message, Recording

ID_ALPHABET = string.ascii_letters + string.digits


def new_record_id(rng: random.Random | None = None) -> str:
    rng = rng or random.SystemRandom()
    return "".join(rng.choices(ID_ALPHABET, k=15))


def _party(
    number: str = "", name: str = "", extension_number: str = "", extension_id: str = "", location: str = ""
) -> dict:
    party = {
        "phoneNumber": number,
        "extensionNumber": extension_number,
        "extensionId": extension_id,
        "name": name,
    }
    if location:
        party["location"] = location
    return {k: v for k, v in party.items() if v}


call_log_party = _party


def record_finished_call(
    *,
    telephony_session_id: str,
    session_id: str,
    direction: str,
    from_number: str = "",
    from_name: str = "",
    from_extension_number: str = "",
    to_number: str = "",
    to_name: str = "",
    to_extension_number: str = "",
    extension: Extension | str | None,
    start_time: datetime,
    duration: float,
    result: str,
    action: str = "Phone Call",
    recorded: bool = False,
    recording_type: str = "Automatic",
    legs: list[dict] | None = None,
    party_id: str = "",
    reason: str = "",
    reason_description: str = "",
    transport: str = "PSTN",
) -> CallLogRecord:
    """Write the call-log record of a finished simulated call (called by the voice app).

    - `telephony_session_id` ("s-..."), `session_id` (legacy numeric string), `party_id`: ids of the call.
    - `direction`: "Inbound" | "Outbound"; `action`: "Phone Call", "VoIP Call", "RingOut Web"...
    - `from_*` / `to_*`: E.164 numbers, display names, extension numbers of the two ends.
    - `extension`: the user's Extension (or its id) whose log holds the record; None or "" = company only.
    - `start_time`: aware datetime the call started ringing; `duration`: seconds (float ok).
    - `result`: "Accepted", "Missed", "Voicemail", "Call connected", "No Answer", "Rejected"...
    - `recorded`: makes a Recording (content is the generated WAV) of `recording_type`.
    - `legs`: Detailed-view legs; each a dict in RingCentral's shape (`legType`, `master`...);
      None builds one master leg from the fields above.
    Returns the saved CallLogRecord (its `id` is the call-log id the product syncs by).
    """
    if isinstance(extension, str):
        extension = Extension.objects.get(pk=extension) if extension else None
    account = extension.account if extension else Account.objects.order_by("id").first()
    ext_party = {"extensionId": extension.id} if extension else {}
    inbound = direction == "Inbound"
    from_party = _party(
        from_number, from_name, from_extension_number, "" if inbound else ext_party.get("extensionId", "")
    )
    to_party = _party(
        to_number, to_name, to_extension_number, ext_party.get("extensionId", "") if inbound else ""
    )
    duration_ms = max(0, int(round(duration * 1000)))
    with transaction.atomic():
        recording = None
        if recorded:
            recording = Recording.objects.create(type=recording_type, duration=max(1, round(duration)))
        record = CallLogRecord(
            id=new_record_id(),
            account=account,
            extension=extension,
            session_id=session_id,
            telephony_session_id=telephony_session_id,
            party_id=party_id,
            start_time=start_time,
            duration_ms=duration_ms,
            direction=direction,
            action=action,
            result=result,
            reason=reason,
            reason_description=reason_description,
            transport=transport,
            from_party=from_party,
            to_party=to_party,
            recording=recording,
            last_modified_time=timezone.now(),
        )
        record.legs = legs if legs is not None else [_master_leg(record)]
        record.save()
    return record


def _master_leg(record: CallLogRecord) -> dict:
    leg = {
        "startTime": _iso(record.start_time),
        "duration": record.duration,
        "durationMs": record.duration_ms,
        "type": record.type,
        "direction": record.direction,
        "action": record.action,
        "result": record.result,
        "transport": record.transport,
        "from": record.from_party,
        "to": record.to_party,
        "legType": "PstnToSip" if record.direction == "Inbound" else "SipToPstnMetered",
        "master": True,
    }
    if record.extension_id:
        leg["extension"] = {"id": int(record.extension_id)}
    return leg


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


iso = _iso


def record_json(request: HttpRequest, record: CallLogRecord, *, view: str = "Simple", base: str) -> dict:
    """One CallLogRecord as RingCentral returns it; `base` is the call-log collection path."""
    data = {
        "uri": request.build_absolute_uri(f"{base}/{record.id}") + f"?view={view}",
        "id": record.id,
        "sessionId": record.session_id,
        "startTime": _iso(record.start_time),
        "duration": record.duration,
        "durationMs": record.duration_ms,
        "type": record.type,
        "direction": record.direction,
        "action": record.action,
        "result": record.result,
        "to": record.to_party,
        "from": record.from_party,
        "transport": record.transport,
    }
    if record.telephony_session_id:
        data["telephonySessionId"] = record.telephony_session_id
    if record.party_id:
        data["partyId"] = record.party_id
    if record.reason:
        data["reason"] = record.reason
        data["reasonDescription"] = record.reason_description
    if record.internal_type:
        data["internalType"] = record.internal_type
    if record.extension_id:
        account = record.account_id
        data["extension"] = {
            "uri": request.build_absolute_uri(
                f"/restapi/v1.0/account/{account}/extension/{record.extension_id}"
            ),
            "id": int(record.extension_id),
        }
    if record.recording_id:
        data["recording"] = recording_ref(request, record)
    if record.message_id:
        data["message"] = message_ref(request, record)
    if record.deleted:
        data["deleted"] = True
    if view == "Detailed":
        data["legs"] = record.legs or [_master_leg(record)]
        data["lastModifiedTime"] = _iso(record.last_modified_time)
        data["billing"] = {"costIncluded": 0.0, "costPurchased": 0.0}
    return data


def recording_ref(request: HttpRequest, record: CallLogRecord) -> dict:
    path = f"/restapi/v1.0/account/{record.account_id}/recording/{record.recording_id}"
    return {
        "uri": request.build_absolute_uri(path),
        "id": record.recording_id,
        "type": record.recording.type,
        "contentUri": request.build_absolute_uri(f"{path}/content"),
    }


def message_ref(request: HttpRequest, record: CallLogRecord) -> dict:
    """The voicemail left on this call (`message` of a call-log record: id, type, uri)."""
    owner = record.extension_id or record.account_id
    path = f"/restapi/v1.0/account/{record.account_id}/extension/{owner}/message-store/{record.message_id}"
    return {"id": record.message_id, "type": "VoiceMail", "uri": request.build_absolute_uri(path)}


# -- bulk generator ----------------------------------------------------------------------------

CALLERS = [
    ("+12125550100", "ACME CORP"),
    ("+15145550142", "MONTREAL QC"),
    ("+14155550190", "SAN FRANCISCO CA"),
    ("+16175550123", "BOSTON MA"),
    ("+13125550177", "CHICAGO IL"),
    ("+442079460000", "LONDON"),
    ("+33142685300", "PARIS"),
    ("+16045550111", "VANCOUVER BC"),
]
INBOUND_RESULTS = [("Accepted", 70), ("Missed", 15), ("Voicemail", 10), ("Rejected", 5)]
OUTBOUND_RESULTS = [("Call connected", 80), ("No Answer", 12), ("Busy", 8)]


def generate_call_log(
    *,
    count: int,
    days: int = 30,
    extensions: list[str] | None = None,
    recorded_share: float = 0.2,
    seed: int | None = None,
    batch_size: int = 5000,
) -> int:
    """Bulk-create `count` historic records spread over the last `days` days for the given extension
    numbers (default: every user but the admin). Numbers, directions, results and recordings vary realistically.
    Calls that went to voicemail leave a message in the extension's message store, linked from
    the record. Returns how many records were created."""
    if count < 0 or count > 1_000_000:
        raise ValueError("count must be between 0 and 1,000,000")
    if days < 1:
        raise ValueError("days must be at least 1")
    users = list(Extension.objects.users().select_related("account"))
    if not extensions:
        users = [e for e in users if not e.is_admin]
    else:
        users = [e for e in users if e.extension_number in set(extensions) or e.id in set(extensions)]
        if not users:
            raise ValueError(f"no user extension among {extensions}")
    if not users:
        raise ValueError("the simulator has no user extensions; reset it first")
    rng = random.Random(seed)
    now = timezone.now()
    made = 0
    while made < count:
        size = min(batch_size, count - made)
        recordings, messages, records = _batch(rng, users, now, days, size, recorded_share)
        with transaction.atomic():
            _insert(Recording, recordings)
            _insert(Message, messages)
            _insert(CallLogRecord, records)
        made += size
    return made


def _insert(model, rows: list[dict]) -> None:
    """Plain INSERT ... executemany: the ORM's bulk_create spends most of its time preparing values
    that are already in their database form here."""
    if not rows:
        return
    columns = list(rows[0])
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - names from model meta
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [tuple(row[c] for c in columns) for row in rows])


def _random_caller(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.5:
        return rng.choice(CALLERS)
    area = rng.choice(["212", "305", "312", "415", "514", "617", "646", "702", "718", "808"])
    return f"+1{area}555{rng.randrange(100, 200):04d}", ""


def _voicemail_row(rng, record: dict, user: Extension, caller: str, caller_name: str) -> dict:
    left = record["last_modified_time"]
    return {
        "id": str(rng.randrange(10**9, 10**10)),
        "account_id": user.account_id,
        "extension_id": user.id,
        "type": "VoiceMail",
        "direction": "Inbound",
        "from_party": json.dumps(_party(caller, caller_name)),
        "to_party": json.dumps([_party(user.phone_number, user.name, user.extension_number)]),
        "creation_time": left,
        "last_modified_time": left,
        "read_status": rng.choice(["Read", "Read", "Unread"]),
        "availability": "Alive",
        "priority": "Normal",
        "vm_duration": max(1, round(wav_seconds(voicemail_wav()))),
        "audio_id": str(rng.randrange(10**9, 10**10)),
        "transcription_id": str(rng.randrange(10**9, 10**10)),
        "transcription": VOICEMAIL_TEXT,
        "transcription_status": "Completed",
        "telephony_session_id": record["telephony_session_id"],
    }


def _batch(rng, users, now, days, size, recorded_share) -> tuple[list[dict], list[dict], list[dict]]:
    recordings, messages, records = [], [], []
    span = days * 86400
    as_db_time = connection.ops.adapt_datetimefield_value
    for _ in range(size):
        user = rng.choice(users)
        caller, caller_name = _random_caller(rng)
        inbound = rng.random() < 0.6
        results = INBOUND_RESULTS if inbound else OUTBOUND_RESULTS
        result = rng.choices([r for r, _ in results], weights=[w for _, w in results])[0]
        talked = result in ("Accepted", "Call connected")
        duration_ms = rng.randint(20_000, 900_000) if talked else rng.randint(5_000, 40_000)
        start = now - timedelta(seconds=rng.uniform(60, span))
        me = json.dumps(_party(user.phone_number, user.name, user.extension_number, user.id))
        other = json.dumps(_party(caller, caller_name))
        recording_id = None
        if talked and rng.random() < recorded_share:
            recording_id = str(rng.randrange(10**9, 10**10))
            recordings.append(
                {
                    "id": recording_id,
                    "type": rng.choice(["Automatic", "OnDemand"]),
                    "duration": duration_ms // 1000,
                    "content_type": "audio/wav",
                }
            )
        records.append(
            {
                "id": new_record_id(rng),
                "account_id": user.account_id,
                "extension_id": user.id,
                "session_id": str(rng.randrange(10**10, 10**11)),
                "telephony_session_id": f"s-{rng.getrandbits(120):030x}",
                "party_id": "",
                "start_time": as_db_time(start),
                "duration_ms": duration_ms,
                "type": "Voice",
                "direction": "Inbound" if inbound else "Outbound",
                "action": "Phone Call" if inbound else "VoIP Call",
                "result": result,
                "reason": "",
                "reason_description": "",
                "transport": "PSTN",
                "internal_type": "",
                "from_party": other if inbound else me,
                "to_party": me if inbound else other,
                "recording_id": recording_id,
                "message_id": None,
                "legs": "[]",  # built from the record's fields when served (Detailed view)
                "last_modified_time": as_db_time(start + timedelta(milliseconds=duration_ms + 30_000)),
                "deleted": False,
            }
        )
        if result == "Voicemail":
            messages.append(_voicemail_row(rng, records[-1], user, caller, caller_name))
            records[-1]["message_id"] = messages[-1]["id"]
    return recordings, messages, records

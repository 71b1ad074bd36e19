"""Call log (API.md §6): company and extension lists, single records, FSync/ISync."""

from datetime import UTC, datetime, timedelta

from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from telephony.simulator.platform.api import (
    RCError,
    batch_ids,
    error_body,
    invalid_parameter,
    missing_permission,
    multipart_response,
    not_found,
    paged_response,
    rc_api,
)
from telephony.simulator.platform.calllog import iso, record_json
from telephony.simulator.platform.models import CallLogRecord

SYNC_SALT = "sim-call-log-sync"
SYNC_MAX_RECORDS = 250


def _base(account_id: str, extension_id: str | None) -> str:
    if extension_id is None:
        return f"/restapi/v1.0/account/{account_id}/call-log"
    return f"/restapi/v1.0/account/{account_id}/extension/{extension_id}/call-log"


def _date_param(request: HttpRequest, name: str) -> datetime | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    moment = parse_datetime(raw.replace(" ", "+"))
    if moment is None:
        raise invalid_parameter(name)
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def _view_param(request: HttpRequest) -> str:
    view = request.GET.get("view", "Simple")
    if view not in ("Simple", "Detailed"):
        raise invalid_parameter("view")
    return view


def _scope(request: HttpRequest, extension_id: str | None):
    records = CallLogRecord.objects.filter(account=request.rc_account).select_related("recording")
    if extension_id is not None:
        records = records.filter(extension_id=extension_id)
    return records


def _filtered(request: HttpRequest, records):
    date_to = _date_param(request, "dateTo") or timezone.now()
    date_from = _date_param(request, "dateFrom") or date_to - timedelta(hours=24)
    records = records.filter(start_time__gte=date_from, start_time__lte=date_to)
    for name, field, allowed in (
        ("direction", "direction", {"Inbound", "Outbound"}),
        ("type", "type", {"Voice", "Fax"}),
        ("transport", "transport", {"PSTN", "VoIP"}),
    ):
        values = request.GET.getlist(name)
        if any(v not in allowed for v in values):
            raise invalid_parameter(name)
        if values:
            records = records.filter(**{f"{field}__in": values})
    records = _recording_filter(request, records)
    if request.GET.get("showDeleted", "false").lower() != "true":
        records = records.filter(deleted=False)
    for name, field in (("sessionId", "session_id"), ("telephonySessionId", "telephony_session_id")):
        if request.GET.get(name):
            records = records.filter(**{field: request.GET[name]})
    if request.GET.get("extensionNumber"):
        records = records.filter(extension__extension_number=request.GET["extensionNumber"])
    if request.GET.get("phoneNumber"):
        digits = request.GET["phoneNumber"].lstrip("+")
        records = records.filter(from_party__phoneNumber=f"+{digits}") | records.filter(
            to_party__phoneNumber=f"+{digits}"
        )
    return records


def _recording_filter(request: HttpRequest, records):
    recording_type = request.GET.get("recordingType")
    if recording_type:
        if recording_type not in ("Automatic", "OnDemand", "All"):
            raise invalid_parameter("recordingType")
        records = records.filter(recording__isnull=False)
        if recording_type != "All":
            records = records.filter(recording__type=recording_type)
    with_recording = request.GET.get("withRecording", "").lower()
    if with_recording == "true":
        records = records.filter(recording__isnull=False)
    elif with_recording == "false":
        records = records.filter(recording__isnull=True)
    return records


def _list(request: HttpRequest, account_id: str, extension_id: str | None) -> JsonResponse:
    view = _view_param(request)
    records = _filtered(request, _scope(request, extension_id)).order_by("-start_time", "-id")
    base = _base(account_id, extension_id)
    return paged_response(
        request, records, with_totals=False, serialize=lambda r: record_json(request, r, view=view, base=base)
    )


@rc_api(group="Heavy", permission="ReadCallLog")
def company_call_log(request: HttpRequest, account_id: str) -> JsonResponse:
    return _list(request, account_id, None)


@rc_api(group="Heavy", methods=("GET", "DELETE"), permission="ReadCallLog")
def extension_call_log(request: HttpRequest, account_id: str, extension_id: str) -> HttpResponse:
    if request.method == "DELETE":
        return _delete(request, extension_id)
    return _list(request, account_id, extension_id)


def _delete(request: HttpRequest, extension_id: str) -> HttpResponse:
    """Delete (RingCentral keeps them for ISync `showDeleted`) the extension's records up to `dateTo`."""
    if "EditCallLog" not in request.rc_token.scope.split():
        raise missing_permission("EditCallLog")
    date_to = _date_param(request, "dateTo") or timezone.now()
    records = _scope(request, extension_id).filter(deleted=False, start_time__lte=date_to)
    records.update(deleted=True, last_modified_time=timezone.now())
    return HttpResponse(status=204)


def _one(request: HttpRequest, account_id: str, extension_id: str | None, record_id: str) -> HttpResponse:
    view = _view_param(request)
    base = _base(account_id, extension_id)
    ids = batch_ids(record_id, "callRecordId")
    found = {r.id: r for r in _scope(request, extension_id).filter(pk__in=ids or [record_id])}
    if ids is None:
        if record_id not in found:
            raise not_found("callRecordId", record_id)
        return JsonResponse(record_json(request, found[record_id], view=view, base=base))
    parts = [
        (200, record_json(request, found[i], view=view, base=base))
        if i in found
        else (404, error_body(not_found("callRecordId", i)))
        for i in ids
    ]
    return multipart_response(parts)


@rc_api(group="Heavy", permission="ReadCallLog")
def company_call_record(request: HttpRequest, account_id: str, record_id: str) -> JsonResponse:
    return _one(request, account_id, None, record_id)


@rc_api(group="Heavy", permission="ReadCallLog")
def extension_call_record(
    request: HttpRequest, account_id: str, extension_id: str, record_id: str
) -> JsonResponse:
    return _one(request, account_id, extension_id, record_id)


# -- sync --------------------------------------------------------------------------------------


def _sync(request: HttpRequest, account_id: str, extension_id: str | None) -> JsonResponse:
    view = _view_param(request)
    sync_type = request.GET.get("syncType", "FSync")
    records = _recording_filter(request, _scope(request, extension_id))
    if request.GET.get("statusGroup") == "Missed":
        records = records.filter(result__in=["Missed", "Voicemail", "No Answer"])
    now = timezone.now()
    if sync_type == "FSync":
        chosen = _full_sync(request, records, now)
    elif sync_type == "ISync":
        chosen = _incremental_sync(request, records)
    else:
        raise invalid_parameter("syncType")
    base = _base(account_id, extension_id)
    token = signing.dumps({"t": now.timestamp(), "s": extension_id or account_id}, salt=SYNC_SALT)
    return JsonResponse(
        {
            "uri": request.build_absolute_uri(),
            "records": [record_json(request, r, view=view, base=base) for r in chosen],
            "syncInfo": {"syncType": sync_type, "syncToken": token, "syncTime": iso(now)},
        }
    )


def _full_sync(request: HttpRequest, records, now: datetime) -> list:
    try:
        count = int(request.GET.get("recordCount", SYNC_MAX_RECORDS))
    except ValueError:
        raise RCError(
            400, "CMN-101", "Parameter [recordCount] value is invalid.", parameterName="recordCount"
        ) from None
    if not 1 <= count <= SYNC_MAX_RECORDS:
        raise RCError(
            400, "CMN-101", "Parameter [recordCount] value is invalid.", parameterName="recordCount"
        )
    date_from = _date_param(request, "dateFrom") or now - timedelta(days=30)
    date_from = max(date_from, now - timedelta(days=30))
    return list(
        records.filter(deleted=False, start_time__gte=date_from).order_by("-start_time", "-id")[:count]
    )


def _incremental_sync(request: HttpRequest, records) -> list:
    raw = request.GET.get("syncToken", "")
    if not raw:
        raise invalid_parameter("syncToken", "Parameter [syncToken] is required for ISync")
    try:
        since = datetime.fromtimestamp(signing.loads(raw, salt=SYNC_SALT)["t"], tz=UTC)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise RCError(
            400,
            "CLG-101",
            "Parameter [syncToken] is invalid [Sync token expired, call log was reset]",
            parameterName="syncToken",
        ) from None
    changed = records.filter(last_modified_time__gt=since)
    if request.GET.get("showDeleted", "false").lower() != "true":
        changed = changed.filter(deleted=False)
    chosen = list(changed.order_by("-last_modified_time", "-id")[: SYNC_MAX_RECORDS + 1])
    if len(chosen) > SYNC_MAX_RECORDS:
        raise RCError(
            400,
            "CLG-104",
            "Parameter [syncToken] is invalid [max sync record number limit is exceeded]",
            parameterName="syncToken",
        )
    return chosen


@rc_api(group="Heavy", permission="ReadCallLog")
def company_call_log_sync(request: HttpRequest, account_id: str) -> JsonResponse:
    return _sync(request, account_id, None)


@rc_api(group="Heavy", permission="ReadCallLog")
def extension_call_log_sync(request: HttpRequest, account_id: str, extension_id: str) -> JsonResponse:
    return _sync(request, account_id, extension_id)

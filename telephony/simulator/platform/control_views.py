"""`/_sim/...`: the simulator's own admin surface (JSON in and out, no auth). Tests and humans use it
through `telephony.simulator.control.SimulatorControl`."""

import json
import secrets
from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from telephony.simulator.platform import runtime
from telephony.simulator.platform.audio import voicemail_wav
from telephony.simulator.platform.calllog import generate_call_log, record_finished_call
from telephony.simulator.platform.media import media_response
from telephony.simulator.platform.messages import AUDIO_CONTENT_TYPE, create_voicemail, transcription_status
from telephony.simulator.platform.models import (
    Account,
    App,
    AuthCode,
    CallLogRecord,
    Device,
    Extension,
    Message,
    Recording,
    Token,
    WsToken,
    new_digits_id,
)
from telephony.simulator.platform.seed import jwt_for, seed
from telephony.simulator.platform.signals import simulator_reset


class BadControlInput(ValueError):
    pass


def control_view(methods):
    """JSON body parsed into `request.json`; ValueError/KeyError become a 400 with the message."""

    def decorate(view):
        @csrf_exempt
        @require_http_methods(methods)
        def wrapper(request: HttpRequest, *args, **kwargs):
            try:
                request.json = json.loads(request.body or b"{}") if request.method in ("POST", "PUT") else {}
                if not isinstance(request.json, dict):
                    raise BadControlInput("the body must be a JSON object")
                return view(request, *args, **kwargs)
            except json.JSONDecodeError as exc:
                return JsonResponse({"error": f"malformed JSON: {exc}"}, status=400)
            except (ValueError, KeyError, TypeError) as exc:
                return JsonResponse({"error": str(exc)}, status=400)

        wrapper.__name__ = view.__name__
        return wrapper

    return decorate


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "service": "ringcentral-simulator"})


@control_view(["POST"])
def reset(request: HttpRequest) -> JsonResponse:
    with transaction.atomic():
        for model in (WsToken, Token, AuthCode):
            model.objects.all().delete()
        # Plain DELETEs: the ORM would load every recording to null its references first, which
        # takes seconds after a 100k-record benchmark; the call log goes first, so none are left.
        for model in (CallLogRecord, Recording, Message):
            model.objects.all()._raw_delete(model.objects.db)
        App.objects.all().delete()
        seed(prune=True)
    runtime.reset()
    simulator_reset.send(sender=reset)
    return JsonResponse({"ok": True})


@control_view(["GET", "POST"])
def apps(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        data = request.json
        uris = data.get("redirect_uris", [])
        if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
            raise BadControlInput("redirect_uris must be a list of strings")
        App.objects.update_or_create(
            client_id=str(data["client_id"]),
            defaults={
                "client_secret": str(data.get("client_secret", "")),
                "name": str(data.get("name") or data["client_id"]),
                "redirect_uris": uris,
                "allow_dev_redirects": bool(data.get("allow_dev_redirects", True)),
                **({"permissions": str(data["permissions"])} if data.get("permissions") else {}),
            },
        )
    rows = App.objects.order_by("client_id").values(
        "client_id", "name", "redirect_uris", "allow_dev_redirects", "permissions"
    )
    return JsonResponse({"apps": list(rows)})


@control_view(["GET", "POST"])
def ttls(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        return JsonResponse({"ttls": runtime.set_ttls(**request.json)})
    return JsonResponse({"ttls": dict(runtime.state.ttls)})


@control_view(["GET", "POST", "DELETE"])
def faults(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        data = request.json
        rule = runtime.add_fault(
            path=str(data["path"]),
            method=str(data.get("method", "")),
            status=int(data.get("status", 0)),
            delay_ms=int(data.get("delay_ms", 0)),
            malformed=bool(data.get("malformed", False)),
            count=None if data.get("count") is None else int(data["count"]),
        )
        return JsonResponse({"fault": rule.as_dict()}, status=201)
    if request.method == "DELETE":
        runtime.clear_faults()
    return JsonResponse({"faults": runtime.faults_snapshot()})


@control_view(["GET", "POST"])
def limits(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        data = dict(request.json)
        return JsonResponse(
            runtime.configure_limits(
                enabled=data.pop("enabled", None), window=data.pop("window", None), **data
            )
        )
    return JsonResponse(runtime.limits_snapshot())


@control_view(["POST"])
def call_log_generate(request: HttpRequest) -> JsonResponse:
    data = request.json
    created = generate_call_log(
        count=int(data.get("count", 1000)),
        days=int(data.get("days", 30)),
        extensions=[str(e) for e in data.get("extensions") or []] or None,
        recorded_share=float(data.get("recorded_share", 0.2)),
        seed=data.get("seed"),
    )
    return JsonResponse({"created": created, "total": CallLogRecord.objects.count()})


@control_view(["POST"])
def call_log_record(request: HttpRequest) -> JsonResponse:
    """Write one finished call straight into the call log (for sync tests and the demo history).

    Each record is its own call (a new telephony session) unless the caller names one;
    `voicemail: true` also leaves a voicemail in the extension's message store, linked from the
    record (`message`), as a call that went to voicemail has."""
    data = dict(request.json)
    extension = _extension(str(data.pop("extension")))
    voicemail = bool(data.pop("voicemail", False))
    transcribed = bool(data.pop("transcribed", True))
    start = parse_datetime(str(data.pop("start_time", ""))) or timezone.now() - timedelta(minutes=5)
    data.setdefault("telephony_session_id", f"s-{secrets.token_hex(16)}")
    data.setdefault("session_id", str(400_000_000_000 + secrets.randbelow(99_999_999_999)))
    if voicemail:
        data.setdefault("result", "Voicemail")
    record = record_finished_call(extension=extension, start_time=start, **data)
    message = None
    if voicemail:
        message = create_voicemail(
            extension=extension,
            from_number=record.from_party.get("phoneNumber", ""),
            from_name=record.from_party.get("name", ""),
            creation_time=start + timedelta(milliseconds=record.duration_ms),
            transcribed=transcribed,
            telephony_session_id=record.telephony_session_id,
            call_log_ids=[record.id],
        )
    return JsonResponse(
        {
            "id": record.id,
            "telephonySessionId": record.telephony_session_id,
            "recording_id": record.recording_id or None,
            "message_id": message.id if message else None,
        },
        status=201,
    )


@control_view(["GET"])
def messages(request: HttpRequest) -> JsonResponse:
    """Voicemail in every mailbox, newest first, with the call each was left on."""
    rows = [
        {
            "id": m.id,
            "extensionId": m.extension_id,
            "from": m.from_party,
            "creationTime": m.creation_time.isoformat(),
            "readStatus": m.read_status,
            "availability": m.availability,
            "vmDuration": m.vm_duration,
            "transcription": m.transcription,
            "vmTranscriptionStatus": transcription_status(m),
            "telephonySessionId": m.telephony_session_id,
            "callLogIds": list(CallLogRecord.objects.filter(message=m).values_list("id", flat=True)),
        }
        for m in Message.objects.order_by("-creation_time", "-id")[:200]
    ]
    return JsonResponse({"messages": rows})


@require_GET
def message_audio(request: HttpRequest, message_id: str) -> HttpResponse:
    """The voicemail's audio without authentication, for the console's player."""
    if not Message.objects.filter(pk=message_id).exists():
        return JsonResponse({"error": f"no message {message_id}"}, status=404)
    return media_response(
        request, voicemail_wav(), content_type=AUDIO_CONTENT_TYPE, filename=f"voicemail-{message_id}.wav"
    )


@control_view(["GET"])
def call_log_count(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"count": CallLogRecord.objects.count()})


@control_view(["GET"])
def users(request: HttpRequest) -> JsonResponse:
    rows = [
        {
            "id": e.id,
            "extensionNumber": e.extension_number,
            "name": e.name,
            "email": e.email,
            "phoneNumber": e.phone_number,
            "type": e.type,
            "jwt": e.jwt,
        }
        for e in Extension.objects.order_by("extension_number")
    ]
    return JsonResponse({"users": rows})


EXTENSION_FIELDS = {"name", "first_name", "last_name", "email", "phone_number", "status", "type", "password"}


@control_view(["POST"])
def extension_add(request: HttpRequest) -> JsonResponse:
    """A new extension (a user with a softphone by default) in the seeded account."""
    data = dict(request.json)
    number = str(data.pop("extension_number"))
    unknown = set(data) - EXTENSION_FIELDS
    if unknown:
        raise BadControlInput(f"unknown fields: {', '.join(sorted(unknown))}")
    account = Account.objects.order_by("id").first()
    if Extension.objects.filter(account=account, extension_number=number).exists():
        raise BadControlInput(f"extension {number} exists")
    data.setdefault(
        "name", f"{data.get('first_name', '')} {data.get('last_name', '')}".strip() or f"Extension {number}"
    )
    _check_choices(data)
    extension = Extension.objects.create(
        id=new_digits_id(9), account=account, extension_number=number, **data
    )
    extension.jwt = jwt_for(extension.id)
    extension.save(update_fields=["jwt"])
    if extension.type == Extension.USER:
        Device.objects.create(
            extension=extension, type="SoftPhone", name=f"{extension.name}'s RingCentral App"
        )
    return JsonResponse({"id": extension.id, "extensionNumber": number, "jwt": extension.jwt}, status=201)


@control_view(["POST"])
def extension_update(request: HttpRequest, who: str) -> JsonResponse:
    """Change an extension (e.g. `{"status": "Disabled"}` or a new e-mail) to exercise mapping."""
    data = request.json
    unknown = set(data) - EXTENSION_FIELDS
    if unknown:
        raise BadControlInput(f"unknown fields: {', '.join(sorted(unknown))}")
    _check_choices(data)
    extension = _extension(who)
    for field, value in data.items():
        setattr(extension, field, str(value))
    extension.save()
    return JsonResponse({"id": extension.id, "extensionNumber": extension.extension_number})


def _check_choices(data: dict) -> None:
    if "status" in data and data["status"] not in Extension.STATUSES:
        raise BadControlInput(f"status must be one of {', '.join(Extension.STATUSES)}")
    if "type" in data and data["type"] not in Extension.TYPES:
        raise BadControlInput(f"type must be one of {', '.join(Extension.TYPES)}")


@control_view(["GET"])
def user_jwt(request: HttpRequest, who: str) -> JsonResponse:
    extension = _extension(who)
    return JsonResponse({"extension_id": extension.id, "jwt": extension.jwt})


@control_view(["GET"])
def sessions(request: HttpRequest) -> JsonResponse:
    """OAuth sessions without any token value: who, which app, live or not."""
    now = timezone.now()
    rows = [
        {
            "session_id": t.session_id,
            "extension_id": t.extension_id,
            "client_id": t.app_id,
            "revoked": t.revoked,
            "current": t.retired_at is None,
            "access_expired": t.access_expires_at <= now,
        }
        for t in Token.objects.order_by("created")
    ]
    return JsonResponse({"sessions": rows})


@control_view(["POST"])
def expire_tokens(request: HttpRequest) -> JsonResponse:
    """Make access tokens (of one extension, or all) expire now, to exercise refresh paths."""
    tokens = Token.objects.filter(revoked=False, retired_at__isnull=True)
    if request.json.get("extension"):
        tokens = tokens.filter(extension=_extension(str(request.json["extension"])))
    count = tokens.update(access_expires_at=timezone.now() - timedelta(seconds=1))
    return JsonResponse({"expired": count})


def _extension(who: str) -> Extension:
    extension = (
        Extension.objects.filter(id=who).first() or Extension.objects.filter(extension_number=who).first()
    )
    if extension is None:
        raise BadControlInput(f"no extension {who!r}")
    return extension

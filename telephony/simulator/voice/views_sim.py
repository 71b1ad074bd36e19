"""The voice half of the `/_sim/` control API (JSON, no auth): place and drive calls, read what
was delivered to which subscription. Errors are `{"error": "..."}` with status 400/404/409."""

import json
from functools import wraps

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import calls, delivery, knobs
from .machine import CallControlError, CallSession
from .models import Call, Delivery, Presence, Subscription, WsSession
from .subscriptions import info


def control(view):
    """JSON in, JSON out; bad input is a 400 that says what is wrong."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            body = json.loads(request.body or b"{}") if request.method == "POST" else {}
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
        except ValueError as exc:
            return JsonResponse({"error": f"invalid JSON body: {exc}"}, status=400)
        try:
            return view(request, body, *args, **kwargs)
        except ValueError as exc:  # CallRequestError and bad numbers in the query string
            return JsonResponse({"error": str(exc)}, status=400)
        except CallControlError as exc:
            return JsonResponse({"error": exc.message, "errorCode": exc.error_code}, status=exc.status)

    return wrapper


def call_json(call: Call) -> dict:
    session = CallSession.from_state(call.state)
    return {
        "telephonySessionId": call.telephony_session_id,
        "sessionId": call.session_id,
        "kind": call.kind,
        "live": call.live,
        "created": call.created.isoformat(),
        "ended": call.ended.isoformat() if call.ended else None,
        "options": call.options,
        "callLogIds": call.call_log_ids,
        "session": session.api_dict(),
        "events": [
            {"sequence": e.sequence, "eventTime": e.event_time, "party": e.party} for e in session.events
        ],
    }


def _flag(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if isinstance(value, str):
        return value.lower() in {"1", "true", "yes", "on"}
    return bool(value)


@control
@require_http_methods(["GET", "POST"])
def calls_collection(request, body):
    if request.method == "GET":
        rows = Call.objects.all()
        if request.GET.get("live") in {"1", "true"}:
            rows = rows.filter(live=True)
        limit = min(int(request.GET.get("limit", "50") or 50), 500)
        return JsonResponse({"calls": [call_json(c) for c in rows[:limit]]})
    to_extension = body.get("to_extension") or body.get("toExtension")
    if not to_extension:
        raise calls.CallRequestError("to_extension is required (an extension number such as 101)")
    call = calls.place_inbound_call(
        from_number=str(body.get("from", "")).strip(),
        from_name=str(body.get("from_name", "")),
        to_extension=str(to_extension),
        answer_after=body.get("answer_after"),
        hangup_after=body.get("hangup_after"),
        ring_timeout=body.get("ring_timeout"),
        record=_flag(body, "record"),
        missed=_flag(body, "missed"),
        voicemail=_flag(body, "voicemail"),
    )
    return JsonResponse(call_json(call), status=201)


@control
@require_POST
def internal_call(request, body):
    if not body.get("from_extension") or not body.get("to_extension"):
        raise calls.CallRequestError("from_extension and to_extension are required")
    call = calls.place_internal_call(
        from_extension=str(body["from_extension"]),
        to_extension=str(body["to_extension"]),
        answer_after=body.get("answer_after"),
        hangup_after=body.get("hangup_after"),
        ring_timeout=body.get("ring_timeout"),
        missed=_flag(body, "missed"),
    )
    return JsonResponse(call_json(call), status=201)


@control
@require_POST
def outbound_call(request, body):
    """A user dials a number from their desk phone (or `device`: SoftPhone for the app)."""
    if not body.get("from_extension") or not body.get("to"):
        raise calls.CallRequestError("from_extension and to are required")
    call = calls.place_call_from_device(
        from_extension=str(body["from_extension"]),
        to_number=str(body["to"]).strip(),
        device=str(body.get("device", "HardPhone")),
        answer_after=body.get("answer_after"),
        hangup_after=body.get("hangup_after"),
        ring_timeout=body.get("ring_timeout"),
    )
    return JsonResponse(call_json(call), status=201)


def _call(telephony_session_id: str) -> Call:
    call = Call.objects.filter(pk=telephony_session_id).first()
    if call is None:
        raise CallControlError(404, "CMN-102", f"no call {telephony_session_id}")
    return call


@control
@require_GET
def call_detail(request, body, telephony_session_id):
    return JsonResponse(call_json(_call(telephony_session_id)))


@control
@require_POST
def call_action(request, body, telephony_session_id, action):
    """Act as the people on the call: the desk phone answers, someone hangs up, time passes."""
    _call(telephony_session_id)
    party_id = body.get("party_id") or None
    if action == "answer":
        calls.answer_on_device(telephony_session_id, party_id, str(body.get("device", "HardPhone")))
    elif action == "hangup":
        side = body.get("side", "caller")
        if party_id:
            calls.party_hang_up(telephony_session_id, party_id)
        elif side == "caller":
            calls.caller_hang_up(telephony_session_id)
        elif side == "callee":
            calls.act(telephony_session_id, lambda s: s.hang_up(_callee(s).id))
        else:
            raise calls.CallRequestError("side must be caller or callee (or give party_id)")
    elif action == "decline":
        calls.act(telephony_session_id, lambda s: s.reject(party_id or calls.newest_ringing(s).id))
    elif action == "transfer":
        calls.transfer_on_phone(
            telephony_session_id,
            party_id,
            to_extension=str(body.get("to_extension") or ""),
            to_number=str(body.get("to_number") or ""),
        )
    elif action in {"hold", "unhold"}:
        calls.act(telephony_session_id, lambda s: getattr(s, action)(party_id or _callee(s).id))
    elif action == "timeout":
        target = party_id or _callee(CallSession.from_state(_call(telephony_session_id).state)).id
        calls.ring_timeout(telephony_session_id, target)
    elif action == "drop":
        calls.act(telephony_session_id, lambda s: s.drop())
    elif action == "forward":
        # The user sends the still ringing call on to a colleague from their phone.
        target = calls.extension_endpoint(str(body.get("to_extension", "")))
        calls.act(telephony_session_id, lambda s: s.forward(party_id or _callee(s).id, target=target))
    else:
        raise calls.CallRequestError(
            f"unknown action {action!r}: answer, decline, transfer, forward, hangup, hold, unhold, timeout, drop"
        )
    return JsonResponse(call_json(_call(telephony_session_id)))


def _callee(session: CallSession):
    live = [p for p in session.callee_parties() if p.live]
    if not live:
        raise CallControlError(409, "TAS-102", "Incorrect State")
    return live[-1]


@control
@require_GET
def subscription_list(request, body):
    base = request.build_absolute_uri("/restapi/v1.0/subscription")
    records = []
    for sub in Subscription.objects.select_related("extension"):
        record = info(sub, base_uri=base)
        record["ownerId"] = sub.extension_id
        record["deliveries"] = sub.deliveries.count()
        record["consecutiveFailures"] = sub.consecutive_failures
        records.append(record)
    return JsonResponse({"subscriptions": records})


@control
@require_GET
def delivery_list(request, body):
    """Deliveries, oldest first, optionally by `subscription` and `session` (telephonySessionId)."""
    if request.GET.get("wait") in {"1", "true"}:
        delivery.wait_idle()
    rows = Delivery.objects.all()
    if request.GET.get("subscription"):
        rows = rows.filter(subscription_id=request.GET["subscription"])
    if request.GET.get("session"):
        rows = rows.filter(telephony_session_id=request.GET["session"])
    limit = min(int(request.GET.get("limit", "500") or 500), 5000)
    rows = list(rows.order_by("-id")[:limit])[::-1]
    return JsonResponse({"deliveries": [_delivery_json(d) for d in rows]})


def _delivery_json(row: Delivery) -> dict:
    return {
        "id": row.id,
        "subscriptionId": row.subscription_id,
        "uuid": row.uuid,
        "event": row.event,
        "state": row.state,
        "httpStatus": row.http_status,
        "error": row.error,
        "created": row.created.isoformat(),
        "attempted": row.attempted_at.isoformat() if row.attempted_at else None,
        "payload": row.payload,
    }


@control
@require_http_methods(["GET", "POST"])
def voice_config(request, body):
    if request.method == "POST":
        try:
            return JsonResponse(knobs.configure(**body))
        except ValueError as exc:
            raise calls.CallRequestError(str(exc)) from None
    return JsonResponse(dict(knobs.values))


@control
@require_POST
def voice_reset(request, body):
    """Forget calls, subscriptions and deliveries; cancel timers; default knobs."""
    reset_voice()
    return JsonResponse({"reset": True})


def reset_voice() -> None:
    calls.cancel_timers()
    delivery.wait_idle(timeout=2)
    Delivery.objects.all().delete()
    Subscription.objects.all().delete()
    WsSession.objects.all().delete()
    Call.objects.all().delete()
    Presence.objects.all().delete()
    knobs.reset()

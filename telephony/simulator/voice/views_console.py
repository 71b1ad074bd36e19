"""The simulator console: ring any seeded user from any number in two clicks, watch live calls."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from telephony.simulator.platform.models import Extension, Message
from telephony.simulator.webphone.registrar import registrar

from . import calls
from .machine import CallControlError, CallSession
from .models import Call, Delivery, Subscription

SAMPLE_CALLERS = ["+12125550100", "+15145550142", "+14155550190", "+16175550123"]


def _float_or_none(value: str):
    value = (value or "").strip()
    return float(value) if value else None


@require_GET
def console(request):
    live = [(call, CallSession.from_state(call.state)) for call in Call.objects.filter(live=True)[:20]]
    recent = [(call, CallSession.from_state(call.state)) for call in Call.objects.filter(live=False)[:10]]
    users = list(Extension.objects.users().filter(status="Enabled"))
    default = next((u for u in users if not u.is_admin), users[0] if users else None)
    context = {
        "users": users,
        "default_extension": default.extension_number if default else "",
        "callers": SAMPLE_CALLERS,
        "live_calls": live,
        "recent_calls": recent,
        "voicemails": Message.objects.select_related("extension")[:10],
        "deliveries": Delivery.objects.select_related("subscription").order_by("-id")[:15],
        "subscriptions": Subscription.objects.visible(),
        "web_phones": registrar.all(),
        "sip_proxy": settings.SIM_SIP_PROXY,
        "error": request.GET.get("error", ""),
        "notice": request.GET.get("notice", ""),
    }
    return render(request, "simulator/console.html", context)


@csrf_exempt
@require_POST
def ring(request):
    form = request.POST
    try:
        call = calls.place_inbound_call(
            from_number=form.get("from", "").strip().replace(" ", ""),
            from_name=form.get("from_name", "").strip(),
            to_extension=form.get("to_extension", ""),
            answer_after=_float_or_none(form.get("answer_after", "")),
            hangup_after=_float_or_none(form.get("hangup_after", "")),
            record=form.get("record") == "on",
            missed=form.get("missed") == "on",
            voicemail=form.get("voicemail") == "on",
        )
    except (calls.CallRequestError, ValueError) as exc:
        return _back(error=str(exc))
    return _back(notice=f"Ringing extension {form.get('to_extension')}: {call.telephony_session_id}")


@csrf_exempt
@require_POST
def dial(request):
    """A user dials a number on their desk phone or in the RingCentral app (not through an app)."""
    form = request.POST
    try:
        call = calls.place_call_from_device(
            from_extension=form.get("from_extension", ""),
            to_number=form.get("to", "").strip().replace(" ", ""),
            device=form.get("device", "HardPhone"),
            answer_after=_float_or_none(form.get("answer_after", "")),
        )
    except (calls.CallRequestError, ValueError) as exc:
        return _back(error=str(exc))
    return _back(
        notice=f"Extension {form.get('from_extension')} dials {form.get('to')}: {call.telephony_session_id}"
    )


@csrf_exempt
@require_POST
def act(request, telephony_session_id, action):
    try:
        if action == "answer":
            calls.answer_on_device(telephony_session_id, None, "HardPhone")
        elif action == "decline":
            calls.decline(telephony_session_id)
        elif action == "hangup":
            calls.caller_hang_up(telephony_session_id)
        elif action == "drop":
            calls.act(telephony_session_id, lambda s: s.drop())
        else:
            return _back(error=f"unknown action {action}")
    except CallControlError as exc:
        return _back(error=exc.message)
    return _back()


def _back(**message: str):
    return redirect("/_sim/console" + (f"?{urlencode(message)}" if message else ""))

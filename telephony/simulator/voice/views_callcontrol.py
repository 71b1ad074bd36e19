"""Call Control API (API.md §5), call-out and RingOut (§9) — thin views over `calls` and `machine`."""

import base64
import binascii
import json

from django.http import HttpRequest, HttpResponse, JsonResponse

from telephony.simulator.platform import runtime
from telephony.simulator.platform.api import RCError, invalid_parameter, not_found, rc_api, rc_error
from telephony.simulator.platform.middleware import _caller_key
from telephony.simulator.platform.models import Device, Extension

from . import calls
from .machine import CallControlError, CallSession, Endpoint
from .models import Call


def json_body(request: HttpRequest) -> dict:
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise RCError(
            400, "CMN-103", "Request body is not a valid JSON", category="InvalidParameter"
        ) from None
    if not isinstance(body, dict):
        raise RCError(400, "CMN-103", "Request body is not a valid JSON", category="InvalidParameter")
    return body


def by_method(**views):
    """One URL, several methods with different rate-limit groups (e.g. GET Light, DELETE Heavy)."""

    def dispatch(request: HttpRequest, *args, **kwargs):
        view = views.get(request.method)
        if view is None:
            allowed = ", ".join(views)
            return rc_error(
                405,
                "CMN-202",
                f"Method {request.method} is not supported ({allowed})",
                category="MethodNotAllowed",
            )
        decision = runtime.take(_caller_key(request, view.rate_limit_group), view.rate_limit_group)
        request._rate_decision = decision
        if not decision.allowed:
            response = rc_error(429, "CMN-301", "Request rate exceeded", category="CMN-301")
            response["Retry-After"] = str(decision.retry_after)
            return response
        return view(request, *args, **kwargs)

    dispatch.csrf_exempt = True
    return dispatch


def _act(request: HttpRequest, telephony_session_id: str, action):
    try:
        return calls.act(telephony_session_id, action, account_id=request.rc_account.id)
    except CallControlError as exc:
        raise RCError(exc.status, exc.error_code, exc.message, **exc.extra) from None


def _find_party(session: CallSession, party_id: str):
    try:
        return session.party(party_id)
    except CallControlError as exc:
        raise RCError(exc.status, exc.error_code, exc.message, **exc.extra) from None


def _live_session(request: HttpRequest, telephony_session_id: str) -> CallSession:
    call = Call.objects.filter(pk=telephony_session_id, account=request.rc_account, live=True).first()
    if call is None:
        raise not_found("telephonySessionId", telephony_session_id)
    return CallSession.from_state(call.state)


# -- session ---------------------------------------------------------------------------------------


@rc_api(group="Light", methods=("GET",))
def session_get(request, account_id, telephony_session_id):
    return JsonResponse(_live_session(request, telephony_session_id).api_dict())


@rc_api(group="Light", methods=("DELETE",))
def session_delete(request, account_id, telephony_session_id):
    _act(request, telephony_session_id, lambda s: s.drop())
    return HttpResponse(status=204)


session = by_method(GET=session_get, DELETE=session_delete)


# -- party -------------------------------------------------------------------------------------------


def _flag(body: dict, name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise invalid_parameter(name)
    return value


@rc_api(group="Light", methods=("GET", "PATCH"))
def party(request, account_id, telephony_session_id, party_id):
    if request.method == "GET":
        return JsonResponse(_find_party(_live_session(request, telephony_session_id), party_id).api_dict())
    body = json_body(request)
    # Both shapes are in RingCentral's sources (API.md §5 [X]): {"muted": true} and {"party": {...}}.
    fields = body["party"] if isinstance(body.get("party"), dict) else body
    muted, stand_alone = _flag(fields, "muted"), _flag(fields, "standAlone")
    if muted is None and stand_alone is None:
        raise invalid_parameter("muted", "Parameter [muted] is required")
    changed = _act(
        request,
        telephony_session_id,
        lambda s: s.update_party(party_id, muted=muted, stand_alone=stand_alone),
    )
    return JsonResponse(changed.api_dict())


def _device_of_party(request, telephony_session_id: str, party_id: str, device_id) -> str:
    if device_id in (None, ""):
        return ""
    target = _find_party(_live_session(request, telephony_session_id), party_id)
    if (
        not isinstance(device_id, str)
        or not Device.objects.filter(id=device_id, extension_id=target.extension_id).exists()
    ):
        raise invalid_parameter("deviceId")
    return device_id


@rc_api(group="Light", methods=("POST",))
def answer(request, account_id, telephony_session_id, party_id):
    device_id = _device_of_party(request, telephony_session_id, party_id, json_body(request).get("deviceId"))
    answered = _act(request, telephony_session_id, lambda s: s.answer(party_id, device_id=device_id))
    return JsonResponse(answered.api_dict())


@rc_api(group="Light", methods=("POST",))
def hold(request, account_id, telephony_session_id, party_id):
    proto = json_body(request).get("proto", "Auto")
    if proto not in {"Auto", "RC", "BroadWorks", "DisconnectHolder", "BroadWorksOrDisconnectHolder"}:
        raise invalid_parameter("proto")
    return JsonResponse(_act(request, telephony_session_id, lambda s: s.hold(party_id)).api_dict())


@rc_api(group="Light", methods=("POST",))
def unhold(request, account_id, telephony_session_id, party_id):
    return JsonResponse(_act(request, telephony_session_id, lambda s: s.unhold(party_id)).api_dict())


@rc_api(group="Light", methods=("POST",))
def reject(request, account_id, telephony_session_id, party_id):
    _act(request, telephony_session_id, lambda s: s.reject(party_id))
    return HttpResponse(status=204)


@rc_api(group="Light", methods=("POST",))
def ignore(request, account_id, telephony_session_id, party_id):
    device_id = json_body(request).get("deviceId")
    if not device_id:
        raise invalid_parameter("deviceId", "Parameter [deviceId] is required")
    _device_of_party(request, telephony_session_id, party_id, device_id)
    _act(request, telephony_session_id, lambda s: s.ignore(party_id))
    return HttpResponse(status=204)


def _target(request, body: dict, *, allowed: tuple[str, ...]) -> tuple[str, Endpoint]:
    given = [key for key in allowed if body.get(key) not in (None, "")]
    if len(given) != 1:
        raise RCError(
            400, "CMN-101", f"Exactly one of [{', '.join(allowed)}] is required", category="InvalidParameter"
        )
    key, value = given[0], str(body[given[0]])
    if key == "phoneNumber":
        digits = value.removeprefix("+")
        if not digits.isdigit() or not 7 <= len(digits) <= 15:
            raise invalid_parameter("phoneNumber")
        return key, Endpoint(phone_number=value if value.startswith("+") else f"+{value}")
    if key == "parkOrbit":
        raise RCError(
            400,
            "CMN-101",
            "Park orbits are not available in this account",
            category="InvalidParameter",
            parameterName=key,
        )
    lookup = {"extensionNumber": "extension_number", "extensionId": "id", "voicemail": "id"}[key]
    extension = Extension.objects.filter(account=request.rc_account, **{lookup: value}).first()
    if extension is None:
        raise invalid_parameter(key)
    return key, calls._endpoint(extension)


@rc_api(group="Light", methods=("POST",))
def forward(request, account_id, telephony_session_id, party_id):
    key, target = _target(
        request, json_body(request), allowed=("phoneNumber", "voicemail", "extensionNumber", "extensionId")
    )
    if key == "voicemail":
        try:
            changed = calls.send_to_voicemail(
                telephony_session_id, party_id, account_id=request.rc_account.id
            )
        except CallControlError as exc:
            raise RCError(exc.status, exc.error_code, exc.message, **exc.extra) from None
    else:
        dnd = calls.target_on_dnd(target)
        changed = _act(
            request, telephony_session_id, lambda s: s.forward(party_id, target=target, voicemail=dnd)
        )
    return JsonResponse(changed.api_dict())


@rc_api(group="Light", methods=("POST",))
def transfer(request, account_id, telephony_session_id, party_id):
    allowed = ("phoneNumber", "voicemail", "extensionNumber", "parkOrbit", "extensionId")
    key, target = _target(request, json_body(request), allowed=allowed)
    dnd = key == "voicemail" or calls.target_on_dnd(target)
    return JsonResponse(
        _act(
            request, telephony_session_id, lambda s: s.transfer(party_id, target=target, voicemail=dnd)
        ).api_dict()
    )


@rc_api(group="Light", methods=("POST",))
def bridge(request, account_id, telephony_session_id, party_id):
    """Warm transfer: `{telephonySessionId, partyId}` name the user's party in the consult call."""
    body = json_body(request)
    consult_session, consult_party = body.get("telephonySessionId"), body.get("partyId")
    for name, value in (("telephonySessionId", consult_session), ("partyId", consult_party)):
        if not isinstance(value, str) or not value:
            raise invalid_parameter(name, f"Parameter [{name}] is required")
    try:
        moved = calls.bridge_calls(
            account_id=request.rc_account.id,
            telephony_session_id=telephony_session_id,
            party_id=party_id,
            consult_session_id=consult_session,
            consult_party_id=consult_party,
        )
    except CallControlError as exc:
        raise RCError(exc.status, exc.error_code, exc.message, **exc.extra) from None
    return JsonResponse(moved.api_dict())


# -- call-out and RingOut ------------------------------------------------------------------------------


@rc_api(group="Heavy", methods=("POST",))
def call_out(request, account_id):
    body = json_body(request)
    source, dest = body.get("from"), body.get("to")
    if not isinstance(source, dict) or not (source.get("deviceId") or source.get("extensionId")):
        raise invalid_parameter("from")
    if source.get("deviceId"):
        device = Device.objects.filter(
            id=str(source["deviceId"]), extension__account=request.rc_account
        ).first()
        if device is None:
            raise invalid_parameter("from.deviceId")
        extension = device.extension
    else:
        extension = Extension.objects.filter(
            id=str(source["extensionId"]), account=request.rc_account
        ).first()
        if extension is None:
            raise invalid_parameter("from.extensionId")
    if not isinstance(dest, dict):
        raise invalid_parameter("to")
    device_id = str(source.get("deviceId") or "")
    if dest.get("extensionNumber"):
        try:
            call = calls.place_internal_call(
                from_extension=extension.id,
                to_extension=str(dest["extensionNumber"]),
                origin_type="CallOut",
                from_device_id=device_id,
            )
        except calls.CallRequestError:
            raise invalid_parameter("to.extensionNumber") from None
    else:
        number = _pstn_number(dest.get("phoneNumber"), "to.phoneNumber")
        call = calls.place_outbound_call(
            extension=extension, to_number=number, origin_type="CallOut", from_device_id=device_id
        )
    return JsonResponse({"session": CallSession.from_state(call.state).api_dict()})


def _pstn_number(value, name: str) -> str:
    digits = str(value or "").strip().removeprefix("+")
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise invalid_parameter(name)
    return f"+{digits}"


def ringout_id(call: Call) -> str:
    return base64.urlsafe_b64encode(f"cs{call.session_id}".encode()).decode().rstrip("=")


def _ringout_call(request, ringout: str) -> Call:
    try:
        decoded = base64.urlsafe_b64decode(ringout + "=" * (-len(ringout) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    call = Call.objects.filter(
        session_id=decoded.removeprefix("cs"), kind="ringout", account=request.rc_account
    ).first()
    if not decoded.startswith("cs") or call is None:
        raise not_found("ringoutId", ringout)
    return call


def ringout_status(call: Call) -> dict:
    session = CallSession.from_state(call.state)
    caller, far = session.caller(), session.callee_parties()[0]
    if far.answered_at:
        status = {"callStatus": "Success", "callerStatus": "Success", "calleeStatus": "Success"}
        if session.ended:
            status.update(callerStatus="Finished", calleeStatus="Finished")
    elif session.ended:
        status = {"callStatus": "NoAnswer", "callerStatus": "Finished", "calleeStatus": "NoAnswer"}
    else:
        status = {
            "callStatus": "InProgress",
            "callerStatus": "Success" if caller.live else "InProgress",
            "calleeStatus": "InProgress",
        }
    return status


def _ringout_json(request, call: Call, extension_id: str) -> dict:
    rid = ringout_id(call)
    path = f"/restapi/v1.0/account/{call.account_id}/extension/{extension_id}/ring-out/{rid}"
    return {"uri": request.build_absolute_uri(path), "id": rid, "status": ringout_status(call)}


@rc_api(group="Heavy", methods=("POST",))
def ringout_create(request, account_id, extension_id):
    body = json_body(request)
    if not isinstance(body.get("to"), dict):
        raise invalid_parameter("to.phoneNumber")
    to_number = _pstn_number(body["to"].get("phoneNumber"), "to.phoneNumber")
    source = body.get("from") if isinstance(body.get("from"), dict) else {}
    extension = Extension.objects.get(id=extension_id)
    from_number = _pstn_number(source["phoneNumber"], "from.phoneNumber") if source.get("phoneNumber") else ""
    call = calls.place_outbound_call(
        extension=extension,
        to_number=to_number,
        origin_type="RingOut",
        kind="ringout",
        options={"ringout_from": from_number, "play_prompt": bool(body.get("playPrompt"))},
    )
    return JsonResponse(_ringout_json(request, call, extension_id))


@rc_api(group="Light", methods=("GET",))
def ringout_get(request, account_id, extension_id, ringout):
    return JsonResponse(_ringout_json(request, _ringout_call(request, ringout), extension_id))


@rc_api(group="Heavy", methods=("DELETE",))
def ringout_delete(request, account_id, extension_id, ringout):
    call = _ringout_call(request, ringout)
    if not call.live:
        raise not_found("ringoutId", ringout)
    _act(request, call.telephony_session_id, lambda s: s.drop())
    return HttpResponse(status=204)


ringout = by_method(GET=ringout_get, DELETE=ringout_delete)

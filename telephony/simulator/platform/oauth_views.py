"""`/restapi/oauth/*`: the login → Access Request → "OK, got it" pages and the token endpoints."""

import re
from dataclasses import asdict, dataclass

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from telephony.simulator.platform import oauth, runtime
from telephony.simulator.platform.api import rc_api
from telephony.simulator.platform.models import App, Extension, WsToken
from telephony.simulator.platform.seed import DEMO_PASSWORD

TICKET_SALT = "sim-authorize-ticket"
TICKET_MAX_AGE = 600
PERMISSION_LABELS = {
    "ReadAccounts": "Read account and extension information",
    "ReadCallLog": "Read call log",
    "EditCallLog": "Edit and delete call log records",
    "ReadCallRecording": "Read call recordings",
    "CallControl": "Control calls (answer, hold, mute, hang up)",
    "TelephonySessions": "Receive telephony session events",
    "WebhookSubscriptions": "Receive notifications by webhook",
    "WebSocket": "Receive notifications over WebSocket",
    "ReadPresence": "Read presence",
    "RingOut": "Place RingOut calls",
    "ReadMessages": "Read messages (voicemail)",
}


def _words(permission: str) -> str:
    """A permission with no label yet, in words: "ReadMessages" → "Read messages"."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", permission).capitalize()


@dataclass
class AuthorizeParams:
    client_id: str
    redirect_uri: str
    state: str = ""
    code_challenge: str = ""
    code_challenge_method: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> "AuthorizeParams":
        data = request.POST if request.method == "POST" else request.GET
        return cls(**{name: data.get(name, "").strip() for name in cls.__dataclass_fields__})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """GET shows the login page; POSTs carry the `step` (login, then authorize or deny)."""
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step in ("authorize", "deny"):
        return _decide(request, approve=step == "authorize")
    params = AuthorizeParams.from_request(request)
    app, problem = _check_authorize_request(request, params)
    if problem:
        return render(request, "simulator/oauth_error.html", {"problem": problem}, status=400)
    if step == "login":
        return _login(request, app, params)
    context = {
        "app": app,
        "params": params,
        "login_hint": request.GET.get("login_hint", ""),
        "demo_password": DEMO_PASSWORD,
    }
    return render(request, "simulator/login.html", context)


def _check_authorize_request(request: HttpRequest, params: AuthorizeParams) -> tuple[App | None, str]:
    data = request.POST if request.method == "POST" else request.GET
    if data.get("response_type", "code") != "code":
        return None, "Unsupported response_type: only 'code' is supported."
    app = App.objects.filter(client_id=params.client_id).first() if params.client_id else None
    if app is None:
        return None, "Client id is missing or unknown (OAU-127 Invalid application)."
    if not params.redirect_uri or not oauth.redirect_allowed(app, params.redirect_uri):
        return (
            app,
            "The redirect URI is not registered for this application (OAU-109 Redirect URIs do not match).",
        )
    if params.code_challenge and params.code_challenge_method not in ("", "plain", "S256"):
        return app, "code_challenge_method must be 'plain' or 'S256'."
    return app, ""


def _login(request: HttpRequest, app: App, params: AuthorizeParams) -> HttpResponse:
    login = request.POST.get("username", "")
    extension = Extension.objects.find_login(login) if login else None
    if (
        extension is None
        or not extension.can_log_in
        or request.POST.get("password", "") != extension.password
    ):
        context = {
            "app": app,
            "params": params,
            "login_hint": login,
            "demo_password": DEMO_PASSWORD,
            "error": "Invalid phone number, extension or password.",
        }
        return render(request, "simulator/login.html", context, status=401)
    ticket = signing.dumps({"ext": extension.id, "params": asdict(params)}, salt=TICKET_SALT)
    permissions = [PERMISSION_LABELS.get(p) or _words(p) for p in app.permissions.split()]
    context = {"app": app, "extension": extension, "ticket": ticket, "permissions": permissions}
    return render(request, "simulator/access_request.html", context)


def _decide(request: HttpRequest, *, approve: bool) -> HttpResponse:
    try:
        ticket = signing.loads(request.POST.get("ticket", ""), salt=TICKET_SALT, max_age=TICKET_MAX_AGE)
    except signing.BadSignature:
        return render(
            request,
            "simulator/oauth_error.html",
            {"problem": "Your sign-in expired. Start again."},
            status=400,
        )
    params = AuthorizeParams(**ticket["params"])
    app = App.objects.get(client_id=params.client_id)
    if not approve:
        target = oauth.redirect_with(
            params.redirect_uri,
            error="access_denied",
            error_description="The user denied the access request",
            state=params.state,
        )
        return HttpResponseRedirect(target)
    extension = Extension.objects.get(pk=ticket["ext"])
    code = oauth.issue_code(
        app=app,
        extension=extension,
        redirect_uri=params.redirect_uri,
        challenge=params.code_challenge,
        method=params.code_challenge_method,
    )
    target = oauth.redirect_with(
        params.redirect_uri, code=code.code, state=params.state, expires_in=str(runtime.ttl("auth_code"))
    )
    return render(
        request, "simulator/authorized.html", {"app": app, "extension": extension, "redirect_url": target}
    )


def _auth_view(view):
    view.rate_limit_group = "Auth"
    return view


@_auth_view
@csrf_exempt
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    try:
        app = oauth.authenticate_client(request)
        ttls = oauth.requested_ttls(request.POST)
        grant = request.POST.get("grant_type", "")
        if grant == "authorization_code":
            issued = oauth.exchange_code(
                app=app,
                code=request.POST.get("code", ""),
                ttls=ttls,
                redirect_uri=request.POST.get("redirect_uri", ""),
                verifier=request.POST.get("code_verifier", ""),
            )
        elif grant == "refresh_token":
            issued = oauth.refresh(app=app, refresh_token=request.POST.get("refresh_token", ""), ttls=ttls)
        elif grant == oauth.JWT_GRANT:
            issued = oauth.jwt_login(app=app, assertion=request.POST.get("assertion", ""), ttls=ttls)
        elif not grant:
            raise oauth.OAuthError(400, "invalid_request", "OAU-101", "Parameter [grant_type] is missing")
        else:
            raise oauth.OAuthError(
                400, "unsupported_grant_type", "OAU-112", "Client is not authorized for this grant type"
            )
    except oauth.OAuthError as exc:
        return exc.response()
    return JsonResponse(oauth.token_json(issued))


@_auth_view
@csrf_exempt
@require_POST
def revoke(request: HttpRequest) -> HttpResponse:
    try:
        app = oauth.authenticate_client(request)
    except oauth.OAuthError as exc:
        return exc.response()
    value = request.POST.get("token") or request.GET.get("token", "")
    if not value:
        return oauth.OAuthError(400, "invalid_request", "OAU-101", "Parameter [token] is missing").response()
    oauth.revoke(app=app, token=value)
    return HttpResponse(status=200)


@rc_api(group="Auth", methods=("POST",), permission="WebSocket")
def wstoken(request: HttpRequest) -> JsonResponse:
    ttl = runtime.ttl("ws_token")
    issued = WsToken.issue(extension=request.rc_extension, app=request.rc_token.app, ttl=ttl)
    scheme = "wss" if request.is_secure() else "ws"
    return JsonResponse(
        {"ws_access_token": issued.token, "uri": f"{scheme}://{request.get_host()}/ws", "expires_in": ttl}
    )

"""OAuth 2.0 as RingCentral does it (API.md §1): clients, authorization codes with PKCE, rotating
single-use refresh tokens, the JWT bearer grant, revocation of a whole session."""

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from telephony.simulator.platform import runtime
from telephony.simulator.platform.models import App, AuthCode, Extension, Token

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Dev convenience: the product running on any local port may use its standard callback path.
DEV_REDIRECT = re.compile(r"^http://(127\.0\.0\.1|localhost)(:\d+)?/(.*/)?telephony/oauth/callback/$")


class OAuthError(Exception):
    """An OAuth failure: RFC 6749 `error` + `error_description` and RingCentral's `errors[]`."""

    def __init__(self, status: int, error: str, code: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.code, self.description = status, error, code, description

    def response(self) -> JsonResponse:
        body = {
            "error": self.error,
            "error_description": self.description,
            "errors": [{"errorCode": self.code, "message": self.description}],
        }
        response = JsonResponse(body, status=self.status)
        if self.status == 401:
            response["WWW-Authenticate"] = 'Basic realm="RingCentral"'
        return response


def invalid_grant(code: str, description: str) -> OAuthError:
    return OAuthError(400, "invalid_grant", code, description)


# -- clients and redirect URIs -----------------------------------------------------------------


def authenticate_client(request: HttpRequest) -> App:
    """Basic `client_id:client_secret` (confidential apps) or `client_id` in the body (public apps)."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise OAuthError(401, "invalid_client", "OAU-123", "Invalid Authorization header value") from None
        app = App.objects.filter(client_id=client_id).first()
        # A public app has an empty secret, so "client_id:" authenticates it too.
        if app is None or not hmac.compare_digest(secret, app.client_secret):
            raise OAuthError(401, "invalid_client", "OAU-146", "Invalid client credentials")
        return app
    if scheme:
        raise OAuthError(401, "invalid_client", "OAU-151", "Authorization method not supported")
    client_id = request.POST.get("client_id", "")
    app = App.objects.filter(client_id=client_id).first() if client_id else None
    if app is None:
        raise OAuthError(401, "invalid_client", "OAU-123", "Client authentication is required")
    secret = request.POST.get("client_secret", "")
    if app.client_secret and not hmac.compare_digest(secret, app.client_secret):
        raise OAuthError(401, "invalid_client", "OAU-123", "Client authentication is required")
    return app


def redirect_allowed(app: App, uri: str) -> bool:
    if uri in app.redirect_uris:
        return True
    return app.allow_dev_redirects and bool(DEV_REDIRECT.match(uri))


def redirect_with(uri: str, **params: str) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    separator = "&" if urlsplit(uri).query else "?"
    return f"{uri}{separator}{query}"


# -- authorization codes and PKCE --------------------------------------------------------------


def issue_code(*, app: App, extension: Extension, redirect_uri: str, challenge: str, method: str) -> AuthCode:
    return AuthCode.objects.create(
        app=app,
        extension=extension,
        redirect_uri=redirect_uri,
        code_challenge=challenge,
        code_challenge_method=(method or "plain") if challenge else "",
        expires_at=timezone.now() + timedelta(seconds=runtime.ttl("auth_code")),
    )


def pkce_matches(code: AuthCode, verifier: str) -> bool:
    if not code.code_challenge:
        return True
    if not verifier:
        return False
    if code.code_challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        computed = verifier
    return hmac.compare_digest(computed, code.code_challenge)


def exchange_code(*, app: App, code: str, redirect_uri: str, verifier: str, ttls: dict) -> Token:
    """Spend an authorization code (single use, short-lived, PKCE-checked) for a new session.

    The code is burnt before it is checked, so a wrong verifier or redirect URI also uses it up.
    """
    with transaction.atomic():
        row = (
            AuthCode.objects.select_for_update()
            .select_related("extension")
            .filter(code=code, app=app)
            .first()
        )
        if row is None or row.used:
            raise invalid_grant("OAU-106", "Invalid authorization code")
        row.used = True
        row.save(update_fields=["used"])
    if row.is_expired():
        raise invalid_grant("OAU-108", "Authorization code is expired")
    if redirect_uri != row.redirect_uri:
        raise invalid_grant("OAU-109", "Redirect URIs do not match")
    if not pkce_matches(row, verifier):
        raise invalid_grant("OAU-106", "Invalid authorization code: code verifier does not match")
    return _new_token(app=app, extension=row.extension, session_id=_new_session_id(), ttls=ttls)


@transaction.atomic
def refresh(*, app: App, refresh_token: str, ttls: dict) -> Token:
    """Rotate: the old pair is retired (its access token dies now, its refresh token is spent).

    With a `refresh_grace` TTL (0 by default: strict single use), replaying the old refresh token
    within the grace returns the same new pair, as RingCentral does for ~10 s (API.md §1.3).
    """
    old = (
        Token.objects.select_for_update()
        .select_related("extension", "successor")
        .filter(refresh_token=refresh_token)
        .first()
    )
    successor = _grace_successor(old)
    if successor is not None:
        return successor
    if old is None or old.revoked or old.retired_at is not None or old.app_id != app.client_id:
        raise invalid_grant("OAU-213", "Token not found")
    if old.refresh_expires_at is None or timezone.now() >= old.refresh_expires_at:
        raise invalid_grant("OAU-211", "Token is expired")
    new = _new_token(
        app=app, extension=old.extension, session_id=old.session_id, ttls=ttls, endpoint_id=old.endpoint_id
    )
    old.retired_at, old.successor = timezone.now(), new
    old.save(update_fields=["retired_at", "successor"])
    return new


def _grace_successor(old: Token | None) -> Token | None:
    grace = runtime.ttl("refresh_grace")
    if not grace or old is None or old.retired_at is None or old.successor is None:
        return None
    successor = old.successor
    if successor.revoked or successor.retired_at is not None:
        return None
    if timezone.now() - old.retired_at >= timedelta(seconds=grace):
        return None
    return successor


def jwt_login(*, app: App, assertion: str, ttls: dict) -> Token:
    extension = Extension.objects.filter(jwt=assertion).first() if assertion else None
    if extension is None:
        raise invalid_grant("OAU-140", "Invalid resource owner credentials")
    if extension.status != "Enabled":
        raise invalid_grant("OAU-236", "Extension is disabled or frozen")
    return _new_token(app=app, extension=extension, session_id=_new_session_id(), ttls=ttls)


def revoke(*, app: App, token: str) -> int:
    """Revoke the whole session the token (access or refresh) belongs to; unknown tokens are fine."""
    row = (
        Token.objects.filter(app=app).filter(access_token=token).first()
        or Token.objects.filter(app=app, refresh_token=token).first()
    )
    if row is None:
        return 0
    return Token.objects.filter(session_id=row.session_id).update(revoked=True)


def requested_ttls(data) -> dict:
    """Clients may ask for shorter lifetimes (access_token_ttl / refresh_token_ttl); the server's
    configured TTLs are the ceiling."""
    ttls = {"access": runtime.ttl("access_token"), "refresh": runtime.ttl("refresh_token")}
    for key, field in (("access", "access_token_ttl"), ("refresh", "refresh_token_ttl")):
        raw = data.get(field)
        if raw:
            try:
                ttls[key] = max(1, min(int(raw), ttls[key]))
            except ValueError:
                raise OAuthError(
                    400, "invalid_request", "OAU-101", f"Parameter [{field}] is invalid"
                ) from None
    return ttls


def _new_session_id() -> str:
    return str(secrets.randbelow(9 * 10**17) + 10**17)


def _new_token(
    *, app: App, extension: Extension, session_id: str, ttls: dict, endpoint_id: str = ""
) -> Token:
    now = timezone.now()
    return Token.objects.create(
        session_id=session_id,
        app=app,
        extension=extension,
        refresh_token=secrets.token_urlsafe(32),
        endpoint_id=endpoint_id or secrets.token_urlsafe(16),
        scope=app.permissions,
        access_expires_at=now + timedelta(seconds=ttls["access"]),
        refresh_expires_at=now + timedelta(seconds=ttls["refresh"]),
    )


def token_json(token: Token) -> dict:
    return {
        "access_token": token.access_token,
        "token_type": "bearer",
        "expires_in": token.expires_in,
        "refresh_token": token.refresh_token,
        "refresh_token_expires_in": token.refresh_expires_in,
        "scope": token.scope,
        "owner_id": token.extension_id,
        "endpoint_id": token.endpoint_id,
        "session_id": token.session_id,
    }

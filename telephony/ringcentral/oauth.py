"""OAuth with RingCentral: authorize URLs (PKCE S256), code exchange, JWT login, revoke, and the
serialized refresh that every API call relies on.

RingCentral refresh tokens are single-use and a refresh kills the previous access token at once,
so two processes refreshing the same session would log the user out. `fresh_token()` therefore
refreshes under a row lock (`select_for_update()` inside `transaction.atomic()`; on SQLite the
IMMEDIATE transaction mode gives the same serialization): whoever waits on the lock re-reads the
row and uses the token the first caller stored, without a second token request.
"""

import base64
import hashlib
import logging
import secrets
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from ringcentral.platform.platform import Platform

from crm.models import Resource
from telephony.models import Connector, RingCentralToken
from telephony.ringcentral.errors import (
    AppCredentialsRefused,
    AuthExpired,
    InvalidRequest,
    RingCentralError,
    RingCentralUnavailable,
)
from telephony.ringcentral.transport import basic_auth, guard, json_body, new_platform
from telephony.ringcentral.types import TokenSet

logger = logging.getLogger("telephony.ringcentral")

# Refresh this long before the access token expires (the JS SDK's renew handicap).
REFRESH_MARGIN_SECONDS = 60
AUTHORIZE_PATH = "/restapi/oauth/authorize"
REVOKE_PATH = "/restapi/oauth/revoke"
_FORM = "application/x-www-form-urlencoded"


def app_platform(connector: Connector, platform_class: type[Platform] = Platform) -> Platform:
    """An SDK Platform for the connector's app, with no user logged in."""
    if not connector.client_id:
        raise InvalidRequest("The RingCentral connector has no app client id configured.")
    return new_platform(
        server_url=connector.server_url,
        client_id=connector.client_id,
        client_secret=connector.client_secret,
        platform_class=platform_class,
    )


def new_pkce() -> tuple[str, str]:
    """A PKCE pair (verifier, S256 challenge), made as RingCentral's own SDKs make it."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    return verifier, pkce_challenge(verifier)


def pkce_challenge(verifier: str) -> str:
    """base64url(SHA-256(verifier)) without padding (RFC 7636 S256)."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(connector: Connector, *, redirect_uri: str, state: str, code_challenge: str) -> str:
    """The RingCentral login/consent page to send the user to (auth-code flow with PKCE S256)."""
    # Platform.login_url() in SDK 0.9.2 raises NameError (urllib), so the query is built here.
    base = app_platform(connector).create_url(AUTHORIZE_PATH, add_server=True)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": connector.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{base}?{query}"


def exchange_code(connector: Connector, *, code: str, verifier: str, redirect_uri: str) -> TokenSet:
    """Trade the authorization code from the callback for tokens."""
    platform = app_platform(connector)
    with guard("authorization code exchange"):
        response = platform.login(code=code, verifier=verifier, redirect_uri=redirect_uri)
    tokens = _token_set(response, what="authorization code exchange")
    logger.info("RingCentral authorization code exchanged for extension %s", tokens.owner_extension_id)
    return tokens


def jwt_login(connector: Connector) -> TokenSet:
    """Log the connector in with its admin JWT credential (server-to-server, company-level)."""
    if not connector.jwt_credential:
        raise InvalidRequest("The RingCentral connector has no JWT credential configured.")
    platform = app_platform(connector)
    with guard("JWT login"):
        response = platform.login(jwt=connector.jwt_credential)
    tokens = _token_set(response, what="JWT login")
    logger.info(
        "RingCentral JWT login for connector %s (extension %s)", connector.pk, tokens.owner_extension_id
    )
    return tokens


def save_tokens(
    *, connector: Connector, resource: Resource | None = None, token_set: TokenSet
) -> RingCentralToken:
    """Store a token set (encrypted) for a resource, or as the connector-level token if resource is None."""
    lookup = {"resource": resource} if resource is not None else {"connector": connector, "resource": None}
    values = _token_values(token_set)
    values["connector"] = connector
    token, _ = RingCentralToken.objects.update_or_create(**lookup, defaults=values)
    return token


def revoke(token: RingCentralToken) -> bool:
    """Revoke the token's whole OAuth session at RingCentral. Failures are logged, not raised:
    RingCentral's advice is to ignore a failed revoke and not retry it."""
    value = token.refresh_token or token.access_token
    if not value:
        return False
    connector = token.connector
    platform = app_platform(connector)
    headers = {
        "Authorization": basic_auth(connector.client_id, connector.client_secret),
        "Content-Type": _FORM,
    }
    try:
        with guard("token revoke"):
            platform.post(REVOKE_PATH, body={"token": value}, headers=headers, skip_auth_check=True)
    except RingCentralError as exc:
        logger.warning("RingCentral revoke for token #%s failed (ignored): %s", token.pk, exc.message)
        return False
    logger.info("RingCentral session of token #%s revoked", token.pk)
    return True


def fresh_token(token_id: int, *, stale_access_token: str | None = None) -> RingCentralToken:
    """The token row with an access token good for at least REFRESH_MARGIN_SECONDS.

    Refreshes under the row lock if needed, or if the caller's `stale_access_token` was refused
    (and nobody has replaced it meanwhile). Raises AuthExpired (and marks the row invalid) when
    RingCentral refuses the refresh; RateLimited / RingCentralUnavailable leave the row untouched.
    """
    with transaction.atomic():
        token = _locked_valid_token(token_id)
        stale = stale_access_token is not None and token.access_token == stale_access_token
        failure = (
            _renew_or_invalidate(token)
            if stale or token.access_expires_within(REFRESH_MARGIN_SECONDS)
            else None
        )
    # Raised after the block, so that the "invalid" mark saved inside it is committed.
    if failure is not None:
        raise failure
    return token


def _locked_valid_token(token_id: int) -> RingCentralToken:
    try:
        token = RingCentralToken.objects.select_for_update().select_related("connector").get(pk=token_id)
    except RingCentralToken.DoesNotExist:
        raise AuthExpired("No RingCentral authorization is stored any more; authorize again.") from None
    if not token.is_valid:
        raise AuthExpired("The RingCentral authorization needs to be renewed; authorize again.")
    return token


def _renew_or_invalidate(token: RingCentralToken) -> AuthExpired | None:
    """Renew the token in place; if RingCentral refuses (400/401), mark it invalid and return the error."""
    try:
        _apply(token, _renew(token))
        return None
    except (AuthExpired, InvalidRequest) as exc:
        if isinstance(exc, AppCredentialsRefused) or exc.status not in (0, 400, 401):
            raise
        token.is_valid = False
        token.save(update_fields=["is_valid", "updated_at"])
        logger.warning("RingCentral refused to refresh token #%s: authorization needed", token.pk)
        return AuthExpired(
            f"RingCentral refused to renew the authorization; the user must authorize again. [{exc.error_code}]",
            status=exc.status,
            error_code=exc.error_code,
        )


def _renew(token: RingCentralToken) -> TokenSet:
    connector = token.connector
    can_jwt = token.is_connector_level and bool(connector.jwt_credential)
    if not token.refresh_token or token.refresh_expired:
        if can_jwt:
            return jwt_login(connector)
        raise AuthExpired("The RingCentral refresh token has expired.")
    try:
        return _refresh(token)
    except (AuthExpired, InvalidRequest):
        if can_jwt:
            return jwt_login(connector)
        raise


def _refresh(token: RingCentralToken) -> TokenSet:
    logger.info("Refreshing RingCentral token #%s", token.pk)
    platform = app_platform(token.connector)
    platform.auth().set_data(
        {
            "token_type": "bearer",
            "access_token": token.access_token,
            "expire_time": 0,
            "refresh_token": token.refresh_token,
            # The stored expiry was checked above; the SDK only needs to believe it is in the future.
            "refresh_token_expire_time": float("inf"),
        }
    )
    with guard("token refresh"):
        response = platform.refresh()
    tokens = _token_set(response, what="token refresh")
    logger.info("RingCentral token #%s refreshed; access valid until %s", token.pk, tokens.access_expires_at)
    return tokens


def _token_set(response: Any, *, what: str) -> TokenSet:
    tokens = TokenSet.from_api(json_body(response, what=what))
    if not tokens.access_token:
        raise RingCentralUnavailable(f"RingCentral's answer to the {what} has no access token.")
    return tokens


def _token_values(token_set: TokenSet) -> dict:
    return {
        "access_token": token_set.access_token,
        "refresh_token": token_set.refresh_token,
        "access_expires_at": token_set.access_expires_at,
        "refresh_expires_at": token_set.refresh_expires_at,
        "owner_extension_id": token_set.owner_extension_id,
        "scope": token_set.scope,
        "endpoint_id": token_set.endpoint_id,
        "is_valid": True,
    }


def _apply(token: RingCentralToken, token_set: TokenSet) -> None:
    values = _token_values(token_set)
    if not token_set.refresh_token:  # a JWT re-login may come without one; keep nothing stale
        values["refresh_token"] = ""
    if not token_set.owner_extension_id:
        values.pop("owner_extension_id")
    for name, value in values.items():
        setattr(token, name, value)
    token.save()

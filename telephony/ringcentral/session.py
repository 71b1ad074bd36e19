"""An authorized conversation with RingCentral on behalf of one stored token.

`session_for(resource)` / `connector_session(connector)` give a `Session`; every API function
takes one. The SDK Platform inside never holds a refresh token: when its access token is about
to expire it asks `oauth.fresh_token()` (the locked refresh), and when RingCentral answers 401
(another process refreshed, which kills the old access token) it reloads once from the database.
"""

import logging
from dataclasses import dataclass
from time import time
from typing import Any
from urllib.parse import urlencode

from ringcentral.http.api_response import ApiResponse
from ringcentral.platform.platform import Platform

from crm.models import Resource
from telephony.models import Connector, RingCentralToken
from telephony.ringcentral import oauth
from telephony.ringcentral.errors import AuthExpired
from telephony.ringcentral.transport import TRANSPORT, json_body

logger = logging.getLogger("telephony.ringcentral")


class TokenPlatform(Platform):
    """The SDK Platform, with token renewal delegated to the database-locked refresh."""

    token_id: int

    def _ensure_authentication(self) -> None:
        if self._auth.data()["expire_time"] - time() > oauth.REFRESH_MARGIN_SECONDS:
            return
        load_access(self, oauth.fresh_token(self.token_id))


def load_access(platform: Platform, token: RingCentralToken) -> None:
    platform.auth().set_data(
        {
            "token_type": "bearer",
            "access_token": token.access_token,
            "expire_time": token.access_expires_at.timestamp() if token.access_expires_at else 0,
            "refresh_token": "",
            "refresh_token_expire_time": 0,
        }
    )


@dataclass
class Session:
    """Use as `with ringcentral.session_for(resource) as rc:` (or without `with`; nothing to close)."""

    connector: Connector
    token_id: int
    owner_extension_id: str
    platform: TokenPlatform

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def __repr__(self) -> str:
        return f"<RingCentral session token #{self.token_id} extension {self.owner_extension_id}>"


def open_session(token: RingCentralToken) -> Session:
    token = oauth.fresh_token(token.pk)
    platform = oauth.app_platform(token.connector, platform_class=TokenPlatform)
    platform.token_id = token.pk
    load_access(platform, token)
    return Session(
        connector=token.connector,
        token_id=token.pk,
        owner_extension_id=token.owner_extension_id,
        platform=platform,
    )


def session_for(resource: Resource) -> Session:
    """A session with the resource's own authorization. AuthExpired if there is none or it is invalid."""
    token = RingCentralToken.objects.select_related("connector").filter(resource=resource).first()
    if token is None:
        raise AuthExpired(f"{resource} has not authorized RingCentral yet.")
    return open_session(token)


def connector_session(connector: Connector) -> Session:
    """A session with the connector's company-level token, logging in with the JWT if there is none."""
    token = RingCentralToken.objects.connector_level().filter(connector=connector).first()
    if token is None or not token.is_valid:
        # With a JWT credential no person is needed: log in again (the admin may have fixed it).
        if not connector.jwt_credential:
            raise AuthExpired("The RingCentral connector has no company-level authorization.")
        token = oauth.save_tokens(connector=connector, token_set=oauth.jwt_login(connector))
    return open_session(token)


def _query(params: dict | None) -> str:
    pairs: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, _text(v)) for v in values)
    return urlencode(pairs)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def with_query(path: str, params: dict | None) -> str:
    query = _query(params)
    if not query:
        return path
    return f"{path}{'&' if '?' in path else '?'}{query}"


def request(
    session: Session,
    method: str,
    path: str,
    *,
    body: dict | None = None,
    params: dict | None = None,
    stream: bool = False,
    headers: dict | None = None,
) -> ApiResponse:
    """Send one API request; on 401 reload (or force-refresh) the token once and retry."""
    try:
        return _send(session, method, path, body=body, params=params, stream=stream, headers=headers)
    except AuthExpired:
        refused = session.platform.auth().access_token()
        load_access(session.platform, oauth.fresh_token(session.token_id, stale_access_token=refused))
        logger.info("RingCentral %s %s retried with a renewed token #%s", method, path, session.token_id)
        return _send(session, method, path, body=body, params=params, stream=stream, headers=headers)


def _send(
    session: Session, method: str, path: str, *, body: Any, params: Any, stream: bool, headers: Any
) -> ApiResponse:
    # The SDK joins dict query params without encoding ("+00:00" would arrive as " 00:00"),
    # so the query is encoded here and the SDK gets a finished URL.
    client_request = TRANSPORT.create_request(
        method, with_query(path, params), body=body, headers=dict(headers or {})
    )
    prepared = session.platform.inflate_request(client_request)  # renews the token if needed
    return TRANSPORT.send(prepared, stream=stream)


def get_json(session: Session, path: str, *, params: dict | None = None) -> dict:
    return json_body(request(session, "GET", path, params=params), what=f"GET {path}")


def post_json(session: Session, path: str, *, body: dict | None = None) -> dict:
    response = request(session, "POST", path, body=body)
    if response.response().status_code == 204 or not response.response().content:
        return {}
    return json_body(response, what=f"POST {path}")

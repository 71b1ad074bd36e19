"""The only code that talks to RingCentral (through the official `ringcentral` SDK).

Import the module, not its names (`from telephony import ringcentral`; `ringcentral.answer(...)`),
so there is one place to look and one name to patch. Results are typed dataclasses; failures are
`RingCentralError` subclasses whose messages never contain a token.

    verifier, challenge = ringcentral.new_pkce()
    url = ringcentral.authorize_url(connector, redirect_uri=…, state=…, code_challenge=challenge)
    tokens = ringcentral.exchange_code(connector, code=…, verifier=verifier, redirect_uri=…)
    ringcentral.save_tokens(connector=connector, resource=resource, token_set=tokens)
    with ringcentral.session_for(resource) as rc:
        ringcentral.answer(rc, telephony_session_id=…, party_id=…, device_id=…)
"""

from telephony.ringcentral.account import current_extension, list_devices, list_extensions
from telephony.ringcentral.control import (
    answer,
    cancel_ring_out,
    drop,
    forward,
    get_call_session,
    hold,
    ignore,
    reject,
    ring_out,
    ring_out_status,
    set_muted,
    transfer,
    unhold,
)
from telephony.ringcentral.errors import (
    AppCredentialsRefused,
    AuthExpired,
    InvalidRequest,
    NotFound,
    RateLimited,
    RingCentralError,
    RingCentralUnavailable,
)
from telephony.ringcentral.history import (
    RecordingStream,
    call_log_pages,
    call_log_url,
    recording_content,
)
from telephony.ringcentral.oauth import (
    REFRESH_MARGIN_SECONDS,
    authorize_url,
    exchange_code,
    fresh_token,
    jwt_login,
    new_pkce,
    pkce_challenge,
    revoke,
    save_tokens,
)
from telephony.ringcentral.presence import Presence, call_out, get_presence, set_dnd_status
from telephony.ringcentral.session import Session, connector_session, session_for
from telephony.ringcentral.stream import TelephonyStream
from telephony.ringcentral.subscriptions import (
    create_webhook_subscription,
    delete_subscription,
    get_subscription,
    list_subscriptions,
    renew_subscription,
    update_subscription,
    ws_token,
)
from telephony.ringcentral.types import (
    CallEndpoint,
    CallLogLeg,
    CallLogPage,
    CallLogRecord,
    CallParty,
    CallSession,
    Device,
    Extension,
    RecordingInfo,
    RingOutStatus,
    SubscriptionInfo,
    TokenSet,
    WsToken,
)

__all__ = [
    "REFRESH_MARGIN_SECONDS",
    "AppCredentialsRefused",
    "AuthExpired",
    "CallEndpoint",
    "CallLogLeg",
    "CallLogPage",
    "CallLogRecord",
    "CallParty",
    "CallSession",
    "Device",
    "Extension",
    "InvalidRequest",
    "NotFound",
    "RateLimited",
    "Presence",
    "RecordingInfo",
    "RecordingStream",
    "RingCentralError",
    "RingCentralUnavailable",
    "RingOutStatus",
    "Session",
    "SubscriptionInfo",
    "TelephonyStream",
    "TokenSet",
    "WsToken",
    "answer",
    "authorize_url",
    "call_log_pages",
    "call_log_url",
    "call_out",
    "cancel_ring_out",
    "connector_session",
    "create_webhook_subscription",
    "current_extension",
    "delete_subscription",
    "drop",
    "exchange_code",
    "forward",
    "fresh_token",
    "get_call_session",
    "get_presence",
    "get_subscription",
    "hold",
    "ignore",
    "jwt_login",
    "list_devices",
    "list_extensions",
    "list_subscriptions",
    "new_pkce",
    "pkce_challenge",
    "recording_content",
    "reject",
    "renew_subscription",
    "revoke",
    "ring_out",
    "ring_out_status",
    "save_tokens",
    "session_for",
    "set_dnd_status",
    "set_muted",
    "transfer",
    "unhold",
    "update_subscription",
    "ws_token",
]

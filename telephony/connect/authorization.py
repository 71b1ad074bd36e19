"""Authorizing a staff member with RingCentral (OAuth auth-code flow with state and PKCE S256).

The state is random, bound to the user's session and single-use; the PKCE verifier never leaves
the server. After the code exchange the tokens are stored encrypted and the connection is set up
(extension linked, subscription created) by `subscriptions.resource_authorized`.
"""

import secrets
import time
from collections.abc import Mapping

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import Q

from arcadium.audit.services import Action, record
from crm.models import Resource
from telephony import ringcentral as rc
from telephony.connect import subscriptions
from telephony.connect.tasks import ensure_subscription_task
from telephony.models import Connector, RingCentralToken

SESSION_KEY = "ringcentral_oauth"
DECLINED_KEY = "ringcentral_declined"
STATE_TTL_SECONDS = 600


class AuthorizationFailed(Exception):
    """`pauses_redirect`: stop sending this session to RingCentral automatically (it would bounce
    the user straight back). A stray or forged callback link only explains itself: it must not
    switch anything off for the session that happens to open it."""

    def __init__(self, message: str, *, next_url: str = "", pauses_redirect: bool = True) -> None:
        super().__init__(message)
        self.next_url = next_url
        self.pauses_redirect = pauses_redirect


def _connector(resource: Resource) -> Connector:
    connector = Connector.objects.filter(entity_id=resource.entity_id).first()
    if connector is None or not connector.is_configured:
        raise AuthorizationFailed(
            "Your company is not ready for RingCentral yet: ask Arcadium support to get your system ready."
        )
    return connector


def start(*, session: SessionBase, resource: Resource, next_url: str, redirect_uri: str) -> str:
    """Remember a fresh state + verifier in the session and return RingCentral's authorize URL."""
    if not resource.ringcentral_enabled:
        raise AuthorizationFailed(
            "RingCentral is not enabled for you: ask an administrator to tick it on your resource."
        )
    connector = _connector(resource)
    verifier, challenge = rc.new_pkce()
    state = secrets.token_urlsafe(24)
    pending = {
        key: value
        for key, value in session.get(SESSION_KEY, {}).items()
        if value.get("created", 0) > time.time() - STATE_TTL_SECONDS
    }
    pending[state] = {"verifier": verifier, "next": next_url, "resource": resource.pk, "created": time.time()}
    session[SESSION_KEY] = pending
    session.pop(DECLINED_KEY, None)
    return rc.authorize_url(connector, redirect_uri=redirect_uri, state=state, code_challenge=challenge)


def _claim_state(session: SessionBase, state: str, resource: Resource) -> dict:
    pending = session.get(SESSION_KEY, {})
    entry = pending.pop(state, None) if state else None
    session[SESSION_KEY] = pending  # the state is single-use, whatever happens next
    if entry is None or entry.get("resource") != resource.pk:
        raise AuthorizationFailed(
            "This RingCentral sign-in link is not valid any more. Please try again.", pauses_redirect=False
        )
    if entry.get("created", 0) <= time.time() - STATE_TTL_SECONDS:
        raise AuthorizationFailed(
            "The RingCentral sign-in took too long. Please try again.", next_url=entry["next"]
        )
    return entry


def complete(
    *, session: SessionBase, resource: Resource, params: Mapping[str, str], redirect_uri: str
) -> str:
    """Handle RingCentral's redirect back. Returns where to send the user next."""
    entry = _claim_state(session, params.get("state", ""), resource)
    if params.get("error"):
        raise AuthorizationFailed(
            "RingCentral was not authorized, so Arcadium cannot show your calls. "
            "Click the red phone icon and choose Authorize when you are ready.",
            next_url=entry["next"],
        )
    code = params.get("code", "")
    if not code:
        raise AuthorizationFailed(
            "RingCentral did not send an authorization code. Please try again.", next_url=entry["next"]
        )
    connector = _connector(resource)
    try:
        tokens = rc.exchange_code(connector, code=code, verifier=entry["verifier"], redirect_uri=redirect_uri)
        token = _store_if_expected(
            connector=connector, resource=resource, tokens=tokens, next_url=entry["next"]
        )
        if not subscriptions.resource_authorized(resource=resource, token=token):
            transaction.on_commit(lambda: ensure_subscription_task.delay(resource.pk), robust=True)
    except rc.RingCentralError as exc:
        raise AuthorizationFailed(
            f"RingCentral authorization failed: {exc.message}", next_url=entry["next"]
        ) from exc
    return entry["next"]


def _store_if_expected(
    *, connector: Connector, resource: Resource, tokens: rc.TokenSet, next_url: str
) -> RingCentralToken:
    """Store the tokens only if they belong to the extension this resource may link; otherwise
    revoke them at RingCentral, keep nothing, and say which extension is which."""
    with transaction.atomic():
        token = rc.save_tokens(connector=connector, resource=resource, token_set=tokens)
        with rc.session_for(resource) as session:
            extension = rc.current_extension(session)
        refusal = linking_refusal(connector=connector, resource=resource, extension=extension)
        if refusal is None:
            return token
        rc.revoke(token)
        transaction.set_rollback(True)  # the stored token (and any overwrite of an older one) goes
    record(action=Action.LINK_REFUSED, actor=resource.user, entity_id=resource.entity_id, summary=refusal)
    raise AuthorizationFailed(refusal, next_url=next_url)


def linking_refusal(*, connector: Connector, resource: Resource, extension: rc.Extension) -> str | None:
    """Why `resource` may not link the RingCentral `extension` (None when it may): it must be the
    extension mapped to the resource, or, when none is, one of the company's own account that no
    colleague holds."""
    signed_in = f"extension {extension.extension_number or extension.id}"
    if extension.name:
        signed_in += f" ({extension.name})"
    expected = resource.ringcentral_extension_number or resource.ringcentral_extension_id
    wants = f"extension {expected}" if expected else "an extension of your own"
    advice = (
        f"Nothing was saved: sign in again with {wants}, or ask your administrator to change the mapping."
    )
    held = Q(ringcentral_extension_id=extension.id)
    if extension.extension_number:
        held |= Q(ringcentral_extension_number=extension.extension_number, ringcentral_extension_id="")
    holder = Resource.objects.filter(held, entity_id=resource.entity_id).exclude(pk=resource.pk).first()
    if holder is not None:
        return (
            f"You signed in to RingCentral as {signed_in}, which your company has given to "
            f"{holder.display_name}; your company expects you to use {wants}. {advice}"
        )
    if expected and not (
        extension.id == resource.ringcentral_extension_id
        or (not resource.ringcentral_extension_id and extension.extension_number == expected)
    ):
        return f"You signed in to RingCentral as {signed_in}, but your company expects you to use {wants}. {advice}"
    if not expected and connector.account_id and extension.account_id not in ("", connector.account_id):
        return (
            f"You signed in to RingCentral as {signed_in} of another RingCentral account; your company "
            f"expects you to use an extension of its own account. {advice}"
        )
    return None


def needs_authorization(resource: Resource | None) -> bool:
    """Ticked, the company is set up and switched on, and no usable token: send them to RingCentral."""
    if resource is None or not resource.ringcentral_enabled:
        return False
    connector = Connector.objects.filter(entity_id=resource.entity_id).first()
    if connector is None or not connector.is_configured or connector.switched_off:
        return False
    return not resource.__class__.objects.filter(pk=resource.pk, ringcentral_token__is_valid=True).exists()

"""OAuth through the simulator's real pages: PKCE authorize URL, code exchange, refresh rotation,
revoke, JWT, and the authorization being marked as needed when RingCentral refuses a refresh."""

import base64
import hashlib
import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import IntegrityError
from django.utils import timezone

from telephony import ringcentral
from telephony.models import RingCentralToken
from tests.ringcentral_helpers import (
    REDIRECT_URI,
    authorize_resource,
    code_from_pages,
    make_connector,
    record_requests,
    secrets_of,
)

ALICE_ID = "62264001"
ADMIN_ID = "37439510"


@pytest.fixture
def connector(simulator, db):
    return make_connector(simulator)


def expire_locally(token: RingCentralToken) -> None:
    RingCentralToken.objects.filter(pk=token.pk).update(
        access_expires_at=timezone.now() + timedelta(seconds=5)
    )


def test_pkce_pair_is_s256():
    verifier, challenge = ringcentral.new_pkce()
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == expected
    assert len(verifier) == 43 and "=" not in verifier + challenge
    assert ringcentral.new_pkce()[0] != verifier
    # The pair from RingCentral's PKCE guide.
    guide_verifier = "pIUgx4tiqFpaOUz0HMc_QbIyQlL901w8mRmkrmhEJ_E"
    assert ringcentral.pkce_challenge(guide_verifier) == "_drLS7o5FwkfUiBhlq2hwJnK_SC6yE7sKOde5O1fdzk"


def test_authorize_url_carries_state_and_challenge(connector):
    url = ringcentral.authorize_url(
        connector, redirect_uri=REDIRECT_URI, state="st-42", code_challenge="ch-1"
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{connector.server_url}/restapi/oauth/authorize"
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": [connector.client_id],
        "redirect_uri": [REDIRECT_URI],
        "state": ["st-42"],
        "code_challenge": ["ch-1"],
        "code_challenge_method": ["S256"],
    }


def test_it_exchanges_the_code_from_the_login_pages(connector):
    token = authorize_resource(connector, username="101")

    token.refresh_from_db()
    assert token.is_valid and token.owner_extension_id == ALICE_ID
    assert token.access_token and token.refresh_token
    assert token.access_expires_at > timezone.now() + timedelta(minutes=5)
    assert token.refresh_expires_at > token.access_expires_at
    with ringcentral.session_for(token.resource) as rc:
        me = ringcentral.current_extension(rc)
    assert (me.id, me.extension_number, me.name) == (ALICE_ID, "101", "Alice Martin")


def test_a_wrong_verifier_is_refused_and_nothing_is_stored(connector):
    code, _verifier = code_from_pages(connector)
    other_verifier, _ = ringcentral.new_pkce()

    with pytest.raises(ringcentral.InvalidRequest) as caught:
        ringcentral.exchange_code(connector, code=code, verifier=other_verifier, redirect_uri=REDIRECT_URI)

    assert caught.value.status == 400
    assert code not in str(caught.value) and other_verifier not in str(caught.value)
    assert not RingCentralToken.objects.exists()


def test_a_code_works_only_once(connector):
    code, verifier = code_from_pages(connector)
    ringcentral.exchange_code(connector, code=code, verifier=verifier, redirect_uri=REDIRECT_URI)
    with pytest.raises(ringcentral.InvalidRequest):
        ringcentral.exchange_code(connector, code=code, verifier=verifier, redirect_uri=REDIRECT_URI)


def test_a_fresh_token_is_used_without_a_token_request(connector, monkeypatch):
    token = authorize_resource(connector)
    sent = record_requests(monkeypatch)

    assert ringcentral.fresh_token(token.pk).access_token == token.access_token
    assert sent == []


def test_refresh_rotates_tokens_and_the_old_refresh_token_is_refused(connector, monkeypatch):
    token = authorize_resource(connector)
    old_access, old_refresh = token.access_token, token.refresh_token
    expire_locally(token)
    sent = record_requests(monkeypatch)

    new_access = ringcentral.fresh_token(token.pk).access_token

    assert sent == ["POST /restapi/oauth/token"]
    token.refresh_from_db()
    assert new_access == token.access_token != old_access
    assert token.refresh_token != old_refresh and token.is_valid
    with ringcentral.session_for(token.resource) as rc:
        assert ringcentral.current_extension(rc).id == ALICE_ID
    # Replaying the used refresh token: RingCentral refuses it, so that authorization is dead.
    replay = RingCentralToken.objects.create(
        connector=connector,
        access_token=old_access,
        refresh_token=old_refresh,
        access_expires_at=timezone.now(),
    )
    with pytest.raises(ringcentral.AuthExpired) as caught:
        ringcentral.fresh_token(replay.pk)
    replay.refresh_from_db()
    assert not replay.is_valid
    assert old_refresh not in str(caught.value)


def test_an_invalid_authorization_is_not_refreshed_again(connector, monkeypatch):
    token = authorize_resource(connector)
    RingCentralToken.objects.filter(pk=token.pk).update(is_valid=False)
    sent = record_requests(monkeypatch)
    with pytest.raises(ringcentral.AuthExpired, match="authorize again"):
        ringcentral.session_for(token.resource)
    assert sent == []


def test_a_token_the_server_expired_is_renewed_once_and_the_call_succeeds(connector, simulator, monkeypatch):
    token = authorize_resource(connector)
    rc = ringcentral.session_for(token.resource)
    simulator.control.expire_access_tokens("101")
    sent = record_requests(monkeypatch)

    assert ringcentral.current_extension(rc).id == ALICE_ID

    assert sent == [
        "GET /restapi/v1.0/account/~/extension/~",
        "POST /restapi/oauth/token",
        "GET /restapi/v1.0/account/~/extension/~",
    ]
    token.refresh_from_db()
    assert token.is_valid and rc.platform.auth().access_token() == token.access_token


def test_revoke_ends_the_session_and_the_next_call_needs_authorization(connector):
    token = authorize_resource(connector)
    rc = ringcentral.session_for(token.resource)

    assert ringcentral.revoke(token) is True

    with pytest.raises(ringcentral.AuthExpired):
        ringcentral.current_extension(rc)
    token.refresh_from_db()
    assert not token.is_valid


def test_revoke_failure_is_reported_not_raised(connector, simulator):
    token = authorize_resource(connector)
    simulator.stop()
    assert ringcentral.revoke(token) is False


def test_jwt_login_gives_a_company_level_session(simulator, db, monkeypatch):
    connector = make_connector(simulator, jwt_credential=simulator.control.jwt("100"))

    with ringcentral.connector_session(connector) as rc:
        me = ringcentral.current_extension(rc)
    assert me.id == ADMIN_ID
    token = RingCentralToken.objects.connector_level().get(connector=connector)
    assert token.owner_extension_id == ADMIN_ID and token.is_valid

    sent = record_requests(monkeypatch)
    with ringcentral.connector_session(connector) as rc:  # reuses the stored token
        ringcentral.current_extension(rc)
    assert sent == ["GET /restapi/v1.0/account/~/extension/~"]
    assert RingCentralToken.objects.filter(connector=connector).count() == 1


def test_a_connector_has_at_most_one_company_level_token(connector):
    RingCentralToken.objects.create(connector=connector, access_token="a")
    with pytest.raises(IntegrityError):
        RingCentralToken.objects.create(connector=connector, access_token="b")


def test_a_refused_jwt_is_an_invalid_request(simulator, db):
    connector = make_connector(simulator, jwt_credential="not-a-valid-jwt")
    with pytest.raises(ringcentral.InvalidRequest) as caught:
        ringcentral.jwt_login(connector)
    assert "not-a-valid-jwt" not in str(caught.value)


def test_no_token_or_secret_reaches_the_logs(connector, simulator, caplog):
    caplog.set_level(logging.DEBUG)
    token = authorize_resource(connector)
    seen = set(secrets_of(token))
    expire_locally(token)
    ringcentral.fresh_token(token.pk)
    seen.update(secrets_of(token))
    simulator.control.expire_access_tokens("101")
    with ringcentral.session_for(token.resource) as rc:
        ringcentral.current_extension(rc)
    seen.update(secrets_of(token))
    ringcentral.revoke(token)
    with pytest.raises(ringcentral.AuthExpired) as caught:
        ringcentral.current_extension(rc)

    assert "RingCentral POST /restapi/oauth/token -> 200" in caplog.text
    assert len(seen) >= 6  # three access tokens, three refresh tokens, the client secret
    for secret in seen:
        assert secret not in caplog.text
        assert secret not in str(caught.value)


def test_a_company_token_whose_refresh_is_refused_logs_in_again_with_the_jwt(simulator, db, monkeypatch):
    connector = make_connector(simulator, jwt_credential=simulator.control.jwt("100"))
    ringcentral.connector_session(connector)
    token = RingCentralToken.objects.connector_level().get(connector=connector)
    RingCentralToken.objects.filter(pk=token.pk).update(
        access_expires_at=timezone.now(), refresh_token="a-refresh-token-ringcentral-never-issued"
    )
    sent = record_requests(monkeypatch)

    with ringcentral.connector_session(connector) as rc:
        assert ringcentral.current_extension(rc).id == ADMIN_ID

    assert sent.count("POST /restapi/oauth/token") == 2  # refused refresh, then the JWT grant
    token.refresh_from_db()
    assert token.is_valid and token.refresh_token != "a-refresh-token-ringcentral-never-issued"


def test_an_invalid_company_token_is_replaced_through_the_jwt(simulator, db):
    connector = make_connector(simulator, jwt_credential=simulator.control.jwt("100"))
    ringcentral.connector_session(connector)
    RingCentralToken.objects.connector_level().update(is_valid=False)

    with ringcentral.connector_session(connector) as rc:
        assert ringcentral.current_extension(rc).id == ADMIN_ID
    assert RingCentralToken.objects.connector_level().get(connector=connector).is_valid


def test_without_a_jwt_an_invalid_company_token_needs_an_admin(simulator, db):
    connector = make_connector(simulator)
    RingCentralToken.objects.create(connector=connector, access_token="x", is_valid=False)
    with pytest.raises(ringcentral.AuthExpired, match="company-level"):
        ringcentral.connector_session(connector)

"""RingCentral failures become our exceptions with clear messages and no token in them:
5xx, 401, 404, 429 with Retry-After, timeouts, malformed JSON, and RingCentral being down."""

import logging
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from telephony import ringcentral
from telephony.models import RingCentralToken
from telephony.ringcentral.session import get_json
from tests.ringcentral_helpers import authorize_resource, make_connector, secrets_of
from tests.simulator_fixture import DEMO_CLIENT_SECRET

EXTENSION_PATH = r"/restapi/v1.0/account/[^/]+/extension/~$"


@pytest.fixture
def token(simulator, db):
    return authorize_resource(make_connector(simulator))


@pytest.fixture
def rc(token):
    return ringcentral.session_for(token.resource)


def assert_no_secret(token: RingCentralToken, *texts: str) -> None:
    for secret in secrets_of(token):
        for text in texts:
            assert secret not in text


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_unavailable(simulator, token, rc, status):
    simulator.control.add_fault(EXTENSION_PATH, status=status)
    with pytest.raises(ringcentral.RingCentralUnavailable) as caught:
        ringcentral.current_extension(rc)
    assert caught.value.status == status and caught.value.error_code == "CMN-201"
    assert f"HTTP {status}" in str(caught.value)
    assert_no_secret(token, str(caught.value))


def test_a_refused_authorization_is_auth_expired(simulator, token, rc, caplog):
    simulator.control.add_fault(EXTENSION_PATH, status=401)
    with pytest.raises(ringcentral.AuthExpired) as caught:
        ringcentral.current_extension(rc)
    assert caught.value.status == 401
    assert_no_secret(token, str(caught.value), caplog.text)


def test_a_missing_resource_is_not_found(token, rc):
    with pytest.raises(ringcentral.NotFound) as caught:
        get_json(rc, "/restapi/v1.0/account/~/recording/999999999")
    assert caught.value.status == 404 and caught.value.error_code == "CMN-102"


def test_rate_limit_gives_retry_after_from_the_response(simulator, token, rc):
    simulator.control.set_limits(enabled=True, Light=2, window=60)
    ringcentral.current_extension(rc)
    ringcentral.current_extension(rc)

    with pytest.raises(ringcentral.RateLimited) as caught:
        ringcentral.current_extension(rc)

    raw = requests.get(
        f"{simulator.url}/restapi/v1.0/account/~/extension/~",
        headers={"Authorization": f"Bearer {rc.platform.auth().access_token()}"},
        timeout=5,
    )
    assert raw.status_code == 429
    assert abs(caught.value.retry_after - float(raw.headers["Retry-After"])) <= 2
    assert caught.value.retry_after > 0 and caught.value.error_code == "CMN-301"
    assert "retry in" in str(caught.value)


def test_a_slow_answer_times_out(simulator, token, rc, settings):
    settings.RINGCENTRAL_TIMEOUT_SECONDS = 0.3
    simulator.control.add_fault(EXTENSION_PATH, delay_ms=1500, count=1)
    with pytest.raises(ringcentral.RingCentralUnavailable, match="did not answer within"):
        ringcentral.current_extension(rc)


def test_malformed_json_is_unavailable(simulator, token, rc):
    simulator.control.add_fault(EXTENSION_PATH, malformed=True)
    with pytest.raises(ringcentral.RingCentralUnavailable, match="not valid JSON"):
        ringcentral.current_extension(rc)


def test_a_malformed_token_answer_does_not_lose_the_authorization(simulator, token):
    RingCentralToken.objects.filter(pk=token.pk).update(access_expires_at=timezone.now())
    simulator.control.add_fault(r"^/restapi/oauth/token$", malformed=True)

    with pytest.raises(ringcentral.RingCentralUnavailable):
        ringcentral.fresh_token(token.pk)

    token.refresh_from_db()
    assert token.is_valid  # a broken answer is not a refusal: retry later with the same tokens
    simulator.control.clear_faults()
    assert ringcentral.fresh_token(token.pk).access_token != ""


def test_ringcentral_down_is_unavailable_and_keeps_the_authorization(simulator, token, rc, caplog):
    caplog.set_level(logging.INFO)
    simulator.stop()

    with pytest.raises(ringcentral.RingCentralUnavailable, match="cannot be reached") as caught:
        ringcentral.current_extension(rc)
    RingCentralToken.objects.filter(pk=token.pk).update(
        access_expires_at=timezone.now() + timedelta(seconds=1)
    )
    with pytest.raises(ringcentral.RingCentralUnavailable):
        ringcentral.fresh_token(token.pk)

    token.refresh_from_db()
    assert token.is_valid
    assert_no_secret(token, str(caught.value), caplog.text)
    simulator.start()
    with ringcentral.session_for(token.resource) as again:
        assert ringcentral.current_extension(again).extension_number == "101"


def test_wrong_app_credentials_are_a_connector_problem_not_a_lost_authorization(simulator, token):
    connector = token.connector
    connector.client_secret = "wrong-secret"
    connector.save()
    RingCentralToken.objects.filter(pk=token.pk).update(access_expires_at=timezone.now())

    with pytest.raises(ringcentral.AppCredentialsRefused) as caught:
        ringcentral.fresh_token(token.pk)

    assert (caught.value.status, caught.value.error_code) == (401, "OAU-146")
    assert "check the connector settings" in str(caught.value) and "wrong-secret" not in str(caught.value)
    token.refresh_from_db()
    assert token.is_valid  # fixed credentials make it work again, without asking the user
    connector.client_secret = DEMO_CLIENT_SECRET
    connector.save()
    assert ringcentral.fresh_token(token.pk).access_token != ""

"""RingCentral refresh tokens are single-use: concurrent refreshes must be serialized so only one
token request is made and every caller ends up with the same, working access token."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from telephony import ringcentral
from telephony.models import RingCentralToken
from tests.ringcentral_helpers import authorize_resource, make_connector, record_requests

pytestmark = pytest.mark.django_db(transaction=True)


def refresh_in_threads(token_id: int, count: int) -> tuple[list[str], list[BaseException]]:
    barrier = threading.Barrier(count)
    results: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            results.append(ringcentral.fresh_token(token_id).access_token)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_two_concurrent_refreshes_make_one_token_request(simulator, monkeypatch):
    connector = make_connector(simulator)
    token = authorize_resource(connector)
    old_access = token.access_token
    RingCentralToken.objects.filter(pk=token.pk).update(
        access_expires_at=timezone.now() + timedelta(seconds=10)
    )
    # Hold the first refresh open long enough that the second caller surely waits on the row lock.
    simulator.control.add_fault(r"^/restapi/oauth/token$", delay_ms=700)
    sent = record_requests(monkeypatch)

    results, errors = refresh_in_threads(token.pk, 2)

    assert errors == []
    assert sent.count("POST /restapi/oauth/token") == 1
    token.refresh_from_db()
    assert results == [token.access_token, token.access_token]
    assert token.access_token != old_access and token.is_valid
    simulator.control.clear_faults()
    with ringcentral.session_for(token.resource) as rc:  # the shared token works at RingCentral
        assert ringcentral.current_extension(rc).extension_number == "101"


def test_a_refused_refresh_under_contention_marks_the_token_invalid_once(simulator, monkeypatch):
    connector = make_connector(simulator)
    token = authorize_resource(connector)
    RingCentralToken.objects.filter(pk=token.pk).update(
        access_expires_at=timezone.now(), refresh_token="a-refresh-token-ringcentral-never-issued"
    )
    sent = record_requests(monkeypatch)

    results, errors = refresh_in_threads(token.pk, 2)

    assert results == []
    assert len(errors) == 2 and all(isinstance(e, ringcentral.AuthExpired) for e in errors)
    assert sent.count("POST /restapi/oauth/token") == 1  # the second caller saw the invalid mark
    token.refresh_from_db()
    assert not token.is_valid

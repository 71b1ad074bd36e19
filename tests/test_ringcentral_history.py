"""Call-log pages over a date window (paging, typed records, 429 and resume) and recordings
(metadata, streamed content, HTTP Range), all served by the simulator."""

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from telephony import ringcentral
from telephony.ringcentral.session import get_json
from telephony.ringcentral.types import RecordingInfo
from tests.ringcentral_helpers import authorize_resource, make_connector

ALICE_ID = "62264001"


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def admin(simulator, db):
    """A company-level session (admin JWT), as the call-log sync uses."""
    connector = make_connector(simulator, jwt_credential=simulator.control.jwt("100"))
    return ringcentral.connector_session(connector)


def add_call(simulator, *, at, extension="101", n=0, recorded=False, direction="Inbound") -> dict:
    return simulator.control.add_call_log_record(
        extension=extension,
        telephony_session_id=f"s-test{n:04d}",
        session_id=f"9000{n:04d}",
        direction=direction,
        from_number=f"+1514555{n:04d}",
        from_name=f"Caller {n}",
        to_number="+16505550101",
        to_name="Alice Martin",
        start_time=at.isoformat(),
        duration=30 + n,
        result="Accepted",
        recorded=recorded,
    )


@pytest.fixture
def window_calls(simulator, now):
    """Five calls inside [now-4h, now-1h] and two outside it."""
    inside = [add_call(simulator, at=now - timedelta(hours=3, minutes=i * 10), n=i) for i in range(5)]
    add_call(simulator, at=now - timedelta(hours=6), n=50)
    add_call(simulator, at=now - timedelta(minutes=20), n=51)
    return inside


def test_it_pages_through_a_date_window(admin, window_calls, now):
    pages = list(
        ringcentral.call_log_pages(
            admin, date_from=now - timedelta(hours=4), date_to=now - timedelta(hours=1), per_page=2
        )
    )

    assert [p.page for p in pages] == [1, 2, 3]
    assert [len(p.records) for p in pages] == [2, 2, 1]
    assert [p.next_url is None for p in pages] == [False, False, True]
    assert {r.id for p in pages for r in p.records} == {c["id"] for c in window_calls}


def test_records_are_typed(admin, simulator, now):
    call = add_call(simulator, at=now - timedelta(hours=2), n=7, recorded=True)
    [page] = ringcentral.call_log_pages(admin, date_from=now - timedelta(hours=3), date_to=now)
    [record] = page.records

    assert record.id == call["id"] and record.recording_id == call["recording_id"]
    assert (record.telephony_session_id, record.session_id) == ("s-test0007", "90000007")
    assert record.start_time == now - timedelta(hours=2)
    assert (record.duration, record.direction, record.result, record.type) == (
        37,
        "Inbound",
        "Accepted",
        "Voice",
    )
    assert (record.from_.phone_number, record.from_.name) == ("+15145550007", "Caller 7")
    assert record.to.phone_number == "+16505550101" and record.extension_id == ALICE_ID
    assert record.recording_content_uri.endswith(f"/recording/{call['recording_id']}/content")
    assert record.legs and record.legs[0].master  # Detailed view


def test_extension_level_log_holds_only_the_users_calls(simulator, db, now):
    token = authorize_resource(make_connector(simulator), username="101")
    add_call(simulator, at=now - timedelta(hours=2), extension="101", n=1)
    add_call(simulator, at=now - timedelta(hours=2), extension="102", n=2)

    with ringcentral.session_for(token.resource) as rc:
        pages = list(
            ringcentral.call_log_pages(
                rc, date_from=now - timedelta(hours=3), date_to=now, account_level=False, view="Simple"
            )
        )
    assert [r.session_id for p in pages for r in p.records] == ["90000001"]


def test_a_rate_limit_mid_sync_can_resume_from_the_refused_page(admin, simulator, window_calls, now):
    simulator.control.set_limits(enabled=True, Heavy=2, window=60)
    seen: list[str] = []
    pages = ringcentral.call_log_pages(
        admin, date_from=now - timedelta(hours=4), date_to=now - timedelta(hours=1), per_page=2
    )
    with pytest.raises(ringcentral.RateLimited) as caught:
        for page in pages:
            seen.extend(r.id for r in page.records)

    assert len(seen) == 4 and caught.value.retry_after > 0
    assert caught.value.resume_url and "page=3" in caught.value.resume_url
    simulator.control.set_limits(enabled=False)  # i.e. the wait is over
    rest = ringcentral.call_log_pages(admin, start_url=caught.value.resume_url)
    seen.extend(r.id for p in rest for r in p.records)
    assert sorted(seen) == sorted(c["id"] for c in window_calls)


def test_recording_metadata_and_content_with_range(admin, simulator, now):
    call = add_call(simulator, at=now - timedelta(hours=1), n=3, recorded=True)

    info = RecordingInfo.from_api(
        get_json(admin, f"/restapi/v1.0/account/~/recording/{call['recording_id']}")
    )
    assert info.id == call["recording_id"] and info.content_type.startswith("audio/")
    with ringcentral.recording_content(admin, info.id, content_uri=info.content_uri) as whole:
        assert whole.status == 200 and whole.content_type.startswith("audio/")
        data = b"".join(whole.iter_content(4096))
    assert data[:4] == b"RIFF" and int(whole.content_length) == len(data)

    part = ringcentral.recording_content(admin, info.id, range_header="bytes=100-199")
    chunk = b"".join(part.iter_content())
    assert part.status == 206 and part.content_range == f"bytes 100-199/{len(data)}"
    assert chunk == data[100:200] and part.accept_ranges == "bytes"


def test_an_unsatisfiable_range_is_an_invalid_request(admin, simulator, now):
    call = add_call(simulator, at=now - timedelta(hours=1), n=4, recorded=True)
    with pytest.raises(ringcentral.InvalidRequest) as caught:
        ringcentral.recording_content(admin, call["recording_id"], range_header="bytes=999999999-")
    assert caught.value.status == 416


def test_a_content_uri_on_a_foreign_host_is_not_sent_the_token(admin, simulator, now, monkeypatch):
    call = add_call(simulator, at=now - timedelta(hours=1), n=5, recorded=True)
    hosts: list[str] = []
    original = requests.Session.send

    def spy(self, request, **kwargs):
        hosts.append(request.url.split("/")[2])
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", spy)
    stream = ringcentral.recording_content(
        admin, call["recording_id"], content_uri="https://evil.example/steal/content"
    )
    stream.close()
    assert stream.status == 200 and hosts == [simulator.url.split("/")[2]]

"""Recording proxy: permission, reasons when unavailable, streaming with HTTP Range, no RingCentral
URL or token in what the browser gets."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from telephony.history import sync
from telephony.models import Call, RingCentralToken
from tests.test_sync_support import add_record, alice, connect, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded_call(entity, customer, simulator_settings):
    alice(entity)
    connector = connect(entity, simulator_settings)
    record = add_record(simulator_settings, number="+12125550100", recorded=True, duration=30)
    assert sync.connector_sync(connector_id=connector.pk).result == "ok"
    return Call.objects.get(call_log_id=record["id"])


def audio_url(call) -> str:
    return reverse("telephony-call-recording", args=[call.pk])


def test_a_permitted_user_streams_the_recording_and_can_seek(
    staff_client, resource, recorded_call, simulator
):
    grant(resource.user, "listen_recordings")
    whole = staff_client.get(audio_url(recorded_call))
    assert whole.status_code == 200 and whole["Content-Type"].startswith("audio/")
    body = b"".join(whole.streaming_content)
    assert body[:4] == b"RIFF" and int(whole["Content-Length"]) == len(body)
    assert whole["Accept-Ranges"] == "bytes"

    part = staff_client.get(audio_url(recorded_call), HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(body)}"
    assert b"".join(part.streaming_content) == body[100:200]


def test_the_detail_page_plays_through_our_url_only(staff_client, resource, recorded_call, simulator):
    grant(resource.user, "listen_recordings")
    html = staff_client.get(reverse("callreports-call-detail", args=[recorded_call.pk])).content.decode()
    audio = BeautifulSoup(html, "html.parser").select_one("audio#recording-audio")
    assert audio["src"] == audio_url(recorded_call)
    token = RingCentralToken.objects.get(resource=None)
    assert simulator.url not in html and token.access_token not in html and "/restapi/" not in html


def test_without_the_permission_it_is_403_and_the_page_says_why(staff_client, recorded_call):
    assert staff_client.get(audio_url(recorded_call)).status_code == 403
    page = BeautifulSoup(
        staff_client.get(reverse("callreports-call-detail", args=[recorded_call.pk])).content, "html.parser"
    )
    assert page.select_one("audio") is None
    assert "permission to listen" in page.select_one(".recording-unavailable").get_text()


def test_a_call_without_recording_is_404_with_the_reason(staff_client, resource, recorded_call):
    grant(resource.user, "listen_recordings")
    Call.objects.filter(pk=recorded_call.pk).update(recording_id="")
    response = staff_client.get(audio_url(recorded_call))
    assert response.status_code == 404 and b"Not recorded" in response.content


def test_a_recording_ringcentral_no_longer_has_is_404_with_the_reason(staff_client, resource, recorded_call):
    grant(resource.user, "listen_recordings")
    Call.objects.filter(pk=recorded_call.pk).update(recording_id="999999")
    response = staff_client.get(audio_url(recorded_call))
    assert response.status_code == 404 and b"no longer has this recording" in response.content


def test_ringcentral_down_is_502_with_a_reason(staff_client, resource, recorded_call, simulator):
    grant(resource.user, "listen_recordings")
    simulator.stop()
    response = staff_client.get(audio_url(recorded_call))
    assert response.status_code == 502 and b"Recording unavailable" in response.content

"""The recordings proxy: only audio reaches the browser under our origin, a refusal is the app's
own page with the reason, and playing (not seeking) is audited."""

import pytest
from bs4 import BeautifulSoup

from arcadium.audit.models import AuditEvent
from tests.test_recordings import audio_url, recorded_call  # noqa: F401 (the fixture)
from tests.test_sync_support import grant

pytestmark = pytest.mark.django_db


def test_a_refused_recording_is_the_apps_page_with_the_reason(staff_client, recorded_call):  # noqa: F811
    response = staff_client.get(audio_url(recorded_call))
    assert response.status_code == 403
    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one("header .brand") is not None  # the app's layout, not a bare "403 Forbidden"
    assert "You do not have permission to listen to call recordings." in page.get_text()


def test_a_non_audio_answer_from_ringcentral_is_not_passed_through(
    staff_client,
    resource,
    recorded_call,  # noqa: F811
    simulator,
):
    grant(resource.user, "listen_recordings")
    simulator.control.add_fault(r"/recording/", malformed=True)  # 200 application/json instead of audio
    response = staff_client.get(audio_url(recorded_call))
    assert response.status_code == 502
    assert response["Content-Type"].startswith("text/html")
    assert b"did not answer with audio" in response.content
    assert b'"records"' not in response.content
    assert not AuditEvent.objects.filter(action="recording_played").exists()


def test_playing_is_audited_and_seeking_is_not(staff_client, resource, recorded_call):  # noqa: F811
    grant(resource.user, "listen_recordings")
    b"".join(staff_client.get(audio_url(recorded_call)).streaming_content)
    b"".join(staff_client.get(audio_url(recorded_call), HTTP_RANGE="bytes=100-199").streaming_content)
    events = AuditEvent.objects.filter(action="recording_played")
    assert events.count() == 1
    assert (events.get().actor, events.get().entity_id) == (resource.user, resource.entity_id)

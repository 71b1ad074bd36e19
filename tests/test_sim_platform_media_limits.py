"""Contract: recordings (API.md §7), rate limits (§10) and fault injection, through the official SDK."""

import io
import time
import wave

import pytest
import requests
from ringcentral import SDK
from ringcentral.http.api_exception import ApiException

from tests.simulator_fixture import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET


@pytest.fixture
def platform(simulator):
    platform = SDK(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, simulator.url).platform()
    platform.login(jwt=simulator.control.jwt("101"))
    return platform


@pytest.fixture
def recording_id(simulator):
    made = simulator.control.add_call_log_record(
        extension="101",
        direction="Inbound",
        from_number="+12125550100",
        to_number="+16505550101",
        duration=42,
        result="Accepted",
        recorded=True,
    )
    return made["recording_id"]


def test_recording_metadata(platform, recording_id):
    body = platform.get(f"/restapi/v1.0/account/~/recording/{recording_id}").json_dict()
    assert body["id"] == recording_id
    assert body["contentType"] == "audio/wav" and body["duration"] == 42
    assert body["contentUri"].endswith(f"/restapi/v1.0/account/37439510/recording/{recording_id}/content")


def test_recording_content_is_real_wav_audio(platform, recording_id):
    response = platform.get(f"/restapi/v1.0/account/~/recording/{recording_id}/content").response()
    assert response.headers["Content-Type"] == "audio/wav"
    assert response.headers["Accept-Ranges"] == "bytes"
    with wave.open(io.BytesIO(response.content)) as audio:
        assert audio.getnchannels() == 1
        assert audio.getnframes() / audio.getframerate() >= 3
        assert any(audio.readframes(audio.getnframes()))


def test_recording_content_supports_range_requests(platform, recording_id):
    full = platform.get(f"/restapi/v1.0/account/~/recording/{recording_id}/content").response().content
    ranged = platform.get(
        f"/restapi/v1.0/account/~/recording/{recording_id}/content", headers={"Range": "bytes=100-199"}
    ).response()
    assert ranged.status_code == 206
    assert ranged.headers["Content-Range"] == f"bytes 100-199/{len(full)}"
    assert ranged.content == full[100:200]
    tail = platform.get(
        f"/restapi/v1.0/account/~/recording/{recording_id}/content", headers={"Range": "bytes=-50"}
    ).response()
    assert tail.status_code == 206 and tail.content == full[-50:]
    with pytest.raises(ApiException) as exc:
        platform.get(
            f"/restapi/v1.0/account/~/recording/{recording_id}/content",
            headers={"Range": f"bytes={len(full) + 10}-"},
        )
    assert exc.value.api_response().response().status_code == 416


def test_recording_content_needs_a_token_and_accepts_one_in_the_query(simulator, platform, recording_id):
    url = f"{simulator.url}/restapi/v1.0/account/~/recording/{recording_id}/content"
    assert requests.get(url, timeout=10).status_code == 401
    with_token = requests.get(url, params={"access_token": platform.auth().access_token()}, timeout=10)
    assert with_token.status_code == 200 and with_token.content[:4] == b"RIFF"


def test_unknown_recording_is_404(platform):
    with pytest.raises(ApiException) as exc:
        platform.get("/restapi/v1.0/account/~/recording/123/content")
    response = exc.value.api_response().response()
    assert response.status_code == 404
    assert response.json()["errors"][0] == {
        "errorCode": "CMN-102",
        "parameterName": "callRecordingId",
        "parameterValue": "123",
        "message": "Resource for parameter [callRecordingId] is not found",
    }


def test_every_api_answer_carries_rate_limit_headers_of_its_group(simulator, platform):
    simulator.control.set_limits(enabled=True)
    light = platform.get("/restapi/v1.0/account/~/extension/~").response().headers
    assert light["RCRequestId"]
    assert (light["X-Rate-Limit-Group"], light["X-Rate-Limit-Limit"], light["X-Rate-Limit-Window"]) == (
        "light",
        "50",
        "60",
    )
    assert light["X-Rate-Limit-Remaining"] == "49"
    medium = platform.get("/restapi/v1.0/account/~/extension").response().headers
    assert (medium["X-Rate-Limit-Group"], medium["X-Rate-Limit-Limit"]) == ("medium", "40")
    heavy = platform.get("/restapi/v1.0/account/~/call-log").response().headers
    assert (heavy["X-Rate-Limit-Group"], heavy["X-Rate-Limit-Limit"]) == ("heavy", "10")


def test_over_budget_is_429_with_retry_after_and_cmn_301(simulator, platform):
    simulator.control.set_limits(enabled=True, Heavy=2, window=30)
    remaining = [
        platform.get("/restapi/v1.0/account/~/call-log").response().headers["X-Rate-Limit-Remaining"]
        for _ in range(2)
    ]
    assert remaining == ["1", "0"]
    with pytest.raises(ApiException) as exc:
        platform.get("/restapi/v1.0/account/~/call-log")
    response = exc.value.api_response().response()
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
    assert response.headers["X-Rate-Limit-Remaining"] == "0"
    assert response.json() == {
        "errorCode": "CMN-301",
        "message": "Request rate exceeded",
        "errors": [{"errorCode": "CMN-301", "message": "Request rate exceeded"}],
    }
    # Other groups, and other users, have their own budgets.
    assert platform.get("/restapi/v1.0/account/~/extension/~").response().status_code == 200
    bob = SDK(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, simulator.url).platform()
    bob.login(jwt=simulator.control.jwt("102"))
    assert bob.get("/restapi/v1.0/account/~/call-log").response().status_code == 200


def test_the_penalty_lasts_a_window_and_then_requests_pass_again(simulator, platform):
    simulator.control.set_limits(enabled=True, Heavy=1, window=3)
    assert platform.get("/restapi/v1.0/account/~/call-log").response().status_code == 200
    with pytest.raises(ApiException) as exc:
        platform.get("/restapi/v1.0/account/~/call-log")
    assert exc.value.api_response().response().headers["Retry-After"] == "3"
    time.sleep(3.2)  # wait out the penalty the server announced
    assert platform.get("/restapi/v1.0/account/~/call-log").response().status_code == 200


def test_the_auth_group_limits_token_requests(simulator):
    simulator.control.set_limits(enabled=True, Auth=2)
    jwt = simulator.control.jwt("103")
    for _ in range(2):
        SDK(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, simulator.url).platform().login(jwt=jwt)
    with pytest.raises(ApiException) as exc:
        SDK(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, simulator.url).platform().login(jwt=jwt)
    response = exc.value.api_response().response()
    assert response.status_code == 429 and response.headers["X-Rate-Limit-Group"] == "auth"


def test_limits_can_be_switched_off(simulator, platform):
    simulator.control.set_limits(enabled=False, Heavy=1)
    for _ in range(3):
        assert platform.get("/restapi/v1.0/account/~/call-log").response().status_code == 200


def test_bad_limit_settings_are_refused(simulator):
    with pytest.raises(requests.HTTPError) as exc:
        simulator.control.set_limits(Enormous=3)
    assert (
        exc.value.response.status_code == 400
        and "unknown rate-limit group" in exc.value.response.json()["error"]
    )


@pytest.mark.parametrize("status", [500, 503])
def test_a_fault_fails_matching_requests_with_cmn_201_for_n_requests(simulator, platform, status):
    simulator.control.add_fault(r"/extension/[^/]+$", method="GET", status=status, count=2)
    for _ in range(2):
        with pytest.raises(ApiException) as exc:
            platform.get("/restapi/v1.0/account/~/extension/~")
        response = exc.value.api_response().response()
        assert response.status_code == status
        assert response.json()["errors"] == [
            {"errorCode": "CMN-201", "message": "Service Temporary Unavailable"}
        ]
    assert platform.get("/restapi/v1.0/account/~/extension/~").response().status_code == 200
    assert simulator.control.faults() == []


def test_a_fault_only_hits_matching_paths_and_methods_until_cleared(simulator, platform):
    simulator.control.add_fault("/call-log", status=503)
    assert platform.get("/restapi/v1.0/account/~/extension/~").response().status_code == 200
    for _ in range(3):
        with pytest.raises(ApiException):
            platform.get("/restapi/v1.0/account/~/call-log")
    assert simulator.control.faults()[0]["hits"] == 3
    simulator.control.clear_faults()
    assert platform.get("/restapi/v1.0/account/~/call-log").response().status_code == 200


def test_a_malformed_body_fault(simulator, platform):
    simulator.control.add_fault("/extension$", malformed=True, count=1)
    response = platform.get("/restapi/v1.0/account/~/extension")
    assert response.response().status_code == 200
    with pytest.raises(ValueError):
        response.json_dict()


def test_a_slow_answer_fault_trips_a_client_timeout(simulator, platform):
    simulator.control.add_fault("/extension/~$", delay_ms=1500, count=1)
    with pytest.raises(requests.Timeout):
        requests.get(
            f"{simulator.url}/restapi/v1.0/account/~/extension/~",
            timeout=0.5,
            headers={"Authorization": f"Bearer {platform.auth().access_token()}"},
        )


def test_reset_clears_faults_and_limits(simulator, platform):
    simulator.control.add_fault("/", status=500)
    simulator.control.set_limits(enabled=True, Light=1)
    simulator.control.reset()
    assert simulator.control.faults() == []
    assert simulator.control.limits()["limits"]["Light"] == 50


def test_the_simulator_can_be_stopped_to_show_an_outage(simulator):
    simulator.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{simulator.url}/_sim/health", timeout=2)
    simulator.start()
    assert simulator.control.health()["ok"] is True


def test_an_app_without_the_permission_gets_insufficient_permissions(simulator, recording_id):
    simulator.control.register_app(
        "narrow-app", client_secret="narrow-secret", permissions="ReadAccounts ReadCallLog"
    )
    platform = SDK("narrow-app", "narrow-secret", simulator.url).platform()
    platform.login(jwt=simulator.control.jwt("101"))
    assert platform.get("/restapi/v1.0/account/~/call-log").response().status_code == 200
    with pytest.raises(ApiException) as exc:
        platform.get(f"/restapi/v1.0/account/~/recording/{recording_id}/content")
    response = exc.value.api_response().response()
    message = "In order to call this API endpoint, application needs to have [ReadCallRecording] permission"
    assert response.status_code == 403
    assert response.json() == {
        "errorCode": "InsufficientPermissions",
        "message": message,
        "errors": [{"errorCode": "CMN-401", "message": message, "permissionName": "ReadCallRecording"}],
        "permissionName": "ReadCallRecording",
    }


def test_recording_metadata_batch(simulator, platform, recording_id):
    parts = platform.get(f"/restapi/v1.0/account/~/recording/{recording_id},1").multipart()
    assert [p.response().status_code for p in parts] == [200, 404]
    assert parts[0].json_dict()["id"] == recording_id

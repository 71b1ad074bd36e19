"""Contract: the simulator's OAuth, driven by the official `ringcentral` SDK (API.md §1)."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from ringcentral import SDK
from ringcentral.http.api_exception import ApiException

from tests.simulator_fixture import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    authorize_url,
    pkce_pair,
    sign_in_and_authorize,
)

REDIRECT = "http://127.0.0.1:8123/telephony/oauth/callback/"


def platform_for(simulator, client_id=DEMO_CLIENT_ID, secret=DEMO_CLIENT_SECRET):
    return SDK(client_id, secret, simulator.url).platform()


def error_of(exc: ApiException) -> tuple[int, dict]:
    response = exc.api_response().response()
    return response.status_code, response.json()


def get_code(simulator, **kwargs) -> dict:
    landing = sign_in_and_authorize(authorize_url(simulator.url, redirect_uri=REDIRECT, **kwargs))
    assert landing.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlsplit(landing).query).items()}


def test_it_shows_a_login_page_then_access_request_then_ok_got_it(simulator):
    url = authorize_url(simulator.url, redirect_uri=REDIRECT, state="xyz")
    http = requests.Session()
    login = BeautifulSoup(http.get(url, timeout=10).text, "html.parser")
    assert login.select_one("form#login-form input[name=password]") is not None
    assert "RingCentral simulator" in login.text
    fields = {i["name"]: i.get("value", "") for i in login.select("form#login-form input[name]")}
    page = http.post(url, data={**fields, "username": "102", "password": DEMO_PASSWORD}, timeout=10)
    access = BeautifulSoup(page.text, "html.parser")
    assert access.select_one("h1").text == "Access Request"
    assert "Arcadium Telephony (demo)" in access.text and "Bob Chen" in access.text
    assert "Edit and delete call log records" in access.text and "EditCallLog" not in access.text
    assert {b["value"] for b in access.select("button[name=step]")} == {"authorize", "deny"}
    fields = {i["name"]: i.get("value", "") for i in access.select("form input[name]")}
    ok = BeautifulSoup(http.post(url, data={**fields, "step": "authorize"}, timeout=10).text, "html.parser")
    link = ok.select_one("a#ok-got-it")
    assert link.text.strip() == "OK, got it"
    query = parse_qs(urlsplit(link["href"]).query)
    assert set(query) == {"code", "state", "expires_in"}
    assert query["state"] == ["xyz"] and query["expires_in"] == ["60"]


def test_it_refuses_a_wrong_password_on_the_login_page(simulator):
    with pytest.raises(requests.HTTPError) as exc:
        sign_in_and_authorize(authorize_url(simulator.url, redirect_uri=REDIRECT), password="wrong")
    assert exc.value.response.status_code == 401
    assert "Invalid phone number, extension or password" in exc.value.response.text


def test_it_accepts_email_and_direct_number_as_login(simulator):
    for login in ("carol@arcadium-demo.test", "+1 (650) 555-0103"):
        code = get_code_for(simulator, login)
        tokens = platform_for(simulator).login(code=code, redirect_uri=REDIRECT).json_dict()
        assert tokens["owner_id"] == "62264003"


def get_code_for(simulator, username):
    landing = sign_in_and_authorize(authorize_url(simulator.url, redirect_uri=REDIRECT), username=username)
    return parse_qs(urlsplit(landing).query)["code"][0]


def test_it_redirects_with_access_denied_when_the_user_denies(simulator):
    url = authorize_url(simulator.url, redirect_uri=REDIRECT, state="s1")
    landing = sign_in_and_authorize(url, approve=False)
    query = parse_qs(urlsplit(landing).query)
    assert landing.startswith(REDIRECT)
    assert query["error"] == ["access_denied"] and query["state"] == ["s1"] and query["error_description"]


def test_it_refuses_an_unregistered_redirect_uri_without_redirecting(simulator):
    url = authorize_url(simulator.url, redirect_uri="https://evil.example/callback")
    response = requests.get(url, timeout=10, allow_redirects=False)
    assert response.status_code == 400
    assert "OAU-109" in response.text


def test_it_accepts_exactly_the_redirect_uris_registered_through_the_control_api(simulator):
    simulator.control.register_app(
        "strict-app",
        client_secret="s3cret",
        redirect_uris=["https://erp.example/cb"],
        allow_dev_redirects=False,
    )
    ok = requests.get(
        authorize_url(simulator.url, client_id="strict-app", redirect_uri="https://erp.example/cb"),
        timeout=10,
    )
    dev = requests.get(
        authorize_url(simulator.url, client_id="strict-app", redirect_uri=REDIRECT), timeout=10
    )
    assert ok.status_code == 200 and dev.status_code == 400


def test_it_exchanges_a_pkce_code_through_the_sdk_and_the_token_works(simulator):
    verifier, challenge = pkce_pair()
    code = get_code(simulator, challenge=challenge, state="st")["code"]
    platform = platform_for(simulator)
    tokens = platform.login(code=code, verifier=verifier, redirect_uri=REDIRECT).json_dict()
    assert tokens["token_type"] == "bearer"
    assert tokens["owner_id"] == "62264001"
    assert tokens["expires_in"] > 3000 and tokens["refresh_token_expires_in"] > 600000
    assert {"access_token", "refresh_token", "scope", "endpoint_id", "session_id"} <= set(tokens)
    me = platform.get("/restapi/v1.0/account/~/extension/~").json_dict()
    assert me["extensionNumber"] == "101"


def test_it_supports_the_plain_pkce_method(simulator):
    code = get_code(simulator, challenge="plain-verifier-0123456789-0123456789-0123456789", method="plain")[
        "code"
    ]
    tokens = (
        platform_for(simulator)
        .login(code=code, verifier="plain-verifier-0123456789-0123456789-0123456789", redirect_uri=REDIRECT)
        .json_dict()
    )
    assert tokens["owner_id"] == "62264001"


@pytest.mark.parametrize("verifier", ["the-wrong-verifier-the-wrong-verifier-0000", ""])
def test_it_refuses_a_wrong_or_missing_pkce_verifier_and_burns_the_code(simulator, verifier):
    right, challenge = pkce_pair()
    code = get_code(simulator, challenge=challenge)["code"]
    with pytest.raises(ApiException) as exc:
        platform_for(simulator).login(code=code, verifier=verifier, redirect_uri=REDIRECT)
    status, body = error_of(exc.value)
    assert status == 400
    assert body["error"] == "invalid_grant"
    assert body["errors"][0]["errorCode"] == "OAU-106"
    with pytest.raises(ApiException):
        platform_for(simulator).login(code=code, verifier=right, redirect_uri=REDIRECT)


def test_it_refuses_a_code_used_twice(simulator):
    code = get_code(simulator)["code"]
    platform_for(simulator).login(code=code, redirect_uri=REDIRECT)
    with pytest.raises(ApiException) as exc:
        platform_for(simulator).login(code=code, redirect_uri=REDIRECT)
    status, body = error_of(exc.value)
    assert status == 400
    assert body == {
        "error": "invalid_grant",
        "error_description": "Invalid authorization code",
        "errors": [{"errorCode": "OAU-106", "message": "Invalid authorization code"}],
    }


def test_it_refuses_a_code_sent_with_another_redirect_uri(simulator):
    code = get_code(simulator)["code"]
    with pytest.raises(ApiException) as exc:
        platform_for(simulator).login(code=code, redirect_uri="http://127.0.0.1:9/telephony/oauth/callback/")
    assert error_of(exc.value)[1]["errors"][0]["errorCode"] == "OAU-109"


def test_it_refuses_an_expired_code(simulator):
    simulator.control.set_ttls(auth_code=1)
    code = get_code(simulator)
    assert code["expires_in"] == "1"
    import time

    time.sleep(1.1)  # the code's lifetime is the behaviour under test, not a timing assertion
    with pytest.raises(ApiException) as exc:
        platform_for(simulator).login(code=code["code"], redirect_uri=REDIRECT)
    assert error_of(exc.value)[1]["errors"][0]["errorCode"] == "OAU-108"


def test_it_wants_client_authentication_on_the_token_endpoint(simulator):
    code = get_code(simulator)["code"]
    response = requests.post(
        f"{simulator.url}/restapi/oauth/token",
        timeout=10,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "Client authentication is required",
        "errors": [{"errorCode": "OAU-123", "message": "Client authentication is required"}],
    }


def test_it_refuses_a_wrong_client_secret(simulator):
    with pytest.raises(ApiException) as exc:
        platform_for(simulator, secret="not-the-secret").login(jwt=simulator.control.jwt("101"))
    status, body = error_of(exc.value)
    assert status == 401 and body["error"] == "invalid_client" and body["errors"][0]["errorCode"] == "OAU-146"


def test_a_public_client_sends_its_client_id_in_the_body(simulator):
    simulator.control.register_app("public-app", redirect_uris=[REDIRECT])
    verifier, challenge = pkce_pair()
    landing = sign_in_and_authorize(
        authorize_url(simulator.url, client_id="public-app", redirect_uri=REDIRECT, challenge=challenge)
    )
    code = parse_qs(urlsplit(landing).query)["code"][0]
    response = requests.post(
        f"{simulator.url}/restapi/oauth/token",
        timeout=10,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            "client_id": "public-app",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["owner_id"] == "62264001"


def test_refresh_rotates_and_the_old_refresh_token_is_refused(simulator):
    platform = platform_for(simulator)
    first = platform.login(jwt=simulator.control.jwt("102")).json_dict()
    second = platform.refresh().json_dict()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["session_id"] == first["session_id"]
    assert platform.get("/restapi/v1.0/account/~/extension/~").json_dict()["extensionNumber"] == "102"

    replay = requests.post(
        f"{simulator.url}/restapi/oauth/token",
        auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        timeout=10,
    )
    assert replay.status_code == 400
    assert replay.json() == {
        "error": "invalid_grant",
        "error_description": "Token not found",
        "errors": [{"errorCode": "OAU-213", "message": "Token not found"}],
    }


def test_with_a_refresh_grace_a_replayed_refresh_token_returns_the_same_new_pair(simulator):
    simulator.control.set_ttls(refresh_grace=30)
    platform = platform_for(simulator)
    first = platform.login(jwt=simulator.control.jwt("101")).json_dict()
    second = platform.refresh().json_dict()

    def replay():
        return requests.post(
            f"{simulator.url}/restapi/oauth/token",
            auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
            timeout=10,
        )

    again = replay()
    assert again.status_code == 200
    assert again.json()["access_token"] == second["access_token"]
    assert again.json()["refresh_token"] == second["refresh_token"]
    platform.refresh()  # the successor is rotated in turn: the first token now has nothing to return
    assert replay().status_code == 400


def test_the_previous_access_token_is_dead_right_after_a_refresh(simulator):
    platform = platform_for(simulator)
    first = platform.login(jwt=simulator.control.jwt("101")).json_dict()
    platform.refresh()
    response = requests.get(
        f"{simulator.url}/restapi/v1.0/account/~/extension/~",
        timeout=10,
        headers={"Authorization": f"Bearer {first['access_token']}"},
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["errorCode"] == "OAU-129"
    assert response.json()["errors"][0]["message"] == "Access token corrupted"


def test_an_expired_access_token_gets_oau_128_and_the_sdk_refreshes(simulator):
    platform = platform_for(simulator)
    tokens = platform.login(jwt=simulator.control.jwt("101")).json_dict()
    assert simulator.control.expire_access_tokens("101") == 1
    response = requests.get(
        f"{simulator.url}/restapi/v1.0/account/~/extension/~",
        timeout=10,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert response.status_code == 401
    assert response.json() == {
        "errorCode": "TokenExpired",
        "message": "Access token expired",
        "errors": [{"errorCode": "OAU-128", "message": "Access token expired"}],
    }
    platform.refresh()
    assert platform.get("/restapi/v1.0/account/~/extension/~").json_dict()["id"] == 62264001


def test_token_ttls_follow_the_control_api(simulator):
    simulator.control.set_ttls(access_token=120, refresh_token=900)
    tokens = platform_for(simulator).login(jwt=simulator.control.jwt("101")).json_dict()
    assert 110 <= tokens["expires_in"] <= 120
    assert 890 <= tokens["refresh_token_expires_in"] <= 900


def test_logout_revokes_the_whole_session(simulator):
    platform = platform_for(simulator)
    platform.login(jwt=simulator.control.jwt("103"))
    tokens = platform.refresh().json_dict()
    platform.logout()
    response = requests.get(
        f"{simulator.url}/restapi/v1.0/account/~/extension/~",
        timeout=10,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["errorCode"] == "OAU-213"
    refresh = requests.post(
        f"{simulator.url}/restapi/oauth/token",
        auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        timeout=10,
    )
    assert refresh.status_code == 400
    assert all(s["revoked"] for s in simulator.control.sessions())


def test_revoking_by_refresh_token_also_works(simulator):
    platform = platform_for(simulator)
    tokens = platform.login(jwt=simulator.control.jwt("101")).json_dict()
    response = requests.post(
        f"{simulator.url}/restapi/oauth/revoke",
        auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        data={"token": tokens["refresh_token"]},
        timeout=10,
    )
    assert response.status_code == 200
    with pytest.raises(ApiException) as exc:
        platform.get("/restapi/v1.0/account/~/extension/~")
    assert error_of(exc.value)[0] == 401


def test_jwt_login_and_an_unknown_jwt_refused(simulator):
    tokens = platform_for(simulator).login(jwt=simulator.control.jwt("102")).json_dict()
    assert tokens["owner_id"] == "62264002"
    with pytest.raises(ApiException) as exc:
        platform_for(simulator).login(jwt="eyJhbGciOiJSUzI1NiJ9.e30.bm90LWEtand0")
    status, body = error_of(exc.value)
    assert status == 400 and body["error"] == "invalid_grant" and body["errors"][0]["errorCode"] == "OAU-140"


def test_an_unknown_grant_type_is_refused(simulator):
    response = requests.post(
        f"{simulator.url}/restapi/oauth/token",
        auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        data={"grant_type": "password", "username": "101", "password": DEMO_PASSWORD},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_wstoken_is_issued_for_a_bearer_and_points_at_the_ws_gateway(simulator):
    platform = platform_for(simulator)
    platform.login(jwt=simulator.control.jwt("101"))
    body = platform.post("/restapi/oauth/wstoken").json_dict()
    assert set(body) == {"ws_access_token", "uri", "expires_in"}
    assert body["uri"] == simulator.ws_url
    assert body["expires_in"] > 0


@pytest.mark.parametrize(
    ("header", "code", "message"),
    [
        (None, "OAU-123", "Authorization header is not specified"),
        ("Bearer not-a-token", "OAU-213", "Token not found"),
        ("Basic YTpi", "OAU-151", "Authorization method not supported"),
    ],
)
def test_api_calls_without_a_valid_bearer_get_ringcentral_401_bodies(simulator, header, code, message):
    headers = {"Authorization": header} if header else {}
    response = requests.get(f"{simulator.url}/restapi/v1.0/account/~/extension", headers=headers, timeout=10)
    assert response.status_code == 401
    body = response.json()
    assert body["message"] == message
    assert body["errors"] == [{"errorCode": code, "message": message}]
    assert body["errorCode"] == "TokenInvalid"


def test_access_token_in_the_query_string_is_accepted(simulator):
    tokens = platform_for(simulator).login(jwt=simulator.control.jwt("101")).json_dict()
    response = requests.get(
        f"{simulator.url}/restapi/v1.0/account/~/extension/~",
        params={"access_token": tokens["access_token"]},
        timeout=10,
    )
    assert response.status_code == 200

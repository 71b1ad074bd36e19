"""Contract: account, extensions and devices through the official SDK (API.md §8)."""

import pytest
from ringcentral.http.api_exception import ApiException

ACCOUNT_ID = "37439510"


@pytest.fixture
def platform(simulator):
    return simulator.sdk_platform("101")


def test_extension_list_has_the_seeded_users_ivr_and_admin(platform):
    body = platform.get("/restapi/v1.0/account/~/extension").json_dict()
    assert set(body) == {"uri", "records", "paging", "navigation"}
    by_number = {r["extensionNumber"]: r for r in body["records"]}
    assert {"100", "101", "102", "103", "800"} <= set(by_number)
    alice = by_number["101"]
    assert alice["id"] == 62264001 and isinstance(alice["id"], int)
    assert alice["name"] == "Alice Martin" and alice["type"] == "User" and alice["status"] == "Enabled"
    assert alice["contact"]["email"] == "alice@arcadium-demo.test"
    assert alice["contact"]["firstName"] == "Alice" and alice["contact"]["lastName"] == "Martin"
    assert alice["uri"].endswith(f"/restapi/v1.0/account/{ACCOUNT_ID}/extension/62264001")
    assert by_number["800"]["type"] == "IvrMenu"
    assert by_number["100"]["id"] == int(ACCOUNT_ID)
    assert body["paging"] == {
        "page": 1,
        "perPage": 100,
        "pageStart": 0,
        "pageEnd": 4,
        "totalPages": 1,
        "totalElements": 5,
    }
    assert set(body["navigation"]) == {"firstPage", "lastPage"}


def test_extension_list_pages_and_navigates(platform):
    first = platform.get("/restapi/v1.0/account/~/extension", {"perPage": 2}).json_dict()
    assert len(first["records"]) == 2
    assert first["paging"] == {
        "page": 1,
        "perPage": 2,
        "pageStart": 0,
        "pageEnd": 1,
        "totalPages": 3,
        "totalElements": 5,
    }
    assert "previousPage" not in first["navigation"]
    seen = [r["extensionNumber"] for r in first["records"]]
    page = first
    while "nextPage" in page["navigation"]:
        page = platform.get(page["navigation"]["nextPage"]["uri"]).json_dict()
        seen += [r["extensionNumber"] for r in page["records"]]
    assert seen == ["100", "101", "102", "103", "800"]
    assert page["paging"]["page"] == 3 and "previousPage" in page["navigation"]
    assert page["navigation"]["lastPage"]["uri"].endswith("page=3&perPage=2")


def test_extension_list_filters_by_type_status_and_email(platform):
    users = platform.get("/restapi/v1.0/account/~/extension", {"type": "User"}).json_dict()["records"]
    assert {r["extensionNumber"] for r in users} == {"100", "101", "102", "103"}
    ivr = platform.get("/restapi/v1.0/account/~/extension", {"type": "IvrMenu"}).json_dict()["records"]
    assert [r["extensionNumber"] for r in ivr] == ["800"]
    disabled = platform.get("/restapi/v1.0/account/~/extension", {"status": "Disabled"}).json_dict()[
        "records"
    ]
    assert disabled == []
    bob = platform.get("/restapi/v1.0/account/~/extension", {"email": "bob@arcadium-demo.test"}).json_dict()
    assert [r["name"] for r in bob["records"]] == ["Bob Chen"]


def test_an_invalid_filter_gets_invalid_parameter(platform):
    with pytest.raises(ApiException) as exc:
        platform.get("/restapi/v1.0/account/~/extension", {"type": "Robot"})
    response = exc.value.api_response().response()
    assert response.status_code == 400
    assert response.json() == {
        "errorCode": "InvalidParameter",
        "message": "Parameter [type] value is invalid.",
        "errors": [
            {"errorCode": "CMN-101", "message": "Parameter [type] value is invalid.", "parameterName": "type"}
        ],
        "parameterName": "type",
    }


@pytest.mark.parametrize("per_page", ["0", "1001", "lots"])
def test_per_page_out_of_range_is_refused(platform, per_page):
    with pytest.raises(ApiException) as exc:
        platform.get("/restapi/v1.0/account/~/extension", {"perPage": per_page})
    assert exc.value.api_response().response().json()["errors"][0]["parameterName"] == "perPage"


def test_current_extension_by_tilde_and_by_ids(platform):
    me = platform.get("/restapi/v1.0/account/~/extension/~").json_dict()
    assert me["id"] == 62264001 and me["extensionNumber"] == "101"
    assert me["account"]["id"] == ACCOUNT_ID
    assert {"regionalSettings", "serviceFeatures", "permissions", "contact"} <= set(me)
    same = platform.get(f"/restapi/v1.0/account/{ACCOUNT_ID}/extension/62264001").json_dict()
    assert same["id"] == me["id"]
    bob = platform.get("/restapi/v1.0/account/~/extension/62264002").json_dict()
    assert bob["name"] == "Bob Chen"


def test_unknown_account_and_extension_are_404_with_cmn_102(platform):
    for path, parameter in (
        ("/restapi/v1.0/account/99999999/extension/~", "accountId"),
        ("/restapi/v1.0/account/~/extension/123", "extensionId"),
    ):
        with pytest.raises(ApiException) as exc:
            platform.get(path)
        response = exc.value.api_response().response()
        assert response.status_code == 404
        error = response.json()["errors"][0]
        assert error["errorCode"] == "CMN-102" and error["parameterName"] == parameter
        assert error["message"] == f"Resource for parameter [{parameter}] is not found"


def test_devices_of_the_current_user_are_a_softphone_and_a_desk_phone(platform):
    body = platform.get("/restapi/v1.0/account/~/extension/~/device").json_dict()
    assert {d["type"] for d in body["records"]} == {"SoftPhone", "HardPhone"}
    for device in body["records"]:
        assert device["extension"]["id"] == 62264001 and device["status"] == "Online"
        assert device["id"] and device["name"] and device["uri"].endswith(f"/device/{device['id']}")
    desk = next(d for d in body["records"] if d["type"] == "HardPhone")
    assert (
        platform.get(f"/restapi/v1.0/account/~/device/{desk['id']}").json_dict()["serial"] == desk["serial"]
    )
    carol = platform.get("/restapi/v1.0/account/~/extension/62264003/device").json_dict()
    assert {d["extension"]["id"] for d in carol["records"]} == {62264003}


def test_wrong_method_is_refused(simulator, platform):
    with pytest.raises(ApiException) as exc:
        platform.delete("/restapi/v1.0/account/~/extension/~")
    assert exc.value.api_response().response().status_code == 405


def test_an_unknown_api_path_is_a_ringcentral_404(simulator):
    platform = simulator.sdk_platform("101")
    with pytest.raises(ApiException) as exc:
        platform.get("/restapi/v1.0/account/~/no-such-thing")
    response = exc.value.api_response().response()
    assert response.status_code == 404
    assert response.json()["errors"] == [{"errorCode": "CMN-120", "message": "Invalid URI"}]


def test_extensions_can_be_added_and_changed_through_the_control_api(simulator):
    made = simulator.control.add_extension(
        "104", first_name="Dan", last_name="Ito", email="dan@arcadium-demo.test"
    )
    simulator.control.update_extension("103", status="Disabled")
    platform = simulator.sdk_platform("101")
    records = platform.get("/restapi/v1.0/account/~/extension", {"type": "User"}).json_dict()["records"]
    by_number = {r["extensionNumber"]: r for r in records}
    assert by_number["104"]["name"] == "Dan Ito" and by_number["104"]["id"] == int(made["id"])
    assert by_number["103"]["status"] == "Disabled"
    dan = simulator.sdk_platform("104")
    devices = dan.get("/restapi/v1.0/account/~/extension/~/device").json_dict()["records"]
    assert [d["type"] for d in devices] == ["SoftPhone"]
    with pytest.raises(ApiException) as exc:
        simulator.sdk_platform("103")  # a disabled extension cannot get tokens
    assert exc.value.api_response().response().json()["errors"][0]["errorCode"] == "OAU-236"

    simulator.control.reset()  # back to the seeded account
    numbers = {u["extensionNumber"]: u for u in simulator.control.users()}
    assert "104" not in numbers
    assert (
        simulator.sdk_platform("103").get("/restapi/v1.0/account/~/extension/~").json_dict()["status"]
        == "Enabled"
    )


def test_bad_extension_changes_are_refused(simulator):
    import requests

    for call in (
        lambda: simulator.control.update_extension("101", status="Sleeping"),
        lambda: simulator.control.add_extension("101", first_name="Dup"),
        lambda: simulator.control.update_extension("101", favourite_colour="blue"),
    ):
        with pytest.raises(requests.HTTPError) as exc:
            call()
        assert exc.value.response.status_code == 400 and exc.value.response.json()["error"]

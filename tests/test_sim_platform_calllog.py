"""Contract: call log, sync and the bulk generator through the official SDK (API.md §6)."""

from datetime import UTC, datetime, timedelta

import pytest
from ringcentral import SDK
from ringcentral.http.api_exception import ApiException

from tests.simulator_fixture import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.fixture
def platform(simulator):
    platform = SDK(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, simulator.url).platform()
    platform.login(jwt=simulator.control.jwt("101"))
    return platform


def add_call(simulator, *, extension="101", hours_ago=1.0, **fields):
    defaults = {
        "direction": "Inbound",
        "from_number": "+12125550100",
        "from_name": "ACME CORP",
        "to_number": "+16505550101",
        "to_name": "Alice Martin",
        "duration": 65.4,
        "result": "Accepted",
    }
    start = datetime.now(UTC) - timedelta(hours=hours_ago)
    return simulator.control.add_call_log_record(
        extension=extension, start_time=start.isoformat(), **{**defaults, **fields}
    )


def test_a_record_in_simple_view_has_ringcentral_fields(simulator, platform):
    made = add_call(simulator, telephony_session_id="s-abc123", session_id="1039811321016", recorded=True)
    body = platform.get("/restapi/v1.0/account/~/extension/~/call-log").json_dict()
    assert set(body) == {"uri", "records", "paging", "navigation"}
    [record] = body["records"]
    assert record["id"] == made["id"]
    assert record["uri"].endswith(f"/call-log/{made['id']}?view=Simple")
    assert record["sessionId"] == "1039811321016" and record["telephonySessionId"] == "s-abc123"
    assert (record["type"], record["direction"], record["action"], record["result"]) == (
        "Voice",
        "Inbound",
        "Phone Call",
        "Accepted",
    )
    assert record["duration"] == 65 and record["durationMs"] == 65400
    assert record["from"] == {"phoneNumber": "+12125550100", "name": "ACME CORP"}
    assert record["to"]["phoneNumber"] == "+16505550101" and record["to"]["extensionId"] == "62264001"
    assert record["extension"]["id"] == 62264001
    assert record["recording"]["id"] == made["recording_id"]
    assert record["recording"]["contentUri"].endswith(f"/recording/{made['recording_id']}/content")
    assert record["recording"]["type"] == "Automatic"
    assert record["startTime"].endswith("Z")
    assert "legs" not in record and "lastModifiedTime" not in record
    assert body["paging"] == {"page": 1, "perPage": 100, "pageStart": 0, "pageEnd": 0}


def test_detailed_view_adds_legs_and_last_modified_time(simulator, platform):
    add_call(simulator)
    [record] = platform.get("/restapi/v1.0/account/~/extension/~/call-log", {"view": "Detailed"}).json_dict()[
        "records"
    ]
    assert record["uri"].endswith("?view=Detailed")
    assert record["lastModifiedTime"].endswith("Z")
    [leg] = record["legs"]
    assert leg["master"] is True and leg["legType"] and leg["direction"] == "Inbound"


def test_an_invalid_view_is_cmn_101(platform):
    with pytest.raises(ApiException) as exc:
        platform.get("/restapi/v1.0/account/~/call-log", {"view": "Fancy"})
    body = exc.value.api_response().response().json()
    assert body["errors"][0] == {
        "errorCode": "CMN-101",
        "message": "Parameter [view] value is invalid.",
        "parameterName": "view",
    }


def test_default_window_is_the_last_24_hours_and_date_filters_apply(simulator, platform):
    recent = add_call(simulator, hours_ago=2)
    older = add_call(simulator, hours_ago=50)
    default = platform.get("/restapi/v1.0/account/~/extension/~/call-log").json_dict()["records"]
    assert [r["id"] for r in default] == [recent["id"]]
    now = datetime.now(UTC)
    window = platform.get(
        "/restapi/v1.0/account/~/extension/~/call-log",
        {"dateFrom": iso(now - timedelta(days=3)), "dateTo": iso(now - timedelta(days=1))},
    ).json_dict()
    assert [r["id"] for r in window["records"]] == [older["id"]]
    both = platform.get(
        "/restapi/v1.0/account/~/extension/~/call-log", {"dateFrom": iso(now - timedelta(days=3))}
    ).json_dict()["records"]
    assert [r["id"] for r in both] == [recent["id"], older["id"]]


def test_a_bad_date_is_refused(platform):
    with pytest.raises(ApiException) as exc:
        platform.get("/restapi/v1.0/account/~/call-log", {"dateFrom": "yesterday"})
    assert exc.value.api_response().response().json()["errors"][0]["parameterName"] == "dateFrom"


def test_direction_and_recording_filters(simulator, platform):
    inbound = add_call(simulator, recorded=True, recording_type="OnDemand")
    outbound = add_call(
        simulator,
        direction="Outbound",
        from_number="+16505550101",
        to_number="+14155550190",
        result="Call connected",
        action="VoIP Call",
    )

    def ids(**params):
        return {
            r["id"]
            for r in platform.get("/restapi/v1.0/account/~/extension/~/call-log", params).json_dict()[
                "records"
            ]
        }

    assert ids(direction="Outbound") == {outbound["id"]}
    assert ids(direction="Inbound") == {inbound["id"]}
    assert ids(recordingType="All") == {inbound["id"]}
    assert ids(recordingType="OnDemand") == {inbound["id"]}
    assert ids(recordingType="Automatic") == set()
    assert ids(withRecording="true") == {inbound["id"]}
    assert ids(withRecording="false") == {outbound["id"]}
    assert ids(type="Voice") == {inbound["id"], outbound["id"]}
    assert ids(phoneNumber="14155550190") == {outbound["id"]}


def test_company_log_holds_every_user_and_the_extension_log_only_mine(simulator, platform):
    mine = add_call(simulator, extension="101")
    bobs = add_call(simulator, extension="102", to_number="+16505550102")
    company = {r["id"] for r in platform.get("/restapi/v1.0/account/~/call-log").json_dict()["records"]}
    assert company == {mine["id"], bobs["id"]}
    own = {
        r["id"] for r in platform.get("/restapi/v1.0/account/~/extension/~/call-log").json_dict()["records"]
    }
    assert own == {mine["id"]}
    record = platform.get(f"/restapi/v1.0/account/~/call-log/{bobs['id']}").json_dict()
    assert record["id"] == bobs["id"]
    with pytest.raises(ApiException) as exc:
        platform.get(f"/restapi/v1.0/account/~/extension/~/call-log/{bobs['id']}")
    assert exc.value.api_response().response().json()["errors"][0]["parameterName"] == "callRecordId"


def test_paging_walks_generated_history_newest_first_without_totals(simulator, platform):
    assert simulator.control.generate_call_log(250, days=1, extensions=["101"], seed=7)["created"] == 250
    page = platform.get("/restapi/v1.0/account/~/extension/~/call-log", {"perPage": 100}).json_dict()
    assert page["paging"] == {"page": 1, "perPage": 100, "pageStart": 0, "pageEnd": 99}
    assert "totalElements" not in page["paging"] and "lastPage" not in page["navigation"]
    ids, starts, pages = [], [], 0
    while True:
        pages += 1
        ids += [r["id"] for r in page["records"]]
        starts += [r["startTime"] for r in page["records"]]
        if "nextPage" not in page["navigation"]:
            break
        page = platform.get(page["navigation"]["nextPage"]["uri"]).json_dict()
    assert pages == 3 and len(ids) == len(set(ids)) == 250
    assert starts == sorted(starts, reverse=True)
    assert page["paging"] == {"page": 3, "perPage": 100, "pageStart": 200, "pageEnd": 249}
    assert page["navigation"]["previousPage"]["uri"].endswith("page=2&perPage=100")


def test_generated_history_is_realistic(simulator, platform):
    simulator.control.generate_call_log(400, days=1, seed=3)
    records = platform.get(
        "/restapi/v1.0/account/~/call-log", {"perPage": 1000, "view": "Detailed"}
    ).json_dict()["records"]
    assert len(records) == 400
    assert {r["direction"] for r in records} == {"Inbound", "Outbound"}
    assert {"Accepted", "Missed"} <= {r["result"] for r in records}
    assert any("recording" in r for r in records) and not all("recording" in r for r in records)
    assert {r["extension"]["id"] for r in records} == {62264001, 62264002, 62264003}
    assert all(r["from"]["phoneNumber"].startswith("+") and r["legs"] for r in records)


def test_full_then_incremental_sync(simulator, platform):
    first = add_call(simulator, hours_ago=30)
    full = platform.get(
        "/restapi/v1.0/account/~/extension/~/call-log-sync", {"syncType": "FSync", "recordCount": 250}
    ).json_dict()
    assert set(full) == {"uri", "records", "syncInfo"}
    assert [r["id"] for r in full["records"]] == [first["id"]]
    assert full["syncInfo"]["syncType"] == "FSync" and full["syncInfo"]["syncTime"].endswith("Z")
    second = add_call(simulator, hours_ago=0.1)
    incremental = platform.get(
        "/restapi/v1.0/account/~/extension/~/call-log-sync",
        {"syncType": "ISync", "syncToken": full["syncInfo"]["syncToken"]},
    ).json_dict()
    assert incremental["syncInfo"]["syncType"] == "ISync"
    assert [r["id"] for r in incremental["records"]] == [second["id"]]
    again = platform.get(
        "/restapi/v1.0/account/~/extension/~/call-log-sync",
        {"syncType": "ISync", "syncToken": incremental["syncInfo"]["syncToken"]},
    ).json_dict()
    assert again["records"] == []


def test_sync_errors(platform):
    cases = [
        ({"syncType": "FSync", "recordCount": 251}, "CMN-101"),
        ({"syncType": "ISync", "syncToken": "garbage"}, "CLG-101"),
        ({"syncType": "Bogus"}, "CMN-101"),
    ]
    for params, code in cases:
        with pytest.raises(ApiException) as exc:
            platform.get("/restapi/v1.0/account/~/extension/~/call-log-sync", params)
        response = exc.value.api_response().response()
        assert response.status_code == 400 and response.json()["errors"][0]["errorCode"] == code


def test_comma_separated_ids_get_a_207_multipart_batch_the_sdk_can_read(simulator, platform):
    one, two = add_call(simulator), add_call(simulator, hours_ago=2)
    response = platform.get(f"/restapi/v1.0/account/~/call-log/{one['id']},nope,{two['id']}")
    assert response.response().status_code == 207
    parts = response.multipart()
    assert [p.response().status_code for p in parts] == [200, 404, 200]
    assert parts[0].json_dict()["id"] == one["id"] and parts[2].json_dict()["id"] == two["id"]
    assert parts[1].json_dict()["errors"][0]["errorCode"] == "CMN-102"


def test_deleted_records_leave_the_log_and_show_in_isync_with_show_deleted(simulator, platform):
    old = add_call(simulator, hours_ago=3)
    full = platform.get("/restapi/v1.0/account/~/extension/~/call-log-sync", {"recordCount": 10}).json_dict()
    now = datetime.now(UTC)
    response = platform.delete(
        "/restapi/v1.0/account/~/extension/~/call-log", query_params={"dateTo": iso(now)}
    )
    assert response.response().status_code == 204
    assert platform.get("/restapi/v1.0/account/~/extension/~/call-log").json_dict()["records"] == []
    token = full["syncInfo"]["syncToken"]
    hidden = platform.get(
        "/restapi/v1.0/account/~/extension/~/call-log-sync", {"syncType": "ISync", "syncToken": token}
    )
    assert hidden.json_dict()["records"] == []
    shown = platform.get(
        "/restapi/v1.0/account/~/extension/~/call-log-sync",
        {"syncType": "ISync", "syncToken": token, "showDeleted": "true"},
    ).json_dict()["records"]
    assert [(r["id"], r["deleted"]) for r in shown] == [(old["id"], True)]

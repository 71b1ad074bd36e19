"""The simulator console page: ring a seeded user from a number in two clicks, see and act on live calls."""

import requests
from bs4 import BeautifulSoup


def page(simulator, path="/_sim/console"):
    response = requests.get(f"{simulator.url}{path}", timeout=10)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def test_it_lists_the_seeded_users_and_rings_one(simulator):
    soup = page(simulator, "/")
    choices = {
        i["value"]: i.find_parent("label").text.strip() for i in soup.select("input[name=to_extension]")
    }
    assert choices["101"] == "Alice Martin · ext 101" and "102" in choices and "103" in choices
    assert soup.select_one("input[name=from]")["value"].startswith("+")

    form = {"to_extension": "102", "from": "+1 514 555 0100", "record": "on"}
    rung = requests.post(f"{simulator.url}/_sim/console/ring", data=form, timeout=10)
    assert rung.status_code == 200 and "Ringing extension 102" in rung.text
    [call] = simulator.control.calls(live=True)
    assert call["options"]["record"] is True
    assert call["session"]["parties"][1]["to"]["name"] == "Bob Chen"
    assert call["session"]["parties"][0]["from"]["phoneNumber"] == "+15145550100"

    live = page(simulator)
    assert call["telephonySessionId"] in live.text
    answer = live.select_one(f"form[action='/_sim/console/calls/{call['telephonySessionId']}/answer']")
    requests.post(f"{simulator.url}{answer['action']}", timeout=10)
    assert (
        simulator.control.call(call["telephonySessionId"])["session"]["parties"][1]["status"]["code"]
        == "Answered"
    )
    hang_up = page(simulator).select_one(
        f"form[action='/_sim/console/calls/{call['telephonySessionId']}/hangup']"
    )
    requests.post(f"{simulator.url}{hang_up['action']}", timeout=10)
    assert simulator.control.call(call["telephonySessionId"])["live"] is False


def test_bad_input_is_shown_and_nothing_rings(simulator):
    response = requests.post(
        f"{simulator.url}/_sim/console/ring", data={"to_extension": "101", "from": "not a number"}, timeout=10
    )
    soup = BeautifulSoup(response.text, "html.parser")
    assert "E.164" in soup.select_one(".error").text
    assert simulator.control.calls() == []


def test_a_user_dials_out_from_the_desk_phone(simulator):
    soup = page(simulator)
    assert soup.select_one("form[action='/_sim/console/dial'] input[name=from_extension][value='101']")

    form = {"from_extension": "101", "to": "+1 212 555 0100", "device": "HardPhone"}
    dialled = requests.post(f"{simulator.url}/_sim/console/dial", data=form, timeout=10)
    assert dialled.status_code == 200 and "Extension 101 dials" in dialled.text
    [call] = simulator.control.calls(live=True)
    alice, far = call["session"]["parties"]
    assert (call["session"]["origin"]["type"], alice["direction"], alice["status"]["code"]) == (
        "Call",
        "Outbound",
        "Proceeding",
    )
    assert alice["from"]["deviceId"] and far["to"]["phoneNumber"] == "+12125550100"

    unknown = requests.post(f"{simulator.url}/_sim/console/dial", data={**form, "to": "12"}, timeout=10)
    assert "E.164" in unknown.text and len(simulator.control.calls(live=True)) == 1

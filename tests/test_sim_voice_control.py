"""The voice half of the simulator's `/_sim/` control API: clear errors for bad input, nothing placed."""

import pytest
import requests


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"from": "+15145550100"}, "to_extension is required"),
        ({"from": "+15145550100", "to_extension": "999"}, "no extension '999'"),
        ({"from": "555-0100", "to_extension": "101"}, "E.164"),
        (
            {"from": "+15145550100", "to_extension": "101", "missed": True, "answer_after": 1},
            "cannot also be answered",
        ),
        (
            {"from": "+15145550100", "to_extension": "101", "answer_after": "soon"},
            "answer_after must be a number",
        ),
        ({"from": "+15145550100", "to_extension": "101", "hangup_after": -1}, "must not be negative"),
    ],
)
def test_bad_calls_are_refused_with_a_reason(simulator, payload, message):
    response = requests.post(f"{simulator.url}/_sim/calls", json=payload, timeout=10)
    assert response.status_code == 400 and message in response.json()["error"]
    assert simulator.control.calls() == []


def test_unknown_calls_actions_and_settings(simulator):
    assert requests.get(f"{simulator.url}/_sim/calls/s-nope", timeout=10).status_code == 404
    tsid = simulator.control.place_call("+15145550100", "101")["telephonySessionId"]
    response = requests.post(f"{simulator.url}/_sim/calls/{tsid}/dance", json={}, timeout=10)
    assert response.status_code == 400 and "unknown action" in response.json()["error"]
    response = requests.post(f"{simulator.url}/_sim/voice/config", json={"ring_timeout": -3}, timeout=10)
    assert response.status_code == 400 and "positive" in response.json()["error"]
    response = requests.post(f"{simulator.url}/_sim/calls", data="{not json", timeout=10)
    assert response.status_code == 400 and "invalid JSON" in response.json()["error"]
    simulator.control.hang_up(tsid)
    response = requests.post(f"{simulator.url}/_sim/calls/{tsid}/answer", json={}, timeout=10)
    assert response.status_code == 404 and response.json()["errorCode"] == "CMN-102"


def test_reset_forgets_calls_and_subscriptions(simulator):
    simulator.control.place_call("+15145550100", "101", answer_after=30)
    assert len(simulator.control.calls(live=True)) == 1
    simulator.control.reset()
    assert simulator.control.calls() == [] and simulator.control.subscriptions() == []

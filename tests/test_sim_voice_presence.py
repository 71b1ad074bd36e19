"""Contract: presence read and update (Do Not Disturb), presence notifications, and calls to a user
on Do Not Disturb going to voicemail — through the official SDK and a real webhook receiver."""

import pytest
from ringcentral.http.api_exception import ApiException

from tests.sim_voice_support import (
    ALICE_ID,
    TELEPHONY_EXT,
    WebhookReceiver,
    error_of,
    login,
    subscribe_webhook,
    wait_until,
)

PRESENCE = "/restapi/v1.0/account/~/extension/~/presence"
PRESENCE_FILTER = "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true"


@pytest.fixture
def receiver():
    hook = WebhookReceiver()
    yield hook
    hook.close()


def presence_events(receiver) -> list[dict]:
    return [n["body"] for n in receiver.notifications() if "/presence" in n["event"]]


def test_do_not_disturb_is_set_read_back_and_announced(simulator, receiver):
    platform = login(simulator)
    subscribe_webhook(platform, receiver, [PRESENCE_FILTER])
    assert platform.get(PRESENCE).json_dict()["dndStatus"] == "TakeAllCalls"

    answer = platform.put(PRESENCE, {"dndStatus": "DoNotAcceptAnyCalls"}).json_dict()
    assert (answer["dndStatus"], answer["presenceStatus"]) == ("DoNotAcceptAnyCalls", "Available")
    assert platform.get(PRESENCE).json_dict()["dndStatus"] == "DoNotAcceptAnyCalls"
    [event] = wait_until(lambda: presence_events(receiver), what="a presence notification")
    assert (event["extensionId"], event["dndStatus"], event["telephonyStatus"]) == (
        ALICE_ID,
        "DoNotAcceptAnyCalls",
        "NoCall",
    )

    platform.put(PRESENCE, {"dndStatus": "DoNotAcceptAnyCalls"})  # no change: no notification
    platform.put(PRESENCE, {"dndStatus": "TakeAllCalls"})
    events = wait_until(lambda: presence_events(receiver)[1:] or None, what="the second notification")
    assert [e["dndStatus"] for e in events] == ["TakeAllCalls"]
    assert events[0]["sequence"] > 0


def test_it_refuses_unknown_statuses_and_other_users_presence(simulator):
    platform = login(simulator)
    with pytest.raises(ApiException) as refused:
        platform.put(PRESENCE, {"dndStatus": "Sleeping"})
    status, body = error_of(refused.value)
    assert status == 400 and body["errors"][0]["errorCode"] == "CMN-101"
    bob = login(simulator, "102")
    with pytest.raises(ApiException) as other:
        bob.put(f"/restapi/v1.0/account/~/extension/{ALICE_ID}/presence", {"dndStatus": "TakeAllCalls"})
    assert error_of(other.value)[0] == 403
    assert platform.get(PRESENCE).json_dict()["dndStatus"] == "TakeAllCalls"


def test_a_call_to_a_user_on_do_not_disturb_goes_to_voicemail_unrung(simulator, receiver):
    platform = login(simulator)
    platform.put(PRESENCE, {"dndStatus": "DoNotAcceptAnyCalls"})
    subscribe_webhook(platform, receiver, [TELEPHONY_EXT])
    simulator.control.voice_config(voicemail_length=0.2)

    call = simulator.control.place_call("+12125550100", "101")
    ended = wait_until(
        lambda: (c := simulator.control.call(call["telephonySessionId"]))["live"] is False and c,
        what="the caller to leave a message and hang up",
    )
    ours = [n["body"]["parties"][0] for n in receiver.wait_for(1)]
    assert [(p["status"]["code"], p["missedCall"]) for p in ours][0] == ("VoiceMail", True)
    assert "Setup" not in [p["status"]["code"] for p in ours]  # the user's phone never rang
    records = platform.get(
        "/restapi/v1.0/account/~/extension/~/call-log", {"view": "Simple", "dateFrom": "2000-01-01T00:00:00Z"}
    ).json_dict()["records"]
    assert [r["result"] for r in records if r["telephonySessionId"] == ended["telephonySessionId"]] == [
        "Voicemail"
    ]

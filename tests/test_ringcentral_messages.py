"""The voicemail client (`telephony.ringcentral.messages`) against the simulator: typed messages,
pages and resume after 429, audio streamed with Range, the transcription, the call a voicemail was
left on, message notifications read from real deliveries, errors mapped to our exceptions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from telephony import ringcentral
from tests.ringcentral_helpers import make_connector
from tests.sim_voice_support import WebhookReceiver, login, subscribe_webhook, wait_until

ALICE_ID = "62264001"
ACME = "+12125550100"


@pytest.fixture
def alice(simulator, db):
    """A session as Alice (extension 101), whose mailbox the tests fill."""
    connector = make_connector(simulator, jwt_credential=simulator.control.jwt("101"))
    return ringcentral.connector_session(connector)


def seed_voicemail(
    simulator, *, hours_ago: float, n: int = 0, extension: str = "101", transcribed=True
) -> dict:
    return simulator.control.add_call_log_record(
        extension=extension,
        direction="Inbound",
        from_number=f"+1514555{n:04d}",
        from_name=f"Caller {n}",
        to_number="+16505550101",
        start_time=(timezone.now() - timedelta(hours=hours_ago)).isoformat(),
        duration=20,
        voicemail=True,
        transcribed=transcribed,
    )


def test_it_lists_voicemail_page_by_page_as_typed_messages(alice, simulator):
    made = [seed_voicemail(simulator, hours_ago=1 + i, n=i) for i in range(3)]
    seed_voicemail(simulator, hours_ago=50, n=9)
    since = timezone.now() - timedelta(hours=24)

    pages = list(ringcentral.voicemail_pages(alice, date_from=since, per_page=2))
    messages = ringcentral.list_voicemails(alice, date_from=since)

    assert [(p.page, len(p.messages), p.next_url is None) for p in pages] == [(1, 2, False), (2, 1, True)]
    assert [m.id for m in messages] == [m["message_id"] for m in made]
    first = messages[0]
    assert isinstance(first, ringcentral.VoicemailMessage) and first.is_voicemail
    assert (first.from_.phone_number, first.from_.name, first.direction) == (
        "+15145550000",
        "Caller 0",
        "Inbound",
    )
    assert (first.read_status, first.availability, first.transcription_status) == (
        "Unread",
        "Alive",
        "Completed",
    )
    assert first.duration == 6 and first.audio.content_type == "audio/x-wav"
    assert first.to[0].extension_number == "101"


def test_a_refused_page_can_be_asked_for_again(alice, simulator):
    for i in range(3):
        seed_voicemail(simulator, hours_ago=1 + i, n=i)
    simulator.control.set_limits(enabled=True, Light=1, window=60)
    pages = ringcentral.voicemail_pages(alice, date_from=timezone.now() - timedelta(hours=24), per_page=2)
    first = next(pages)
    with pytest.raises(ringcentral.RateLimited) as limited:
        next(pages)
    simulator.control.set_limits(enabled=False)
    rest = list(ringcentral.voicemail_pages(alice, start_url=limited.value.resume_url))

    assert limited.value.resume_url == first.next_url and limited.value.retry_after == 60
    assert [len(first.messages)] + [len(p.messages) for p in rest] == [2, 1]


def test_it_streams_the_audio_with_range_and_reads_the_transcription(alice, simulator):
    message = ringcentral.get_message(alice, seed_voicemail(simulator, hours_ago=1)["message_id"])

    with ringcentral.voicemail_audio(alice, message) as stream:
        whole = b"".join(stream.iter_content())
    with ringcentral.voicemail_audio(alice, message, range_header="bytes=0-43") as stream:
        header = b"".join(stream.iter_content())
        assert (stream.status, stream.content_range) == (206, f"bytes 0-43/{len(whole)}")

    assert whole[:4] == b"RIFF" and header == whole[:44] and len(whole) == message.audio.size
    assert stream.content_type == "audio/x-wav"
    assert "call me back" in ringcentral.voicemail_transcription(alice, message)


def test_a_voicemail_without_voicemail_to_text_has_no_transcription(alice, simulator):
    message = ringcentral.get_message(
        alice, seed_voicemail(simulator, hours_ago=1, transcribed=False)["message_id"]
    )

    assert message.transcription is None and message.transcription_status == "NotAvailable"
    assert ringcentral.voicemail_transcription(alice, message) == ""


def test_it_finds_the_call_a_voicemail_was_left_on(alice, simulator):
    simulator.control.voice_config(ring_seconds=0.1, voicemail_length=0.2)
    tsid = simulator.control.place_call(ACME, "101", voicemail=True)["telephonySessionId"]
    left = wait_until(
        lambda: next((m for m in simulator.control.messages() if m["telephonySessionId"] == tsid), None),
        what="the voicemail",
    )
    message = ringcentral.get_message(alice, left["id"])

    record = ringcentral.voicemail_call_record(alice, message)

    assert record.telephony_session_id == tsid
    assert (record.result, record.message_id, record.message_type) == ("Voicemail", message.id, "VoiceMail")


def test_errors_are_our_exceptions(alice, simulator):
    bob_message = seed_voicemail(simulator, hours_ago=1, extension="102")["message_id"]

    with pytest.raises(ringcentral.NotFound):
        ringcentral.get_message(alice, "123456789")
    with pytest.raises(ringcentral.InvalidRequest) as foreign:
        ringcentral.get_message(alice, bob_message, extension_id="62264002")
    assert foreign.value.status == 403


@pytest.fixture
def receiver():
    hook = WebhookReceiver()
    yield hook
    hook.close()


def test_it_reads_message_notifications_as_delivered(simulator, receiver):
    simulator.control.voice_config(ring_seconds=0.1, voicemail_length=0.2)
    subscribe_webhook(
        login(simulator),
        receiver,
        [ringcentral.MESSAGE_STORE_EVENT_FILTER, ringcentral.VOICEMAIL_EVENT_FILTER],
    )
    simulator.control.place_call(ACME, "101", from_name="ACME Corp", voicemail=True)
    notes = {ringcentral.message_event_kind(n["event"]): n for n in receiver.wait_for(2)}

    store = ringcentral.parse_message_notification(notes["message-store"])
    voicemail = ringcentral.parse_message_notification(notes["voicemail"])

    assert isinstance(store, ringcentral.MessageStoreNotification)
    assert store.extension_id == ALICE_ID and store.new_voicemail_ids == (voicemail.message.id,)
    assert isinstance(voicemail, ringcentral.VoicemailNotification)
    assert (voicemail.extension_id, voicemail.owner_id) == (ALICE_ID, ALICE_ID)
    assert voicemail.message.from_.name == "ACME Corp" and voicemail.message.duration == 6
    assert voicemail.uuid == notes["voicemail"]["uuid"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"event": "/restapi/v1.0/account/1/extension/2/telephony/sessions", "body": {}},
        {"event": "/restapi/v1.0/account/1/extension/2/message-store", "body": {"changes": "many"}},
        {"event": "/restapi/v1.0/account/1/extension/2/voicemail", "body": {"type": "VoiceMail"}},
    ],
)
def test_it_refuses_what_is_not_a_message_notification(payload):
    with pytest.raises(ringcentral.MalformedMessageNotification):
        ringcentral.parse_message_notification(payload)


def test_it_tells_message_events_from_others():
    assert ringcentral.message_event_kind("/restapi/v1.0/account/1/extension/2/voicemail") == "voicemail"
    assert (
        ringcentral.message_event_kind("/restapi/v1.0/account/~/extension/2/message-store") == "message-store"
    )
    assert ringcentral.message_event_kind("/restapi/v1.0/account/1/extension/2/telephony/sessions") == ""

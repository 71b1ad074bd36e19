"""`manage.py simulate_call` rings a user through the running simulator over HTTP, and a subscribed
webhook receives a real-shaped event sequence."""

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.sim_voice_support import (
    TELEPHONY_EXT,
    WebhookReceiver,
    codes,
    login,
    subscribe_webhook,
    wait_until,
)
from tests.simulator_fixture import free_port

COMMAND = Path(__file__).resolve().parent.parent / "telephony/management/commands/simulate_call.py"


@pytest.fixture
def receiver():
    hook = WebhookReceiver()
    yield hook
    hook.close()


def test_it_delivers_an_answered_recorded_call_to_a_subscribed_webhook(simulator_settings, receiver):
    simulator = simulator_settings
    platform = login(simulator)
    subscribe_webhook(platform, receiver, [TELEPHONY_EXT])
    out = StringIO()
    call_command(
        "simulate_call", "--from", "+15145550100", "--to-extension", "101",
        "--answer-after", "0.2", "--hangup-after", "0.2", "--record", stdout=out,
    )  # fmt: skip
    printed = out.getvalue()
    assert "Ringing extension 101 (Alice Martin) from +15145550100: telephony session s-" in printed
    tsid = printed.split("telephony session ")[1].split()[0]
    notes = receiver.wait_for(4)
    assert [c[2] for c in codes(notes)] == ["Setup", "Proceeding", "Answered", "Disconnected"]
    assert {n["body"]["telephonySessionId"] for n in notes} == {tsid}
    sequences = [n["body"]["sequence"] for n in notes]
    assert sequences == sorted(sequences)
    log = wait_until(
        lambda: [
            r
            for r in platform.get("/restapi/v1.0/account/~/extension/~/call-log").json_dict()["records"]
            if r.get("telephonySessionId") == tsid
        ],
        what="call-log record",
    )
    assert log[0]["result"] == "Accepted" and "recording" in log[0]


def test_a_missed_call(simulator_settings, receiver):
    subscribe_webhook(login(simulator_settings), receiver, [TELEPHONY_EXT])
    call_command(
        "simulate_call", "--from", "+15145550100", "--to-extension", "101", "--missed", "--hangup-after", "0.1",
        stdout=StringIO(),
    )  # fmt: skip
    notes = receiver.wait_for(3)
    assert notes[-1]["body"]["parties"][0]["status"]["code"] == "Disconnected"
    assert notes[-1]["body"]["parties"][0]["missedCall"] is True


def test_it_says_clearly_when_the_simulator_is_not_running_or_refuses(simulator_settings, settings):
    with pytest.raises(CommandError, match="unknown|no extension '999'"):
        call_command("simulate_call", "--from", "+15145550100", "--to-extension", "999", stdout=StringIO())
    with pytest.raises(CommandError, match="'call me' is not a phone number"):
        call_command("simulate_call", "--from", "call me", "--to-extension", "101", stdout=StringIO())
    settings.RINGCENTRAL_SERVER_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(CommandError, match="simulator is not answering at http://127.0.0.1:"):
        call_command("simulate_call", "--from", "+15145550100", "--to-extension", "101", stdout=StringIO())


def test_it_reads_the_number_the_way_people_type_it(simulator_settings):
    out = StringIO()
    call_command("simulate_call", "--from", "(514) 555-0100", "--to-extension", "101", "--missed", stdout=out)
    assert "from +15145550100" in out.getvalue()


def test_the_command_does_not_import_the_simulator():
    tree = ast.parse(COMMAND.read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    assert not any(name and name.startswith("telephony.simulator") for name in imported)
    assert "requests" in imported

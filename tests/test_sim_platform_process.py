"""The simulator is its own process: `python -m telephony.simulator` and `manage.py run_simulator`."""

import ast
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.simulator_fixture import ROOT, free_port

READY = re.compile(r"RingCentral simulator ready on (http://127\.0\.0\.1:(\d+))")


def start(command: list[str]) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def wait_ready(process: subprocess.Popen) -> str:
    for line in process.stdout:
        match = READY.search(line)
        if match:
            return match.group(1)
    raise AssertionError(f"the simulator exited ({process.wait()}) without its ready line")


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)


@pytest.mark.simulator
def test_module_migrates_seeds_idempotently_and_serves_on_a_free_port(tmp_path):
    db = tmp_path / "sim.sqlite3"
    for _ in range(2):  # the second start reuses the database: seeding must not duplicate anything
        process = start([sys.executable, "-m", "telephony.simulator", "--port", "0", "--db", str(db)])
        try:
            url = wait_ready(process)
            assert get_json(f"{url}/_sim/health")["ok"] is True
            users = get_json(f"{url}/_sim/users")["users"]
        finally:
            stop(process)
        assert [u["extensionNumber"] for u in users] == ["100", "101", "102", "103", "800"]
        assert {u["email"] for u in users if u["extensionNumber"] in ("101", "102", "103")} == {
            "alice@arcadium-demo.test",
            "bob@arcadium-demo.test",
            "carol@arcadium-demo.test",
        }
    assert db.exists()


@pytest.mark.simulator
def test_run_simulator_command_starts_it_as_a_child_process(tmp_path):
    port = free_port()
    process = start(
        [sys.executable, "manage.py", "run_simulator", "--port", str(port), "--db", str(tmp_path / "s.db")]
    )
    try:
        url = wait_ready(process)
        assert url == f"http://127.0.0.1:{port}"
        assert get_json(f"{url}/_sim/health")["service"] == "ringcentral-simulator"
    finally:
        stop(process)
    with pytest.raises(OSError):  # stopping the command stopped the simulator it started
        get_json(f"{url}/_sim/health")


def test_run_simulator_command_does_not_import_the_simulator():
    source = Path(ROOT, "telephony/management/commands/run_simulator.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert not any(name.startswith("telephony.simulator") for name in imported)

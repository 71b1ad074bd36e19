"""The RingCentral simulator as a real process for tests (`python -m telephony.simulator`).

    def test_extensions(simulator):                 # reset before the test, started if stopped
        sdk = SDK("arcadium-demo-client", "arcadium-demo-secret", simulator.url)
        sdk.platform().login(jwt=simulator.control.jwt("101"))

    def test_product(simulator_settings):           # also points settings.RINGCENTRAL_SERVER_URL at it
        ...

    def test_outage(simulator):
        simulator.stop()                            # RingCentral is down; the next test restarts it
        ...
        simulator.start()                           # same URL, same database

`simulator_process` (session) starts one process on a free port with a temporary SQLite file and
rate limits off; `simulator` (function) makes sure it runs and calls `/_sim/reset` (reseeds the
demo account, drops tokens/call log/faults, restores TTLs and limits). Tests that want limits
call `simulator.control.set_limits(enabled=True, Heavy=3)`. Extra environment for the process
(e.g. `SIM_ACCESS_TOKEN_TTL`) can be passed to `SimulatorProcess(env=...)`.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 30
DEMO_CLIENT_ID = "arcadium-demo-client"
DEMO_CLIENT_SECRET = "arcadium-demo-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SimulatorProcess:
    """One simulator server process; keeps its port and database across stop()/start()."""

    def __init__(self, *, env: dict[str, str] | None = None, workdir: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="rc-simulator-"))
        self.db_path = self.workdir / "simulator.sqlite3"
        self.log_path = self.workdir / "simulator.log"
        self.env = {"SIM_RATE_LIMITS": "0", "SIM_LOG_LEVEL": "WARNING", **(env or {})}
        self.process: subprocess.Popen | None = None
        self._control = None

    @property
    def control(self):
        if self._control is None:
            # Imported lazily: the control client lives in the simulator package, which the test
            # process may import (it is not product code).
            from telephony.simulator.control import SimulatorControl

            self._control = SimulatorControl(self.url)
        return self._control

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        env = {**os.environ, **self.env, "SIMULATOR_VAR_DIR": str(self.workdir)}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env.pop("SIMULATOR_DATABASE_URL", None)
        command = [
            sys.executable,
            "-m",
            "telephony.simulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--db",
            str(self.db_path),
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def stop(self) -> None:
        if not self.running:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the simulator exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_sim/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the simulator did not answer within {START_TIMEOUT_SECONDS}s:\n{self.log()}")


@pytest.fixture(scope="session")
def simulator_process():
    process = SimulatorProcess()
    process.start()
    yield process
    process.stop()


@pytest.fixture
def simulator(simulator_process):
    """The running simulator, reset to the seeded state (restarted first if a test stopped it)."""
    simulator_process.start()
    simulator_process.control.reset()
    return simulator_process


@pytest.fixture
def simulator_settings(simulator, settings):
    """Point the product at the simulator (`settings.RINGCENTRAL_SERVER_URL`)."""
    settings.RINGCENTRAL_SERVER_URL = simulator.url
    return simulator


def pytest_collection_modifyitems(items):
    for item in items:
        if {"simulator", "simulator_process", "simulator_settings"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.simulator)

"""The RingCentral simulator as a real process for tests (`python -m telephony.simulator`).

    def test_extensions(simulator):                 # reset before the test, started if stopped
        sdk = SDK("arcadium-demo-client", "arcadium-demo-secret", simulator.url)
        sdk.platform().login(jwt=simulator.control.jwt("101"))

    def test_product(simulator_settings):           # also points settings.RINGCENTRAL_SERVER_URL at it
        ...

    def test_calls(simulator):
        platform = simulator.sdk_platform("102")   # official SDK, logged in as Bob (JWT grant)

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
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.services import stop_process

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
        stop_process(self.process)

    def sdk_platform(
        self,
        extension: str = "101",
        *,
        client_id: str = DEMO_CLIENT_ID,
        client_secret: str = DEMO_CLIENT_SECRET,
    ):
        """An official-SDK `Platform` logged in as a seeded user (JWT grant)."""
        from ringcentral import SDK

        platform = SDK(client_id, client_secret, self.url).platform()
        platform.login(jwt=self.control.jwt(extension))
        return platform

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
    shutil.rmtree(process.workdir, ignore_errors=True)


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


# -- helpers for tests that go through RingCentral's login pages -------------------------------

DEMO_PASSWORD = "ringcentral-demo"


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) as the official JS SDK makes them."""
    import base64
    import hashlib
    import secrets

    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(
    server: str,
    *,
    client_id: str = DEMO_CLIENT_ID,
    redirect_uri: str,
    state: str = "",
    challenge: str = "",
    method: str = "S256",
) -> str:
    """What `platform.login_url()` would build (it is broken in SDK 0.9.2: NameError on urllib)."""
    from urllib.parse import urlencode

    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri}
    if state:
        params["state"] = state
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method=method)
    return f"{server}/restapi/oauth/authorize?{urlencode(params)}"


def sign_in_and_authorize(
    url: str, *, username: str = "101", password: str = DEMO_PASSWORD, approve: bool = True
) -> str:
    """Do what a person does on the simulator's pages: sign in, press Authorize (or Deny), press
    "OK, got it". Returns the URL the browser is sent to (redirect_uri?code=…&state=…)."""
    from urllib.parse import urljoin

    import requests
    from bs4 import BeautifulSoup

    http = requests.Session()
    page = http.get(url, timeout=10)
    page.raise_for_status()
    form = BeautifulSoup(page.text, "html.parser").select_one("form#login-form")
    fields = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    fields.update(username=username, password=password)
    page = http.post(urljoin(url, form["action"]), data=fields, timeout=10)
    page.raise_for_status()
    form = BeautifulSoup(page.text, "html.parser").select_one("form#access-request-form")
    fields = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    fields["step"] = "authorize" if approve else "deny"
    page = http.post(urljoin(url, form["action"]), data=fields, timeout=10, allow_redirects=False)
    if not approve:
        return page.headers["Location"]
    page.raise_for_status()
    return BeautifulSoup(page.text, "html.parser").select_one("a#ok-got-it")["href"]

"""A real Arcadium server for live and browser tests: daphne serving `arcadium.asgi:application`
(HTTP and websockets) in a subprocess, against the test database.

    def test_login_page(live_app):              # live_app needs the transactional_db fixture (implied)
        html = urllib.request.urlopen(live_app + "/login/").read().decode()
        assert "Sign in to Arcadium" in html

    def test_with_simulator(live_app_factory, simulator):
        app = live_app_factory(env={"RINGCENTRAL_SERVER_URL": simulator.url})

`live_app` is a `LiveApp`: a str (the base URL, no trailing slash) that also carries `.ws_url`,
`.port` and `.log()` (the server's output so far; it is printed when the test fails).

Why a subprocess and not a server thread: daphne runs Twisted's reactor, which cannot be
restarted inside one process, and a separate process is what production looks like.

What the server shares with the test process, and what it does not:
- The database: tests must use `transactional_db` (the fixtures request it), because rows written
  inside the `db` fixture's transaction are invisible to another process.
- The channel layer only when REDIS_URL is set (CI). With the embedded in-memory layer a
  `group_send` in the test process never reaches the server's consumers: a live test that needs a
  server push must cause it through HTTP into the server (e.g. POST the webhook), or require Redis.
- Not the cache, nor anything else held in memory: each test gets a fresh server process, so
  nothing leaks between tests.
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.services import stop_process

ROOT = Path(__file__).resolve().parent.parent
ASGI_APP = "arcadium.asgi:application"
START_TIMEOUT_SECONDS = 30
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class LiveApp(str):
    """The base URL of a running server (e.g. http://127.0.0.1:40123), with its process attached."""

    process: subprocess.Popen
    port: int
    log_path: Path

    def __new__(cls, port: int, process: subprocess.Popen, log_path: Path) -> "LiveApp":
        app = super().__new__(cls, f"http://127.0.0.1:{port}")
        app.port, app.process, app.log_path = port, process, log_path
        return app

    @property
    def url(self) -> str:
        return str(self)

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _listening_socket(port: int = 0) -> socket.socket:
    # Bound and listening here, then handed to daphne by file descriptor: no window in which
    # another process could take the port, and connections queue until daphne accepts them.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart on the port of a killed server
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when the pytest process dies, so a
    killed test run (timeout, Ctrl+C twice, SIGKILL) leaves no daphne holding the test database."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the server process: the test process's, pointed at the test database."""
    from django.db import connection

    env = dict(os.environ)
    # The test process may set this for Playwright (see tests/browser.py); the server must keep
    # Django's async-safety check, it is what catches ORM calls made from async consumers.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.live_settings",
        ARCADIUM_LIVE_TEST_DB_NAME=str(connection.settings_dict["NAME"]),
        PYTHONUNBUFFERED="1",
        CATCH_UP_ON_START="1",  # as in production (the test process itself keeps it off)
    )
    env.update(extra or {})
    return env


def _wait_until_ready(app: LiveApp, deadline: float) -> None:
    while True:
        if app.process.poll() is not None:
            raise RuntimeError(f"daphne exited with {app.process.returncode} while starting:\n{app.log()}")
        try:
            with urllib.request.urlopen(app + "/login/", timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{app}/login/ answered {exc.code} while starting:\n{app.log()}") from exc
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            stop_live_app(app)
            raise RuntimeError(f"daphne did not answer within {START_TIMEOUT_SECONDS}s:\n{app.log()}")
        time.sleep(0.1)


def start_live_app(*, log_dir: Path, env: dict[str, str] | None = None, port: int = 0) -> LiveApp:
    """Start daphne on a free port (or `port`: the same address again after a crash) against the
    current test database; return once it serves pages."""
    sock = _listening_socket(port)
    port = sock.getsockname()[1]
    log_path = log_dir / f"daphne-{port}-{time.monotonic_ns()}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "--fd", str(sock.fileno()), "--access-log", "-", ASGI_APP],
            cwd=ROOT,
            env=server_env(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=[sock.fileno()],
            preexec_fn=_die_with_parent,
        )
    sock.close()
    app = LiveApp(port, process, log_path)
    _wait_until_ready(app, time.monotonic() + START_TIMEOUT_SECONDS)
    return app


def stop_live_app(app: LiveApp) -> None:
    stop_process(app.process, grace=3)


def test_failed(request: pytest.FixtureRequest) -> bool:
    """True when the test body of `request.node` failed (set by the hook below)."""
    report = getattr(request.node, "rep_call", None)
    return bool(report is not None and report.failed)


test_failed.__test__ = False  # a helper, not a test pytest should collect


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def live_app_factory(
    transactional_db, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., LiveApp]]:
    """Start one or more servers, optionally with extra environment (e.g. RINGCENTRAL_SERVER_URL)."""
    apps: list[LiveApp] = []

    def start(*, env: dict[str, str] | None = None, port: int = 0) -> LiveApp:
        app = start_live_app(log_dir=tmp_path, env=env, port=port)
        apps.append(app)
        return app

    yield start
    for app in apps:
        stop_live_app(app)
        if test_failed(request):
            print(f"---- daphne log for {app} ----\n{app.log()[-20000:]}")


@pytest.fixture
def live_app(live_app_factory) -> LiveApp:
    """A running Arcadium (daphne) on a free port, against this test's database."""
    return live_app_factory()

"""`make run` as a newcomer types it, in a fresh copy of the checkout, for the first-run tests.

The copy holds the checkout's files (tracked and new, not ignored) and its own `git init`, like a
fresh clone; `.venv` points at this interpreter's environment, whose install stamp is made newer
than the copy's pyproject.toml so `make` does not reinstall. The only variables set are the ports
(HOST/PORT/SIM_PORT, which the README documents), because 8000/8001 may be taken on a shared machine,
and PYTHONPATH, which `pip install -e` of the copy would give a real clone. A second terminal is
`FirstRun.terminal(command)`: the same environment, nothing else (no DEBUG, no secrets).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_SECONDS = 240  # fresh SQLite: migrate, seed, connect the demo company, sync


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_clone(target: Path) -> Path:
    """The checkout's files as a fresh clone has them, with `.venv` from this interpreter."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    venv = Path(sys.prefix)
    stamp = venv / ".installed"
    if not stamp.exists():
        pytest.fail(f"{venv} has no install stamp ({stamp}); run `make setup` in the checkout first")
    (target / ".venv").symlink_to(venv)
    older = stamp.stat().st_mtime - 60
    for name in ("pyproject.toml", "constraints.txt"):
        os.utime(target / name, (older, older))
    return target


@dataclass
class FirstRun:
    clone: Path
    env: dict[str, str]
    process: subprocess.Popen
    log_path: Path
    url: str
    simulator_url: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def terminal(self, command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """Type `command` in a second terminal at the clone's root."""
        return subprocess.run(
            ["bash", "-c", command],
            cwd=self.clone,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def wait_for_log(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if time.monotonic() > deadline:
                raise AssertionError(f"`make run` never printed {text!r}:\n{self.log()[-4000:]}")
            time.sleep(0.3)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_make_run(clone: Path, home: Path) -> FirstRun:
    port, sim_port = free_port(), free_port()
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(clone),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SIM_PORT": str(sim_port),
    }
    log_path = clone / "make-run.log"
    with open(log_path, "wb") as out:
        process = subprocess.Popen(
            ["make", "run"], cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    run = FirstRun(clone, env, process, log_path, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sim_port}")
    # A second terminal that runs `.venv/bin/python manage.py simulate_call` finds the simulator
    # through the settings' default address; with our ports it needs to be told.
    run.env["RINGCENTRAL_SERVER_URL"] = run.simulator_url
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not _answers(run.url + "/login/"):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(run)
            raise AssertionError(f"`make run` did not start:\n{run.log()[-6000:]}")
        time.sleep(0.5)
    return run


def stop(run: FirstRun) -> None:
    """Ctrl+C, as a person stops it: SIGINT to the whole process group, then SIGKILL if it hangs."""
    group = run.process.pid
    if run.process.poll() is None:
        os.killpg(group, signal.SIGINT)
    deadline = time.monotonic() + 30
    while (run.process.poll() is None or _group_alive(group)) and time.monotonic() < deadline:
        time.sleep(0.3)
    if _group_alive(group):
        os.killpg(group, signal.SIGKILL)
    run.process.wait()


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> Iterator[FirstRun]:
    clone = fresh_clone(tmp_path_factory.mktemp("clone"))
    run = start_make_run(clone, tmp_path_factory.mktemp("home"))
    try:
        yield run
    finally:
        stop(run)
        artifacts = ROOT / "test-artifacts" / "first-run"
        artifacts.mkdir(parents=True, exist_ok=True)
        shutil.copy2(run.log_path, artifacts / "make-run.log")

"""The README, exactly as written, in a fresh clone with the embedded defaults: `make run`, then the
commands it shows in a second terminal, then the walkthrough in real Chromium (ACME on the first
ring, the seeded calls on ACME's Calls tab), the schedule running, quiet logs, and `make run`
outliving its simulator. The commands come from the README itself, so the test follows it."""

import os
import re
import shlex
import signal
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import js_errors, screenshot
from tests.first_run import FirstRun, first_run

__all__ = ["first_run"]

pytestmark = [pytest.mark.browser, pytest.mark.simulator, pytest.mark.timeout(600)]

README = Path(__file__).resolve().parent.parent / "README.md"
ENV = r"(?:[A-Z_]+=\S+ )*"
RUNS_SOMETHING = re.compile(ENV + r"(?:make|\.venv/bin/\w+|python3?|bash|daphne|celery|docker|export) ")


def readme_commands() -> list[str]:
    """Every shell command the README shows: lines of ```sh blocks and inline `code` that runs something."""
    text = README.read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line:
                commands.append(line)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for span in re.findall(r"`([^`\n]+)`", prose):
        if RUNS_SOMETHING.match(span):
            commands.append(span)
    return list(dict.fromkeys(commands))


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def try_it_command(prefix: str) -> str:
    """The first command of the "Try it" walkthrough that starts with `prefix`."""
    return next(
        c for c in re.findall(r"`([^`\n]+)`", section("Try it: ring yourself")) if c.startswith(prefix)
    )


# -- what "works as typed" means for each kind of command -------------------------------------


def runs_for_real(run: FirstRun, command: str) -> None:
    result = run.terminal(command)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    assert "Ringing extension" in result.stdout, result.stdout


def without_env(command: str) -> list[str]:
    return shlex.split(re.sub("^" + ENV, "", command))


def make_target_exists(run: FirstRun, command: str) -> None:
    """Targets that take minutes or delete the venv (test, bench, clean…): `make -n` proves the
    target and its arguments are real without running it."""
    words = without_env(command)
    result = run.terminal(shlex.join(["make", "-n", *words[1:]]))
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"


def program_exists(run: FirstRun, command: str) -> None:
    """Deployment and CI commands (PostgreSQL, Redis, docker): what they name must exist here."""
    words = without_env(command)
    program = words[0]
    if program in ("python", "python3"):
        target = words[1:]
        if target[:1] == ["manage.py"]:
            result = run.terminal(f".venv/bin/python manage.py help {shlex.quote(target[1])}")
        else:
            module = target[target.index("-m") + 1]
            result = run.terminal(f".venv/bin/python -c 'import {module}'")
        assert result.returncode == 0, f"{command}\n{result.stderr}"
    elif program == "bash":
        assert (run.clone / words[1]).is_file(), command
    elif program == "docker":
        assert (run.clone / "docker-compose.yml").is_file() and (run.clone / "Dockerfile").is_file()
    else:
        assert (run.clone / ".venv/bin" / Path(program).name).exists(), command


def export_line(run: FirstRun, command: str) -> None:
    assert re.fullmatch(r"export [A-Z_]+=\S+", command), command


def kind_of(command: str):
    if command.startswith(("make call", ".venv/bin/python manage.py simulate_call")):
        return runs_for_real
    if command == "make run":
        return lambda run, command: None  # the `first_run` fixture started it exactly so
    if without_env(command)[0] == "make":
        return make_target_exists
    if command.startswith("export "):
        return export_line
    return program_exists


# -- the walkthrough in Chromium -------------------------------------------------------------


def sign_in_as_alice(page, run: FirstRun) -> None:
    walkthrough = section("Try it: ring yourself")
    assert "**alice** / `arcadium-demo`" in walkthrough and "**101** /\n   `ringcentral-demo`" in walkthrough
    page.goto(run.url + "/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("arcadium-demo")
    page.get_by_role("button", name="Sign in").click()
    # RingCentral is ticked on her resource record: the first time, Arcadium sends her on to the
    # simulator; later sign-ins reuse her authorization.
    page.wait_for_url(
        lambda url: url.startswith(run.simulator_url) or url.startswith(run.url + "/customers/")
    )
    if page.url.startswith(run.url):
        expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
        page.wait_for_function("() => document.querySelector('#live-socket') !== null")
        return
    page.get_by_label("Phone number or extension").fill("101")
    page.get_by_label("Password").fill("ringcentral-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Authorize").click()
    page.get_by_role("link", name="OK, got it").click()
    expect(page.locator("#phone-icon")).to_have_attribute("data-state", "listening")
    page.wait_for_function("() => document.querySelector('#live-socket') !== null")


def test_the_first_ring_pops_acme_corp(first_run, page):
    sign_in_as_alice(page, first_run)
    ring = try_it_command("make call")
    assert ring == 'make call FROM="(212) 555-0100" EXT=101'

    result = first_run.terminal(ring)

    assert result.returncode == 0, result.stdout + result.stderr
    wizard = page.locator(".wizard").first
    expect(wizard.locator(".caller-name")).to_have_text("ACME Corp (C-1000)")
    expect(wizard).to_contain_text("ACME Corp — matched on Main phone")
    expect(page.locator(".chooser")).to_have_count(0)
    screenshot(page, "first-run/first-ring", full_page=False)
    assert js_errors(page) == []


def test_acme_calls_tab_shows_the_seeded_history(first_run, page):
    """README step 4: "the demo company is connected at start-up and some history is seeded"."""
    sign_in_as_alice(page, first_run)
    page.goto(first_run.url + "/customers/?q=ACME+Corp")
    page.get_by_role("link", name="ACME Corp").first.click()
    page.get_by_role("link", name="Calls", exact=True).click()

    expect(page.locator("tr.call-row").nth(4)).to_be_visible()  # a month of calls, not one or two
    screenshot(page, "first-run/acme-calls")


def test_the_schedule_runs_and_the_connector_page_says_when(first_run, page):
    page.goto(first_run.url + "/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("arcadium-demo")
    page.get_by_role("button", name="Sign in").click()
    page.goto(first_run.url + "/telephony/connector/")

    expect(page.locator("#sync-schedule")).to_contain_text("Next automatic sync at")
    screenshot(page, "first-run/connector-schedule", full_page=False)

    # Beat sends each due entry through the files under var/celery/ and the worker takes it: the
    # one-minute entry moves on, and no message stays behind in the queue.
    first = beat_next_runs(first_run)["retry-events"]
    wait_until(lambda: beat_next_runs(first_run)["retry-events"] != first, timeout=150)
    queue = first_run.clone / "var" / "celery" / "queue"
    wait_until(lambda: not list(queue.glob("*.msg")), timeout=30)


def beat_next_runs(run: FirstRun) -> dict[str, str]:
    """What beat in `make run` recorded (arcadium.schedule), read from its file cache in var/beat/."""
    from django.core.cache.backends.filebased import FileBasedCache

    from arcadium.schedule import CACHE_KEY

    return FileBasedCache(str(run.clone / "var" / "beat"), {}).get(CACHE_KEY) or {}


def wait_until(condition, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still not true after {timeout} s"
        time.sleep(1)


def test_the_console_logs_one_line_per_request_and_no_expected_tracebacks(first_run, page):
    sign_in_as_alice(page, first_run)
    refused = page.goto(first_run.url + "/telephony/connector/")  # alice is not a connector admin
    assert refused.status == 403

    first_run.wait_for_log("GET /telephony/connector/ 403")
    log = first_run.log()
    assert "Traceback" not in log
    assert "GET /static/" not in log
    assert "WSCONNECT" not in log and "/ws/" not in log
    assert len(re.findall(r"GET /telephony/connector/ 403", log)) == 1
    assert "Forbidden" not in log


def test_the_readme_shows_commands_this_test_knows():
    commands = readme_commands()
    assert "make run" in commands and "make test" in commands
    assert any(c.startswith("make call") for c in commands)
    assert len(commands) >= 15, commands


def test_every_readme_command_works_as_typed_in_a_second_terminal(first_run):
    failures = []
    for command in readme_commands():
        try:
            kind_of(command)(first_run, command)
        except AssertionError as exc:
            failures.append(f"{command!r}: {exc}")
    assert failures == []


def simulator_pid(run: FirstRun) -> int:
    """The simulator process `make run` started (in its process group, never anyone else's)."""
    port = run.simulator_url.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            in_group = os.getpgid(int(proc.name)) == run.process.pid
        except (OSError, ProcessLookupError):
            continue
        if in_group and b"telephony.simulator" in argv and port.encode() in argv:
            return int(proc.name)
    raise AssertionError("the simulator process is not running")


def test_make_run_names_a_stopped_simulator_and_keeps_serving(first_run):
    """Last in the module: it stops the simulator for good."""
    os.kill(simulator_pid(first_run), signal.SIGTERM)

    first_run.wait_for_log("the RingCentral simulator stopped")
    first_run.wait_for_log("Arcadium keeps serving")
    with urllib.request.urlopen(first_run.url + "/login/", timeout=5) as response:  # noqa: S310
        assert response.status == 200
    assert first_run.process.poll() is None

"""Finding the real services a test needs (PostgreSQL, Redis, Chromium).

On a laptop a missing service skips the test with the reason; under CI it fails the test,
because CI must run everything.
"""

import os
import shutil
import socket
import subprocess
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM_PATHS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]


def require(condition: bool, why: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test, but: {why}")
    pytest.skip(why)


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"


def port_open(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=0.5):
            return True
    except OSError:
        return False


def require_redis() -> str:
    url = redis_url()
    require(port_open(url), f"no Redis answers at {url} (set REDIS_URL or start redis-server)")
    return url


def require_postgres() -> None:
    from django.db import connection

    require(connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL=postgres://…)")


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured
    for path in CHROMIUM_PATHS:
        if shutil.which(path):
            return path
    return None


def require_chromium() -> str:
    path = chromium_path()
    require(path is not None, "no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)")
    return path


def stop_process(process: subprocess.Popen, *, grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `grace` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

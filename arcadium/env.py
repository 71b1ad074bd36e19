"""Small, strict readers for settings that come from the environment.

Each helper raises ImproperlyConfigured with the variable's name when a value cannot be read,
so a typo in production fails at start-up rather than at the first request.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_secret(name: str, default: str = "") -> str:
    """Read NAME_FILE (a mounted secret) first, then NAME."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE points to {file_path!r}, which cannot be read: {exc}"
            ) from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number of seconds; got {raw!r}") from None
    if not 0 < value < float("inf"):
        raise ImproperlyConfigured(f"{name} must be a positive number; got {raw!r}")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def isolate_parallel_test_worker() -> None:
    """Under pytest-xdist (`make test` runs the suite in several processes) the workers share one
    Redis server and some tests empty their db: each worker takes its own db (the configured one,
    then the ones below it) and its own channel prefix. Written back to the environment because the
    servers, workers and simulators the tests start inherit it (and must not shift it again). pytest-django names each worker's
    test database apart by itself."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    # The processes a test starts inherit both the worker's name and the values set here.
    if not worker.startswith("gw") or os.environ.get("ARCADIUM_ISOLATED_WORKER") == worker:
        return
    os.environ["ARCADIUM_ISOLATED_WORKER"] = worker
    index = int(worker[2:])
    for name in ("REDIS_URL", "TEST_REDIS_URL"):
        url = os.environ.get(name)
        if url:
            base, _, db = url.rpartition("/")
            os.environ[name] = f"{base}/{(int(db or 0) - index) % 16}"
    os.environ["CHANNELS_PREFIX"] = f"{os.environ.get('CHANNELS_PREFIX', 'arcadium')}-{worker}"

"""A real Celery worker process on Redis, for the tests that are about the queue."""

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.services import stop_process

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def celery_worker(
    *, redis_url: str, database_url: str, log_dir: Path, env: dict[str, str], beat: bool = False
) -> Iterator:
    """Start `celery -A arcadium worker` (solo pool) on its own, emptied Redis db; yields the process
    (its output in `process.log`) and stops it afterwards. `beat`: with the beat schedule inside."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # our own Redis db: no stale messages from other runs
    full_env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_LOG_LEVEL": "INFO",  # tests read the worker's "received" lines
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "arcadium.settings",
        **env,
    }
    log = log_dir / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "arcadium", "worker", "--pool=solo", "-l", "INFO"]
    if beat:
        command += ["--beat", "--schedule", str(log_dir / "beat-schedule")]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    process.log = log
    try:
        yield process
    finally:
        stop_process(process, grace=15)

"""Waiting for something another process does (a webhook delivered, a socket reconnected)."""

import time
from collections.abc import Callable


def wait_for(
    check: Callable[[], object], *, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"
):
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)

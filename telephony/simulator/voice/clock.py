"""One scheduler thread for every call timer (answer after S, hang up after S, ring timeout).

A thread per timer would leave thousands of sleeping threads when a benchmark places many calls;
here a heap keeps them and one daemon thread runs each when due. `cancel_all()` forgets them
(simulator reset).
"""

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

_heap: list[tuple[float, int, Callable, tuple]] = []
_order = itertools.count()
_wake = threading.Condition()
_thread: threading.Thread | None = None


def call_later(delay: float, func: Callable, *args) -> None:
    global _thread
    with _wake:
        heapq.heappush(_heap, (time.monotonic() + max(0.0, delay), next(_order), func, args))
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="sim-voice-clock", daemon=True)
            _thread.start()
        _wake.notify()


def cancel_all() -> None:
    with _wake:
        _heap.clear()
        _wake.notify()


def pending() -> int:
    with _wake:
        return len(_heap)


def _run() -> None:
    while True:
        with _wake:
            while not _heap or _heap[0][0] > time.monotonic():
                _wake.wait(timeout=None if not _heap else _heap[0][0] - time.monotonic())
            _, _, func, args = heapq.heappop(_heap)
        try:
            func(*args)
        except Exception:
            log.exception("simulator timer %s failed", getattr(func, "__name__", func))

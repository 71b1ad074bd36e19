"""How fast this machine is at the moment a benchmark starts, kept with its figures as the load
average is.

On a shared virtual machine the same code's figures move with the host: a plain Python loop took
1.72 to 2.59 s from one run to the next on an idle machine, and a process that has slept wakes
slowly. A PostgreSQL round trip after 50 ms of quiet took ~0.8 ms against ~0.03 ms back to back,
and the same Python work ran 40 % slower after a 50 ms sleep than without one. A path of several
processes pays that on every hop when events are sparse: at 20 calls/s each one finds the
processes asleep, at 100/s they are still awake. These probes say which kind of hour a run had.
"""

import statistics
import time

import psycopg
from django.db import connection

LOOP_ITERATIONS = 10_000_000
ROUND_TRIPS = 40
QUIET_SECONDS = 0.05  # the gap between two calls at 20/s


def probe() -> dict[str, float]:
    """The machine's speed now: a Python loop, and database round trips back to back and after
    a quiet gap (p50 of each)."""
    return {
        "python_loop_seconds": round(_python_loop(), 3),
        "db_round_trip_busy_ms": round(_round_trip_ms(gap=0.0), 3),
        "db_round_trip_after_quiet_ms": round(_round_trip_ms(gap=QUIET_SECONDS), 3),
    }


def describe(figures: dict[str, float]) -> str:
    return (
        f"Python loop of {LOOP_ITERATIONS:,} additions {figures['python_loop_seconds']:.2f} s; "
        f"database round trip {figures['db_round_trip_busy_ms']:.3f} ms back to back, "
        f"{figures['db_round_trip_after_quiet_ms']:.3f} ms after {QUIET_SECONDS * 1000:.0f} ms of quiet"
    )


def _python_loop() -> float:
    started = time.perf_counter()
    total = 0
    for i in range(LOOP_ITERATIONS):
        total += i
    return time.perf_counter() - started


def _round_trip_ms(*, gap: float) -> float:
    """p50 of `SELECT 1` on the benchmarks' PostgreSQL server, over the same transport (its
    maintenance database: the benchmark's own may not exist yet on a fresh machine)."""
    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context"):
        params.pop(django_only, None)
    params["dbname"] = "postgres"
    timings = []
    with psycopg.connect(**params, autocommit=True) as probe_connection:
        probe_connection.execute("SELECT 1")  # connected before timing
        for _ in range(ROUND_TRIPS):
            if gap:
                time.sleep(gap)
            started = time.perf_counter()
            probe_connection.execute("SELECT 1").fetchone()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)

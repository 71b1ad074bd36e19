"""Run benchmarks, print a table, merge the figures into bench/results.json."""

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import secrets
import sys
import time
from pathlib import Path

from bench import REGISTRY, Result, benchmark_modules, machine

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"
# Over PostgreSQL's Unix socket where the server is local (no TCP round trip), else TCP.
LOCAL_SOCKET = Path("/var/run/postgresql/.s.PGSQL.5432")
DEFAULT_DATABASE_URL = (
    "postgres://postgres@%2Fvar%2Frun%2Fpostgresql/arcadium_bench"
    if LOCAL_SOCKET.exists()
    else "postgres://postgres@127.0.0.1:5432/arcadium_bench"
)


def configure_django() -> None:
    """Production-like settings (DEBUG off: no query logging) against the benchmark database."""
    from cryptography.fernet import Fernet

    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("FIELD_ENCRYPTION_KEY", Fernet.generate_key().decode())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arcadium.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Production settings insist on a real RingCentral address; no benchmark ever calls it.
    os.environ.setdefault("RINGCENTRAL_SERVER_URL", "https://platform.ringcentral.com")
    import django

    django.setup()


def format_value(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 else f"{value:.3g}"


def print_table(name: str, results: list[Result]) -> None:
    rows = [("benchmark", "metric", "value", "target", "result")]
    for r in results:
        verdict = {True: "pass", False: "MISS", None: ""}[r.passed]
        rows.append((name, r.metric, f"{format_value(r.value)} {r.unit}".rstrip(), r.target_text, verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def save(
    name: str, results: list[Result], seconds: float, load_at_start: list[float], speed: dict[str, float]
) -> None:
    stored = json.loads(RESULTS_PATH.read_text()) if RESULTS_PATH.exists() else {}
    stored[name] = {
        "ran_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "system": platform.platform(),
            "load_average_at_start": load_at_start,
            "speed_at_start": speed,
        },
        "results": [r.as_dict() for r in results],
    }
    RESULTS_PATH.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n")


def print_markdown(names: list[str]) -> None:
    """The stored figures as Markdown, for the README."""
    stored = json.loads(RESULTS_PATH.read_text()) if RESULTS_PATH.exists() else {}
    for name in names or list(stored):
        run = stored[name]
        load = run["machine"].get("load_average_at_start")
        speed = run["machine"].get("speed_at_start")
        speed_text = f"; {machine.describe(speed)}" if speed else ""
        print(
            f"`{name}`, {run['ran_at']}, {run['machine']['cpus']} CPUs, load average at start {load}{speed_text}:\n"
        )
        print("| metric | value | target | result |\n| --- | --- | --- | --- |")
        for r in run["results"]:
            verdict = {True: "pass", False: "**miss**", None: ""}[r["passed"]]
            value = f"{format_value(r['value'])} {r['unit']}".rstrip()
            print(f"| {r['metric']} | {value} | {r['target_text']} | {verdict} |")
        print()


def main(argv: list[str]) -> int:
    configure_django()  # first: benchmark modules may import models at the top
    for module in benchmark_modules():
        importlib.import_module(module)
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {', '.join(REGISTRY)})")
    parser.add_argument(
        "--markdown", action="store_true", help="print the stored figures as Markdown tables (no run)"
    )
    args = parser.parse_args(argv)
    if args.markdown:
        print_markdown(args.names)
        return 0
    unknown = [n for n in args.names if n not in REGISTRY]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    missed = False
    for name in args.names or list(REGISTRY):
        print(f"\n== {name} ==", flush=True)
        # Other processes on the machine inflate latencies: the load average is kept with the figures.
        load = [round(x, 2) for x in os.getloadavg()]
        print(f"load average at start: {load}", flush=True)
        # So does the host under a virtual machine: its speed now is kept too.
        speed = machine.probe()
        print(f"machine now: {machine.describe(speed)}", flush=True)
        started = time.monotonic()
        results = REGISTRY[name]()
        save(name, results, time.monotonic() - started, load, speed)
        print()
        print_table(name, results)
        missed |= any(r.passed is False for r in results)
    print(
        f"\nfigures saved to {RESULTS_PATH.relative_to(Path.cwd()) if RESULTS_PATH.is_relative_to(Path.cwd()) else RESULTS_PATH}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

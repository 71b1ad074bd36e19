"""The benchmark runner's arithmetic and bookkeeping (the benchmarks themselves run with `make bench`)."""

import json

import pytest

import bench.__main__ as runner
from bench import REGISTRY, Result, benchmark_modules, percentile
from tests.services import require_postgres


def test_it_takes_nearest_rank_percentiles():
    samples = [float(n) for n in range(1, 101)]  # 1..100
    assert percentile(samples, 50) == 50.0
    assert percentile(samples, 99) == 99.0
    assert percentile(samples, 100) == 100.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0


@pytest.mark.parametrize(
    ("result", "passed", "target_text"),
    [
        (Result("p50", 0.4, "ms", target=0.5), True, "≤ 0.5 ms"),
        (Result("p50", 0.6, "ms", target=0.5), False, "≤ 0.5 ms"),
        (Result("speed-up", 350, "×", target=300, higher_is_better=True), True, "≥ 300 ×"),
        (Result("speed-up", 250, "×", target=300, higher_is_better=True), False, "≥ 300 ×"),
        (Result("rows", 1_000_000, "rows"), None, ""),
    ],
)
def test_it_judges_results_against_their_targets(result, passed, target_text):
    assert result.passed is passed
    assert result.target_text == target_text


def test_it_merges_results_so_benchmarks_can_run_separately(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"other": {"results": [{"metric": "kept"}]}}))
    monkeypatch.setattr(runner, "RESULTS_PATH", path)

    speed = {"python_loop_seconds": 0.3, "db_round_trip_busy_ms": 0.04, "db_round_trip_after_quiet_ms": 0.8}
    runner.save("phone_matching", [Result("p50", 0.3, "ms", target=0.5)], 12.3, [0.5, 0.4, 0.3], speed)

    stored = json.loads(path.read_text())
    assert stored["other"] == {"results": [{"metric": "kept"}]}
    [row] = stored["phone_matching"]["results"]
    assert row["metric"] == "p50" and row["value"] == 0.3 and row["passed"] is True
    assert stored["phone_matching"]["machine"]["load_average_at_start"] == [0.5, 0.4, 0.3]
    assert stored["phone_matching"]["machine"]["speed_at_start"] == speed


@pytest.mark.django_db
def test_it_measures_the_machines_speed_with_the_figures(monkeypatch):
    from bench import machine

    require_postgres()  # the benchmarks' database server
    monkeypatch.setattr(machine, "LOOP_ITERATIONS", 100_000)
    monkeypatch.setattr(machine, "ROUND_TRIPS", 5)
    monkeypatch.setattr(machine, "QUIET_SECONDS", 0.01)

    speed = machine.probe()

    assert set(speed) == {"python_loop_seconds", "db_round_trip_busy_ms", "db_round_trip_after_quiet_ms"}
    assert all(value > 0 for value in speed.values())
    described = machine.describe(speed)
    assert f"{speed['db_round_trip_busy_ms']:.3f} ms back to back" in described
    assert "after 10 ms of quiet" in described


def test_it_finds_the_modules_that_register_benchmarks():
    import bench.phone_matching  # noqa: F401

    assert "bench.phone_matching" in benchmark_modules()
    assert "phone_matching" in REGISTRY

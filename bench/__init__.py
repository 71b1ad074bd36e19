"""Benchmarks: `python -m bench [names…]` (or `make bench ARGS="names…"`).

A benchmark is a function registered with `@benchmark("name")` in any module of this package (the
runner imports every bench/*.py that contains `@benchmark(`, so nobody edits a list); it returns
`Result`s. The runner prints them as a table and merges them into bench/results.json, so
benchmarks can be run one at a time without losing the others' figures.
"""

import math
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

REGISTRY: dict[str, Callable[[], list["Result"]]] = {}


@dataclass(frozen=True)
class Result:
    metric: str
    value: float
    unit: str = ""
    target: float | None = None
    higher_is_better: bool = False
    note: str = ""

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    @property
    def target_text(self) -> str:
        if self.target is None:
            return ""
        return f"{'≥' if self.higher_is_better else '≤'} {self.target:g} {self.unit}".rstrip()

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed, "target_text": self.target_text}


def benchmark_modules() -> list[str]:
    """The modules of this package that register benchmarks."""
    here = Path(__file__).resolve().parent
    return [
        f"bench.{path.stem}"
        for path in sorted(here.glob("*.py"))
        if not path.stem.startswith("_") and "@benchmark(" in path.read_text(encoding="utf-8")
    ]


def benchmark(name: str) -> Callable:
    def register(function: Callable[[], list[Result]]) -> Callable[[], list[Result]]:
        REGISTRY[name] = function
        return function

    return register


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0–100) of the samples."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


def median(samples: list[float]) -> float:
    return statistics.median(samples)

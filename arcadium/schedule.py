"""The periodic schedule as it really runs: beat records each entry's next run time, pages read it.

Beat is its own process (the worker's `-B` under `make run`, `celery beat` in production), so the
times travel through the `beat` cache: Redis when there is one, files under var/ otherwise. A time
nobody refreshed for a while means no beat is running, and pages say so instead of promising.
"""

from datetime import datetime, timedelta

from celery.beat import PersistentScheduler
from django.core.cache import caches
from django.utils import timezone

CACHE_KEY = "arcadium:beat:next-runs"
# Beat ticks at least once a minute (the shortest entry); twice its longest sleep means it is gone.
STALE_AFTER = timedelta(minutes=10)


def record_next_runs(next_runs: dict[str, datetime]) -> None:
    """Remember when each entry of the schedule runs next (called by beat on every tick)."""
    stamped = {name: at.isoformat() for name, at in next_runs.items()}
    caches["beat"].set(CACHE_KEY, stamped, timeout=int(STALE_AFTER.total_seconds()))


def next_run(name: str) -> datetime | None:
    """When beat runs the entry `name` next; None when no beat has reported recently."""
    stamped = caches["beat"].get(CACHE_KEY) or {}
    return datetime.fromisoformat(stamped[name]) if name in stamped else None


class RecordingScheduler(PersistentScheduler):
    """Celery's file-backed scheduler that also records its next run times after every tick."""

    def tick(self, *args: object, **kwargs: object) -> float:
        sleep = super().tick(*args, **kwargs)
        now = timezone.now()
        record_next_runs(
            {
                name: now + entry.schedule.remaining_estimate(entry.last_run_at)
                for name, entry in self.schedule.items()
                if not name.startswith("celery.")
            }
        )
        return sleep

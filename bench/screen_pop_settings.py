"""Settings for the daphne process the screen-pop benchmark starts: the project's own settings, with
the channel layer backend chosen by the benchmark (ours, or the classic layer for the baseline) and,
for the baseline, no connection pool (a new PostgreSQL connection per request, Django's default)."""

import os

from arcadium.settings import *  # noqa: F403
from arcadium.settings import CHANNEL_LAYERS, DATABASES

CHANNEL_LAYERS["default"]["BACKEND"] = os.environ.get(
    "BENCH_CHANNEL_LAYER", CHANNEL_LAYERS["default"]["BACKEND"]
)
if os.environ.get("BENCH_DB_POOL") == "0":
    DATABASES["default"].get("OPTIONS", {}).pop("pool", None)
    DATABASES["default"]["CONN_MAX_AGE"] = 0

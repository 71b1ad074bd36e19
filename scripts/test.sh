#!/usr/bin/env bash
# `make test`: the whole suite. Under CI every test must run: a missing service is a failure.
# Many tests wait on real processes (daphne, Celery, the simulator, Chromium), so the suite runs
# in TEST_WORKERS processes (pytest-xdist; one file stays in one process, its module fixtures
# with it). TEST_WORKERS=0 runs it in this process.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
exec .venv/bin/pytest -n "${TEST_WORKERS:-3}" --dist loadfile "$@"

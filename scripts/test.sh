#!/usr/bin/env bash
# `make test`: the whole suite. Under CI every test must run: a missing service is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
exec .venv/bin/pytest "$@"

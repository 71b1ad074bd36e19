#!/usr/bin/env bash
# `make run`: migrate, load demo data, start the RingCentral simulator and the app.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
SIM_PORT=${SIM_PORT:-8001}
export RINGCENTRAL_SERVER_URL=${RINGCENTRAL_SERVER_URL:-http://$HOST:$SIM_PORT}
export ARCADIUM_PUBLIC_URL=${ARCADIUM_PUBLIC_URL:-http://$HOST:$PORT}

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py seed_demo

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

if [ -f telephony/management/commands/run_simulator.py ]; then
  $PY manage.py run_simulator --host "$HOST" --port "$SIM_PORT" &
  pids+=($!)
fi
# Once the simulator answers: connect the demo company (admin JWT) and sync its call history.
$PY manage.py connect_demo --wait 30 || echo "  (could not connect the demo company to the simulator; see above)"

if [ -n "${REDIS_URL:-}" ]; then
  .venv/bin/celery -A arcadium worker -B -l warning &
  pids+=($!)
fi

echo
echo "  Arcadium:              http://$HOST:$PORT/   (sign in as alice / arcadium-demo)"
echo "  RingCentral simulator: $RINGCENTRAL_SERVER_URL/  (console: ring any demo user)"
echo "  Admin:                 http://$HOST:$PORT/admin/  (admin / arcadium-demo)"
if [ -n "${REDIS_URL:-}" ]; then
  echo "  Celery worker + beat:  on $REDIS_URL"
else
  echo "  Background work:       inside the web process (set REDIS_URL for Redis and a Celery worker)"
fi
echo "  Ctrl+C stops everything."
echo
.venv/bin/daphne -b "$HOST" -p "$PORT" arcadium.asgi:application &
pids+=($!)
wait -n "${pids[@]}"

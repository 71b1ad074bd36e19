#!/usr/bin/env bash
# `make run`: migrate, load demo data, start the RingCentral simulator, the Celery worker with beat,
# the ingest process and the app; watch them and say which one stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=$VENV/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
SIM_PORT=${SIM_PORT:-8001}
# The simulator's SIP WebSocket for "Answer in browser" (TLS, self-signed): a fixed port, so a
# browser that accepted its certificate once keeps it.
export SIM_SIP_PORT=${SIM_SIP_PORT:-8002}
export RINGCENTRAL_SERVER_URL=${RINGCENTRAL_SERVER_URL:-http://$HOST:$SIM_PORT}
export ARCADIUM_PUBLIC_URL=${ARCADIUM_PUBLIC_URL:-http://$HOST:$PORT}

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py seed_demo

# Plain indexed arrays and a polling loop rather than `wait -n`: macOS still ships bash 3.2.
pids=()
names=()
cleanup() {
  trap - EXIT INT TERM
  for pid in ${pids[@]+"${pids[@]}"}; do [ "$pid" = gone ] || kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() {  # start NAME COMMAND…: run it in the background and remember its name
  local name=$1
  shift
  "$@" &
  pids+=($!)
  names+=("$name")
}

start "the RingCentral simulator" $PY manage.py run_simulator --host "$HOST" --port "$SIM_PORT"
# Once the simulator answers: connect the demo company (admin JWT) and sync its call history.
$PY manage.py connect_demo --wait 30 || echo "  (could not connect the demo company to the simulator; see above)"

# The periodic schedule (sync, subscription renewal, token refresh, event retries) runs in one
# worker with beat: on Redis when REDIS_URL is set, else on files under var/celery/ (no server).
# Without Redis the web process still runs the tasks it starts itself, so its pushes reach the browser.
start "the Celery worker (with beat)" env CELERY_TASK_ALWAYS_EAGER=0 "$VENV/bin/celery" -q -A arcadium worker -B \
  --pool=threads --concurrency=2 --without-mingle --without-gossip -l warning

# The ingest process applies the RingCentral events the webhook stores (match, wizard, push). On
# the embedded defaults the web process applies them itself (INGEST_INLINE) and this one only
# takes what is left waiting.
start "the ingest process" $PY manage.py run_ingest

echo
echo "  Arcadium:              http://$HOST:$PORT/   (sign in as alice / arcadium-demo)"
echo "  RingCentral simulator: $RINGCENTRAL_SERVER_URL/  (console: ring any demo user)"
echo "  Admin:                 http://$HOST:$PORT/admin/  (admin / arcadium-demo)"
echo "  Answer in browser:     accept the simulator's SIP certificate once at https://$HOST:$SIM_SIP_PORT/_sim/health"
if [ -n "${REDIS_URL:-}" ]; then
  echo "  Celery worker + beat:  on $REDIS_URL"
else
  echo "  Celery worker + beat:  on files in ${ARCADIUM_VAR_DIR:-var}/celery/ (set REDIS_URL for Redis)"
fi
echo "  Ring alice:            make call FROM=\"(212) 555-0100\" EXT=101   (in another terminal)"
echo "  Ctrl+C stops everything."
echo
# -v 0: no access log from daphne (every static file and websocket frame); Arcadium logs one line
# per request itself (arcadium/request_log.py).
start "the web server (daphne)" "$VENV/bin/daphne" -v 0 -b "$HOST" -p "$PORT" arcadium.asgi:application
web=$!

# Name whichever process stops; only the web server's end ends `make run`.
while :; do
  for i in "${!pids[@]}"; do
    pid=${pids[$i]}
    [ "$pid" = gone ] && continue
    kill -0 "$pid" 2>/dev/null && continue
    status=0
    wait "$pid" || status=$?
    echo "  ${names[$i]} stopped (exit status $status)." >&2
    pids[$i]=gone
    [ "$pid" = "$web" ] && exit 1
    echo "  Arcadium keeps serving at http://$HOST:$PORT/; restart \`make run\` to bring it back." >&2
  done
  sleep 1
done

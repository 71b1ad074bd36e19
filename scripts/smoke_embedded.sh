#!/usr/bin/env bash
# Smoke run of the embedded defaults (what a newcomer gets from `make run`): no DATABASE_URL, no
# REDIS_URL, a fresh SQLite file. Migrate, load the demo, boot daphne on a free port, then check
# that the login page and (signed in through the real form) a customer page render.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

unset DATABASE_URL REDIS_URL CELERY_BROKER_URL
export DEBUG=1 ARCADIUM_VAR_DIR
ARCADIUM_VAR_DIR=$(mktemp -d /tmp/arcadium-smoke.XXXXXX)
jar="$ARCADIUM_VAR_DIR/cookies.txt"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$ARCADIUM_VAR_DIR"
}
trap cleanup EXIT

fail() {
  echo "SMOKE FAILED: $*" >&2
  echo "---- daphne log ----" >&2
  cat "$ARCADIUM_VAR_DIR/daphne.log" >&2 || true
  exit 1
}

# Fetch a page; fail unless it answers 200 and contains the expected text.
expect_page() {
  local path=$1 text=$2 body status
  body="$ARCADIUM_VAR_DIR/page.html"
  status=$(curl -sS -o "$body" -w '%{http_code}' -b "$jar" -c "$jar" "$base$path") || fail "GET $path: no answer"
  [ "$status" = 200 ] || fail "GET $path answered $status"
  grep -qF "$text" "$body" || fail "GET $path does not contain “$text”"
  echo "  ok  GET $path → 200, contains “$text”"
}

echo "  embedded defaults in $ARCADIUM_VAR_DIR (SQLite, in-memory channel layer, in-process tasks)"
$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo
port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
.venv/bin/daphne -b 127.0.0.1 -p "$port" arcadium.asgi:application >"$ARCADIUM_VAR_DIR/daphne.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$base/login/" && break
  kill -0 "$pid" 2>/dev/null || fail "daphne exited while starting"
  sleep 0.2
done

expect_page /static/css/arcadium.css ".app-header"
expect_page /login/ "Sign in to Arcadium"
csrf=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' "$ARCADIUM_VAR_DIR/page.html" | sed 's/.*value="//; s/"$//') || true
[ -n "$csrf" ] || fail "no CSRF token on the login page"
status=$(curl -sS -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" \
  --data-urlencode "csrfmiddlewaretoken=$csrf" --data-urlencode "username=alice" \
  --data-urlencode "password=arcadium-demo" --data-urlencode "next=/customers/" "$base/login/")
[ "$status" = 302 ] || fail "signing in as alice answered $status (expected a 302 redirect)"
echo "  ok  POST /login/ as alice → 302"

expect_page /customers/ "ACME Corp"
customer=$(grep -o 'href="/customers/[0-9]*/">ACME Corp<' "$ARCADIUM_VAR_DIR/page.html" | grep -o '/customers/[0-9]*/') \
  || fail "no link to ACME Corp on the customer list"
expect_page "$customer" "(212) 555-0100"
expect_page "${customer}contacts/" "Jane Smith"
expect_page "/customers/?q=%2B1%20212-555-0100" "ACME Corp"
echo "  embedded smoke passed"

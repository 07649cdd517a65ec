#!/usr/bin/env bash
# Load test (issue 6): start a server on 127.0.0.1 with the demo registry, run
# bench/bench_load.py against it (95% searches, 5% writes, CLI imports meanwhile), stop it.
#   bash bench/run_load.sh [--postgres] [--workers N] [bench_load.py options: --seconds 60 ...]
# --postgres: a throwaway PostgreSQL + PostGIS (scripts/postgres.sh), else a SQLite file.
# Rate limits are switched off for the run (the test measures the server, not the limiter).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/_venv.sh
postgres=0
workers=2
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) postgres=1 ;;
    --workers) workers="$2"; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done

work="$(mktemp -d /tmp/stationfinder-load.XXXXXX)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  [ "$postgres" = 1 ] && pg_stop
  rm -rf "$work"
}
trap cleanup EXIT
if [ "$postgres" = 1 ]; then
  source scripts/postgres.sh
  pg_start
  db="$STATIONFINDER_TEST_POSTGRES_URL"
else
  db="sqlite:///$work/load.db"
fi

export STATIONFINDER_ADMIN_TOKEN="load-test-token"
export STATIONFINDER_RATE_LIMIT_SEARCH_PER_MIN=0 STATIONFINDER_RATE_LIMIT_WRITES_PER_MIN=0
port="$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "== demo registry into $db"
.venv/bin/stationfinder demo --database-url "$db" >/dev/null
echo "== stationfinder serve --workers $workers on 127.0.0.1:$port"
.venv/bin/stationfinder serve --no-demo --port "$port" --workers "$workers" --database-url "$db" \
  >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.2
done
status=0
.venv/bin/python bench/bench_load.py --base-url "http://127.0.0.1:$port" \
  --token "$STATIONFINDER_ADMIN_TOKEN" --database-url "$db" "${args[@]}" || status=$?
if grep -q "Traceback" "$work/server.log"; then
  echo "== the server logged tracebacks:"; grep -A20 "Traceback" "$work/server.log" | head -60
  status=1
fi
exit "$status"

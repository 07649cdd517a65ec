# Sourced by scripts/test: a throwaway PostgreSQL 15 + PostGIS 3 server for the tests.
#   pg_start   install the Debian packages if missing (root/CI), initdb a temporary
#              directory, listen on 127.0.0.1 only on a free port, export
#              STATIONFINDER_TEST_POSTGRES_URL; pg_stop (run on exit) stops and deletes it.
# Needs apt_install from _venv.sh. Without root and without the packages, the PostGIS
# tests are skipped locally (and fail in CI, where this script can install them).
PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR=""

pg_start() {
  if [ ! -x "$PG_BIN/postgres" ] || [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "== apt-get install postgresql-15 postgresql-15-postgis-3"
      apt_install postgresql-15 postgresql-15-postgis-3
    else
      echo "note: PostgreSQL 15 + PostGIS missing, PostGIS tests skipped (sudo apt-get install postgresql-15 postgresql-15-postgis-3)" >&2
      return 0
    fi
  fi
  PG_DIR="$(mktemp -d /tmp/stationfinder-pg.XXXXXX)"
  local as=()
  if [ "$(id -u)" = 0 ]; then  # initdb refuses to run as root
    chown postgres: "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  local port
  port="$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "${as[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync >/dev/null
  # fsync off: a test database need not survive a power cut, and tests run faster.
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w start \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c max_connections=300" >/dev/null
  export STATIONFINDER_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/postgres"
  echo "== PostgreSQL + PostGIS on 127.0.0.1:$port ($PG_DIR)"
}

pg_stop() {
  if [ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ]; then
    local as=()
    [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
    "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}

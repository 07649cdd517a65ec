#!/usr/bin/env bash
# Run bench/bench_nearest.py with its PostGIS peer (bench/bench_backends.py) against a
# throwaway PostgreSQL + PostGIS (127.0.0.1, free port, temporary directory; installed
# with apt-get if missing), stopped afterwards. Arguments go to bench_nearest.py.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/_venv.sh
source scripts/postgres.sh
trap pg_stop EXIT
pg_start
.venv/bin/python bench/bench_nearest.py "$@"

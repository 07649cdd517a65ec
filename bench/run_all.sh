#!/usr/bin/env bash
# The national-scale benchmark suite (issue 8), one command, on a fresh Debian machine:
#
#   bash bench/run_all.sh              # ~15 minutes on a 2-core VM; rewrites docs/performance.md
#   SF_BENCH_DATA=/tmp/sf-data bash bench/run_all.sh   # keep the seeded SQLite files for reruns
#   SF_BENCH_SIZES=10000 SF_BENCH_STATIONS=10000 SF_BENCH_HTTP=0 bash bench/run_all.sh  # smoke
#
# Installs what it needs (the venv via scripts/_venv.sh; PostgreSQL 15 + PostGIS 3 via
# scripts/postgres.sh, which also starts a throwaway server; wrk via apt-get), then runs:
#   1. bench/bench_nearest.py   10k/150k/1M: registry, index, brute force, PostGIS KNN
#   2. bench/bench_scale.py     1M: `stationfinder serve` start-up and memory, write costs
#   3. bench/bench_http.py      HTTP nearest vs a bare endpoint with wrk (if present)
# and writes their tables, the machine and the commands into docs/performance.md between
# the markers of "## National scale (issue 8)" (a rerun replaces only that block).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/_venv.sh
source scripts/postgres.sh

OUT="$(mktemp -d /tmp/sf-bench-out.XXXXXX)"
DATA="${SF_BENCH_DATA:-$OUT/data}"
mkdir -p "$DATA"
cleanup() { pg_stop; rm -rf "$OUT"; }
trap cleanup EXIT

if ! command -v wrk >/dev/null 2>&1; then
  echo "== apt-get install wrk"
  apt_install wrk
fi
pg_start
[ -n "${STATIONFINDER_TEST_POSTGRES_URL:-}" ] || { echo "PostgreSQL + PostGIS is needed" >&2; exit 1; }

started=$(date +%s)
uptime >"$OUT/uptime-before"
NEAREST=(.venv/bin/python bench/bench_nearest.py --sizes "${SF_BENCH_SIZES:-10000,150000,1000000}"
  --queries 300 --queries-1m 200 --peer-queries 30 --data-dir "$DATA")
SCALE=(.venv/bin/python bench/bench_scale.py --stations "${SF_BENCH_STATIONS:-1000000}" --data-dir "$DATA")
HTTP=(.venv/bin/python bench/bench_http.py)

step() {  # name, command...: run it, keep its seconds
  local name="$1"; shift
  local t0; t0=$(date +%s)
  echo "== $name: $*"
  local rc=0
  "$@" || rc=$?
  echo "$(( $(date +%s) - t0 ))" >"$OUT/$name.seconds"
  return $rc
}
step nearest "${NEAREST[@]}" --markdown "$OUT/nearest.md" --json "$OUT/nearest.json"
step scale "${SCALE[@]}" --markdown "$OUT/scale.md"
if [ "${SF_BENCH_HTTP:-1}" = 0 ]; then
  echo "skipped (SF_BENCH_HTTP=0)" >"$OUT/http.md"
elif [ -f bench/bench_http.py ]; then
  step http "${HTTP[@]}" --markdown "$OUT/http.md" || echo "bench_http.py failed" >"$OUT/http.md"
else
  echo "bench/bench_http.py is not there yet" >"$OUT/http.md"
fi
uptime >"$OUT/uptime-after"
echo "$(( $(date +%s) - started ))" >"$OUT/total.seconds"

OUT="$OUT" NEAREST="${NEAREST[*]}" SCALE="${SCALE[*]}" HTTP="${HTTP[*]}" \
  .venv/bin/python - <<'PY'
"""Write the generated block of docs/performance.md's national-scale section."""
import os, platform, re, subprocess
from datetime import date
from pathlib import Path

out = Path(os.environ["OUT"])
doc = Path("docs/performance.md")
begin, end = "<!-- run_all.sh: begin (generated, do not edit) -->", "<!-- run_all.sh: end -->"
lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
cpu = dict(
    (k.strip(), v.strip()) for k, _, v in (l.partition(":") for l in lscpu.splitlines()) if v
)
mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
def secs(name):
    p = out / f"{name}.seconds"
    return f"{int(p.read_text())} s" if p.exists() else "not run"
def md(name):
    p = out / f"{name}.md"
    return p.read_text().strip() if p.exists() else "(no output)"
block = f"""{begin}
Run of {date.today().isoformat()} at commit {commit}{' (with uncommitted changes in the tree)' if dirty else ''}, total {secs('total')}
(nearest {secs('nearest')}, scale {secs('scale')}, HTTP {secs('http')}).

Machine: {cpu.get('Model name', platform.processor())}, {cpu.get('CPU(s)', '?')} CPUs
({cpu.get('Thread(s) per core', '?')} thread(s) per core), {mem_kb / 2**20:.1f} GiB RAM,
{platform.system()} {platform.release()}, Python {platform.python_version()}.
Load before: `{(out / 'uptime-before').read_text().strip()}`; after: `{(out / 'uptime-after').read_text().strip()}`.

Commands (what `bash bench/run_all.sh` ran, after installing PostgreSQL/PostGIS and wrk):

```sh
{os.environ['NEAREST']}
{os.environ['SCALE']}
{os.environ['HTTP']}
```

#### Nearest search: registry (the API's call), index alone, brute force, PostGIS KNN

{md('nearest')}

#### Start-up, memory and writes at 1,000,000 stations

{md('scale')}

#### HTTP (bench/bench_http.py)

{md('http')}
{end}"""
text = doc.read_text(encoding="utf-8")
if begin in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
elif "## National scale (issue 8)" in text:
    text = text.replace("## National scale (issue 8)\n", "## National scale (issue 8)\n\n" + block + "\n", 1)
else:
    text = text.rstrip("\n") + "\n\n## National scale (issue 8)\n\n" + block + "\n"
doc.write_text(text, encoding="utf-8")
print(f"wrote the generated block of {doc}")
PY

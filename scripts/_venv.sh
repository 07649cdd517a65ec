# Sourced by scripts/serve and scripts/test: make .venv with Python >= 3.11 and install
# the project into it, with the extras named in $SF_EXTRAS (e.g. "test"). A variable,
# not $1: a sourced script sees its caller's arguments (serve's --port) as its own. Works on a fresh Debian machine:
# if the venv module is missing (Debian splits it into python3-venv), install it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  # Run each candidate: a version manager's shim can exist and still fail to start.
  for candidate in python3 python3.13 python3.12 python3.11; do
    if new_enough "$candidate"; then PY="$candidate"; break; fi
  done
fi
if [ -z "$PY" ] || ! new_enough "$PY"; then
  echo "stationfinder needs Python 3.11 or newer (tried: ${PY:-python3, python3.13, python3.12, python3.11})" >&2
  exit 1
fi

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "please install: $* (e.g. sudo apt-get install $*)" >&2
    exit 1
  fi
}

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    minor="$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    apt_install "python${minor}-venv" || apt_install python3-venv
    "$PY" -m venv .venv
  fi
fi

extras="${SF_EXTRAS:-}"
spec="."
[ -n "$extras" ] && spec=".[${extras}]"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet --editable "$spec"

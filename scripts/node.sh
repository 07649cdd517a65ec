# Sourced by scripts/test (or run: bash scripts/node.sh): the reference implementation of
# OSM opening_hours (npm opening_hours, pinned by tests/reference/package-lock.json) for
# the tests under tests/reference/ (marker "node").
#   node_reference_install  install Debian's nodejs and npm if node is missing (root/CI),
#                           then `npm ci` the package into the cache directory that
#                           tests/reference/opening_hours_js.py reads, once per lock file.
# Without root and without node, or when npm cannot install, the node tests are skipped
# locally (and fail in CI, where this script can install them).

node_reference_install() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] || [ -n "${CI:-}" ]; then
      local packages=(npm)
      command -v node >/dev/null 2>&1 || packages=(nodejs npm)
      echo "== apt-get install ${packages[*]}"
      apt_install "${packages[@]}"
    else
      echo "note: node or npm is missing, so the opening_hours reference tests are skipped (sudo apt-get install nodejs npm)" >&2
      return 0
    fi
  fi
  local python=.venv/bin/python dir tmp
  [ -x "$python" ] || python=python3
  dir="$("$python" -m tests.reference.opening_hours_js where)"
  [ -d "$dir" ] && return 0  # installed by an earlier run: moved into place whole
  echo "== npm ci opening_hours (into $dir)"
  mkdir -p "$(dirname "$dir")"
  tmp="$(mktemp -d "$dir.partial.XXXXXX")"
  cp tests/reference/package.json tests/reference/package-lock.json "$tmp/"
  if ! (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null); then
    rm -rf "$tmp"
    if [ -n "${CI:-}" ]; then
      echo "npm ci of tests/reference/package-lock.json failed" >&2
      return 1
    fi
    echo "note: npm ci failed, so the opening_hours reference tests are skipped" >&2
    return 0
  fi
  # Another run may have finished first: keep its copy.
  mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then  # run, not sourced
  set -euo pipefail
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  if ! declare -F apt_install >/dev/null; then
    apt_install() {
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
      else
        echo "please install: $* (e.g. sudo apt-get install $*)" >&2
        exit 1
      fi
    }
  fi
  node_reference_install
fi

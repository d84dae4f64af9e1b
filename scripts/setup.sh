#!/usr/bin/env bash
# Sets up what the tests need, from nothing: a virtual environment (.venv, or $VENV) with the
# package installed non-editable (as users install it) plus the test tools, and the node authorization server
# used for interop. Safe to run again; prints the venv's python path last.
# Sets up what the tests and the demo need, from nothing: a virtual environment (.venv, or $VENV) with the
# package installed non-editable (as users install it) plus the test tools, the node authorization server
# used for interop, and redis-server (Debian's package, installed as root if missing) for the fleet tier.
# Safe to run again; prints the venv's python path last.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "scripts/setup.sh: need Python >= 3.11 (set PYTHON=...)" >&2; return 1
}

# skopeo (Debian package) for tests/test_skopeo_real.py: installed only when missing, which needs root and apt.
if ! command -v skopeo >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "scripts/setup.sh: skopeo is missing; install it (Debian/Ubuntu: apt-get install skopeo) or run this as root" >&2
    exit 1
  fi
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq skopeo; } >&2 \
    || { echo "scripts/setup.sh: apt-get install skopeo failed (see above)" >&2; exit 1; }
fi
# The fleet-tier tests (tests/fleet/) and bench/bench_fleet.py start real redis-servers: Debian's package.
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "scripts/setup.sh: installing redis-server (Debian package) for the fleet-tier tests" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2 || {
      echo "scripts/setup.sh: apt-get install redis-server failed; the fleet-tier tests need it" >&2; exit 1; }
  else
    echo "scripts/setup.sh: redis-server is needed for the fleet-tier tests; install it as root" \
      "(apt-get install redis-server) or put one on PATH" >&2
    exit 1
  fi
fi

if [ ! -x "$venv/bin/python" ]; then
  "$(find_python)" -m venv "$venv" >&2
fi
py="$venv/bin/python"
pip=("$py" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" --upgrade pip >&2
"${pip[@]}" ".[test]" >&2
# Test the package as it installs, not the source tree: rebuild and reinstall it non-editable every time.
# setuptools reuses build/lib: a module moved or deleted since the last build would ship as a stale copy.
rm -rf build
"${pip[@]}" --no-deps --force-reinstall . >&2

if [ -f tests/interop/package.json ]; then
  command -v npm >/dev/null 2>&1 || { echo "scripts/setup.sh: npm is needed for the interop tests" >&2; exit 1; }
  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
echo "$py"

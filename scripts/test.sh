#!/usr/bin/env bash
# The test command. On a fresh clone and a fresh machine it does all the set-up itself: a virtual environment
# (.venv, or $VENV), the package installed non-editable as users install it, the test tools, the node
# authorization server used for interop; then ruff, mypy --strict and the whole pytest suite.
# Extra arguments go to pytest (e.g. scripts/test.sh -k git -x).
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
  echo "scripts/test.sh: need Python >= 3.11 (set PYTHON=...)" >&2; return 1
}

if [ ! -x "$venv/bin/python" ]; then
  "$(find_python)" -m venv "$venv"
fi
py="$venv/bin/python"
"$py" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$py" -m pip install --quiet --disable-pip-version-check ".[test]"
# Always test the package as it installs, not the source tree: rebuild and reinstall it non-editable.
"$py" -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall .

if [ -f tests/interop/package.json ] && command -v npm >/dev/null 2>&1; then
  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
fi

"$venv/bin/ruff" check helper integrations tests bench
"$venv/bin/ruff" format --check helper integrations tests bench
PYTHON="$py" scripts/typecheck.sh
exec "$py" -m pytest "$@"

#!/usr/bin/env bash
# The "try it" command. Needs Python >= 3.11 (and PyPI access the first time); git, the docker CLI, kubectl and
# openssl are each optional: scripts/demo.py shows the tools it finds and names the ones it skips.
# The demo has its own virtual environment (.venv-demo, or $DEMO_VENV) with the package and its three runtime
# dependencies only; it is installed on the first run and again only when the package's sources change, so a
# second run installs nothing. (scripts/setup.sh, for the tests, reinstalls the package into .venv every time.)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${DEMO_VENV:-.venv-demo}

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "scripts/demo.sh: the demo needs Python >= 3.11 (none found; set PYTHON=/path/to/python3.11)" >&2
  return 1
}

if [ ! -x "$venv/bin/python" ]; then
  python=$(find_python)
  echo "demo: creating $venv" >&2
  "$python" -m venv "$venv" >&2
fi
py="$venv/bin/python"
stamp="$venv/.rightbrain-demo-sources"
sources=$(find pyproject.toml helper integrations -type f \( -name '*.py' -o -name '*.toml' -o -name py.typed \) \
  | LC_ALL=C sort | xargs cat | "$py" -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$sources" ]; then
  echo "demo: installing the helper into $venv" >&2
  "$py" -m pip install --quiet --disable-pip-version-check . >&2
  echo "$sources" > "$stamp"
fi
exec "$py" scripts/demo.py

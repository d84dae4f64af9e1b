#!/usr/bin/env bash
# The declared lower bounds of the runtime dependencies, tested: a second venv (.venv-floor, or $FLOOR_VENV) with
# each dependency at the exact version its ">=" in pyproject.toml names, running the suites that exercise them
# (locking and the cache, the token request, TLS, the fleet tier). scripts/test.sh runs this after the main suite.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${FLOOR_VENV:-.venv-floor}
main_py=${PYTHON:-.venv/bin/python}
if [ ! -x "$venv/bin/python" ]; then
  "$("$main_py" -c 'import sys, os; print(os.path.join(sys.base_prefix, "bin", "python3"))')" -m venv "$venv"
fi
py="$venv/bin/python"
floors=$("$py" - <<'PY'
import re, tomllib
with open("pyproject.toml", "rb") as handle:
    project = tomllib.load(handle)["project"]
extras = project["optional-dependencies"]
dependencies = project["dependencies"] + extras["redis"] + extras["jwt"]  # and the fleet tier's and [jwt]
print(" ".join(re.sub(r">=([^,#]+).*", r"==\1", item.replace(" ", "")) for item in dependencies))
PY
)
echo "floor versions: $floors" >&2
pip=("$py" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" --upgrade pip >&2
# shellcheck disable=SC2086  # one argument per requirement
"${pip[@]}" $floors pytest pytest-timeout hypothesis >&2
rm -rf build  # no stale modules from an earlier build
"${pip[@]}" --no-deps --force-reinstall . >&2
exec "$py" -m pytest -q tests/test_concurrency.py tests/test_cache_files.py tests/test_hot_path.py \
  tests/test_wire.py tests/test_retries.py tests/test_tls.py tests/test_smoke_cli.py tests/fleet

#!/usr/bin/env bash
# The test command: on a fresh clone and a fresh machine it does all the set-up itself (scripts/setup.sh), then
# runs ruff, mypy --strict and the whole pytest suite. Extra arguments go to pytest (e.g. -k git -x).
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(scripts/setup.sh)
bin=$(dirname "$py")
"$bin/ruff" check helper integrations tests bench scripts
"$bin/ruff" format --check helper integrations tests bench scripts
PYTHON="$py" scripts/typecheck.sh
exec "$py" -m pytest "$@"

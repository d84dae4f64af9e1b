#!/usr/bin/env bash
# The test command: on a fresh clone and a fresh machine it does all the set-up itself (scripts/setup.sh), then
# runs ruff, mypy --strict and the whole pytest suite, then the core suites again with every runtime dependency
# at its lowest declared version (scripts/test-floor.sh). Extra arguments go to pytest alone (e.g. -k git -x).
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(scripts/setup.sh)
bin=$(dirname "$py")
"$bin/ruff" check helper integrations tests bench scripts
"$bin/ruff" format --check helper integrations tests bench scripts
PYTHON="$py" scripts/typecheck.sh
"$py" -m pytest "$@"
# The whole run (no arguments, as CI runs it) also tests the dependencies' declared lower bounds.
if [ $# -eq 0 ]; then
  PYTHON="$py" scripts/test-floor.sh
fi

#!/usr/bin/env bash
# mypy --strict over the package as it installs (helper/ -> rightbrain_helper, integrations/ -> .integrations),
# and the tests and benchmarks (or the files given). The source tree's names differ from the import names, so stage a copy.
set -euo pipefail
cd "$(dirname "$0")/.."
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r helper "$stage/rightbrain_helper"
cp -r integrations "$stage/rightbrain_helper/integrations"
find "$stage" -name __pycache__ -prune -exec rm -rf {} +
if [ $# -eq 0 ]; then set -- tests bench scripts/demo.py; fi
MYPYPATH="$stage" "${PYTHON:-.venv/bin/python}" -m mypy --strict --cache-dir "$stage/.mypy_cache" \
  "$stage/rightbrain_helper" "$@"

#!/usr/bin/env bash
# The "try it" command: sets up the venv (scripts/setup.sh), then runs scripts/demo.py: a local issuer and
# servers on 127.0.0.1, a throwaway HOME, git, docker and kubectl configured there and sharing one cached token.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(scripts/setup.sh)
exec "$py" scripts/demo.py

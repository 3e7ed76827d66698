#!/usr/bin/env bash
# The whole test suite against a real Docker engine and a real PostgreSQL:
# provisions what is missing, then runs pytest with every marker. Nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
bash scripts/venv.sh
exec .venv/bin/pytest -p no:cacheprovider "$@"

#!/usr/bin/env bash
# Create .venv with bootstrap and its test dependencies (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
if ! .venv/bin/python -c "import bootstrap, pytest, pytest_timeout" 2>/dev/null \
   || [ pyproject.toml -nt .venv/.installed ]; then
  .venv/bin/pip install -q -e '.[test]'
  touch .venv/.installed
fi

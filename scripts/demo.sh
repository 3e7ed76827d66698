#!/usr/bin/env bash
# Quick start: make this machine ready, then bring the bundled demo from nothing to healthy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
bash scripts/venv.sh
bash scripts/demo-env.sh
exec .venv/bin/invoke first-time --yes "$@"

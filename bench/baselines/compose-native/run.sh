#!/usr/bin/env bash
# Baseline for bench/: compose-native bring-up of the demo (see docker-compose.native.yml).
#   cd <demo copy> && COMPOSE_PROJECT_NAME=<name> bash run.sh            # build --no-cache, up --wait
#   cd <demo copy> && COMPOSE_PROJECT_NAME=<name> bash run.sh --cached   # up --wait --build (cache on)
# The same command is the first-time and the rerun: compose decides what to recreate.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
export BENCH_BASELINES=${BENCH_BASELINES:-$(dirname "$HERE")}
COMPOSE=(docker compose -p "${COMPOSE_PROJECT_NAME:-demo}" --env-file .env
         -f docker-compose.yml -f "$HERE/docker-compose.native.yml")
if [ "${1:-}" = --cached ]; then
  "${COMPOSE[@]}" up --wait --build
else
  "${COMPOSE[@]}" build --no-cache
  "${COMPOSE[@]}" up --wait
fi

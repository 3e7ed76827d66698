#!/usr/bin/env bash
# Baseline for bench/ (not a tool): the hand-written setup.sh of the seed incidents,
# transcribed for the demo. Seed 000's clean-rebuild recipe (down, remove the project
# images, build, up -d, a fixed `sleep 30`, migrations and seeds in the API container,
# curl /health) and seed 004's setup.sh actions (schema reset and role creation with
# psql as the postgres superuser, set_config for the passwords, `build --no-cache`).
#
#   cd <demo copy> && COMPOSE_PROJECT_NAME=<name> bash setup.sh --first-time | --restart
#
# Deliberate differences from the seeds, each written down:
# - `docker builder prune -af` (seed 000 step 4) is left out: it empties the build cache
#   of the whole engine, other projects' included; every build here is --no-cache anyway.
# - One `compose down` instead of seed 000's `down` then `down -v`: first-time resets the
#   schema in place as seed 004 does, so the volume is kept (from nothing there is none).
# - SETUP_SLEEP_S (default 30, seed 000 step 6) is the fixed wait after `up -d`.
# - Passwords go to psql as -v arguments through `docker compose exec` (visible in `ps`),
#   as in the seed; bootstrap sends only SCRAM verifiers and never puts one in argv.
set -euo pipefail

MODE=${1:-}
case "$MODE" in --first-time|--restart) ;; *) echo "usage: $0 --first-time|--restart" >&2; exit 2 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
set -a; . ./.env; set +a
PROJECT=${COMPOSE_PROJECT_NAME:-demo}
COMPOSE_BASE="docker compose -p $PROJECT --env-file .env -f docker-compose.yml"
DB=${POSTGRES_DB:-demo}
SLEEP_S=${SETUP_SLEEP_S:-30}

step() { echo "$(date -u +%H:%M:%S) $*"; }

reset_schema() {
  $COMPOSE_BASE exec -T db psql -v ON_ERROR_STOP=1 -q -U postgres -d "$DB" -c "
    DROP SCHEMA IF EXISTS public CASCADE;
    CREATE SCHEMA public;
    GRANT ALL ON SCHEMA public TO public;"
}

create_users() {
  $COMPOSE_BASE exec -T db psql -v ON_ERROR_STOP=1 -q -U postgres -d "$DB" \
    -v owner_pass="$APP_OWNER_PASSWORD" -v rw_pass="$APP_RW_PASSWORD" -v ro_pass="$APP_RO_PASSWORD" \
    -v dbname="$DB" < "$HERE/roles.sql" > /dev/null
}

migrate_and_seed() {
  step "Applying migrations"
  $COMPOSE_BASE exec -T api alembic upgrade head
  step "Seeding"
  $COMPOSE_BASE exec -T api python -m app.seed reference
  $COMPOSE_BASE exec -T api python -m app.seed demo-items
}

health() {
  step "Verifying backend health"
  curl -fsS "http://localhost:${API_PORT:-18000}/health"
  echo
}

if [ "$MODE" = --first-time ]; then
  step "1. Stopping everything"
  $COMPOSE_BASE down --remove-orphans
  step "2. Removing project images"
  docker rmi "$PROJECT-api" "$PROJECT-frontend" 2>/dev/null || true
  step "3. Building images (--no-cache to ensure fresh dependencies)"
  $COMPOSE_BASE build --no-cache
  step "4. Starting services"
  $COMPOSE_BASE up -d
  step "5. Waiting ${SLEEP_S}s for services"
  sleep "$SLEEP_S"
  step "6. Resetting schema (as postgres superuser)"
  reset_schema
  step "7. Creating users"
  create_users
  migrate_and_seed
  health
else
  step "1. Building images (--no-cache)"
  $COMPOSE_BASE build --no-cache
  step "2. Starting services"
  $COMPOSE_BASE up -d
  step "3. Waiting ${SLEEP_S}s for services"
  sleep "$SLEEP_S"
  step "4. Updating users"
  create_users
  migrate_and_seed
  health
fi
step "done"

#!/usr/bin/env bash
# Write examples/demo/.env from .env.example with generated passwords and the
# local base images (no registry here). Leaves an existing .env alone.
set -euo pipefail
cd "$(dirname "$0")/../examples/demo"
[ -f .env ] && exit 0
gen() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }
sed -e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=$(gen)|" \
    -e "s|^APP_OWNER_PASSWORD=.*|APP_OWNER_PASSWORD=$(gen)|" \
    -e "s|^APP_RW_PASSWORD=.*|APP_RW_PASSWORD=$(gen)|" \
    -e "s|^APP_RO_PASSWORD=.*|APP_RO_PASSWORD=$(gen)|" \
    -e "s|^PYTHON_IMAGE=.*|PYTHON_IMAGE=${PYTHON_IMAGE:-bootstrap-local/python:3-bookworm}|" \
    -e "s|^POSTGRES_IMAGE=.*|POSTGRES_IMAGE=${POSTGRES_IMAGE:-bootstrap-local/postgres:15}|" \
    .env.example > .env
chmod 600 .env
echo "wrote examples/demo/.env (generated passwords, local base images)"

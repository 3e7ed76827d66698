#!/usr/bin/env bash
# Make a fresh Debian 12 machine able to run bootstrap and its whole test suite:
# a running Docker engine, compose v2, PostgreSQL server binaries, and local base
# images (no registry is reachable here) built once and reused by tag.
# Idempotent: a second run only checks and takes seconds.
set -euo pipefail

log() { printf '[provision %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
STATE=${BOOTSTRAP_RIG_STATE:-/var/cache/bootstrap-rig}
DEBIAN_IMAGE=${DEBIAN_IMAGE:-bootstrap-local/debian:bookworm}
PYTHON_IMAGE=${PYTHON_IMAGE:-bootstrap-local/python:3-bookworm}
POSTGRES_IMAGE=${POSTGRES_IMAGE:-bootstrap-local/postgres:15}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$STATE"

apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated -eq 0 ]; then apt-get update -qq; apt_updated=1; fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# 1. Docker engine ----------------------------------------------------------
apt_install docker.io debootstrap postgresql-15 postgresql-client-15 ca-certificates iptables
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  (setsid dockerd >/var/log/dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { tail -20 /var/log/dockerd.log; echo "dockerd did not start" >&2; exit 1; }
fi
log "engine $(docker version --format '{{.Server.Version}}') storage $(docker info --format '{{.Driver}}')"

# 2. Compose v2 (Debian 12 ships only v1; Debian 13's package is a static binary)
if ! docker compose version >/dev/null 2>&1; then
  T="$STATE/compose"; rm -rf "$T"; mkdir -p "$T/lists/partial"
  echo "deb http://deb.debian.org/debian trixie main" > "$T/sources.list"
  o=(-oDir::State::Lists="$T/lists" -oDir::Etc::SourceList="$T/sources.list" -oDir::Etc::SourceParts=/dev/null)
  log "fetching docker-compose v2 from Debian trixie"
  apt-get "${o[@]}" update -qq
  (cd "$T" && apt-get "${o[@]}" download docker-compose >/dev/null)
  dpkg -x "$T"/docker-compose_*.deb "$T/x"
  mkdir -p /usr/libexec/docker/cli-plugins /usr/local/lib/docker/cli-plugins
  install -m 755 "$T/x/usr/libexec/docker/cli-plugins/docker-compose" /usr/libexec/docker/cli-plugins/docker-compose
  install -m 755 "$T/x/usr/libexec/docker/cli-plugins/docker-compose" /usr/local/lib/docker/cli-plugins/docker-compose
fi
log "$(docker compose version)"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# 3. Base images -------------------------------------------------------------
if ! have_image "$DEBIAN_IMAGE"; then
  if [ ! -s "$STATE/debian-rootfs.tar" ]; then
    log "debootstrap bookworm (about a minute)"
    rm -rf "$STATE/rootfs"
    debootstrap --variant=minbase bookworm "$STATE/rootfs" http://deb.debian.org/debian >/dev/null
    rm -rf "$STATE/rootfs/var/cache/apt/archives/"*.deb "$STATE/rootfs/var/lib/apt/lists/"*
    tar -C "$STATE/rootfs" -cf "$STATE/debian-rootfs.tar.tmp" .
    mv "$STATE/debian-rootfs.tar.tmp" "$STATE/debian-rootfs.tar"
    rm -rf "$STATE/rootfs"
  fi
  log "importing $DEBIAN_IMAGE"
  docker import "$STATE/debian-rootfs.tar" "$DEBIAN_IMAGE" >/dev/null
fi

build_image() {  # name, dir
  have_image "$1" && return 0
  log "building $1"
  cp /etc/ssl/certs/ca-certificates.crt "$2/host-ca.crt"
  DOCKER_BUILDKIT=0 docker build -q --build-arg BASE="$DEBIAN_IMAGE" -t "$1" "$2" >/dev/null
  rm -f "$2/host-ca.crt"
}
build_image "$PYTHON_IMAGE" "$HERE/images/python"
build_image "$POSTGRES_IMAGE" "$HERE/images/postgres"

log "images: $DEBIAN_IMAGE $PYTHON_IMAGE $POSTGRES_IMAGE"
log "ready"

#!/usr/bin/env bash
# Debian's docker-compose (v1, 1.29.2 on bookworm) for the prod-e2e test: it starts the eqmd
# stand-in as eqmd's compose would, and the stack's recreate command runs it. Debian ships no
# `docker compose` (v2) plugin and no registry is reachable, so v1 is what this machine has
# (tests/e2e/prodDifferences.ts lists the difference). Installs it only when it is missing.
set -euo pipefail
if command -v docker-compose >/dev/null; then
  echo "compose: $(docker-compose version --short 2>/dev/null || echo present)"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "compose: docker-compose is missing and installing it needs root" >&2; exit 1; }
echo "compose: installing Debian's docker-compose"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends docker-compose >/dev/null \
  || { apt-get update -qq && apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends docker-compose >/dev/null; } \
  || { echo "compose: apt-get install docker-compose failed" >&2; exit 1; }
echo "compose: $(docker-compose version --short)"

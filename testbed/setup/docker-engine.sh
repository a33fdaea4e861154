#!/usr/bin/env bash
# Make a Docker engine available on this machine for the end-to-end tests.
#
# - If `docker info` already answers, print the engine version and exit (touch nothing).
# - Otherwise install Debian's docker.io if dockerd is absent, start dockerd as root in the
#   background (overlay2, no iptables, persistent data root so built images survive between
#   runs on the same machine) and wait until it answers.
#
# It never stops, restarts or removes anything: an engine it did not start is left alone, and
# a second engine is never started next to a running one (they would share docker0).
#
# Environment (all optional):
#   EQMD_DOCKERD_DATA_ROOT  data root            (default /var/lib/docker)
#   EQMD_DOCKERD_LOG        dockerd log file     (default /var/log/eqmd-e2e-dockerd.log)
#   EQMD_DOCKERD_WAIT       seconds to wait      (default 60)
set -euo pipefail

DATA_ROOT=${EQMD_DOCKERD_DATA_ROOT:-/var/lib/docker}
LOG=${EQMD_DOCKERD_LOG:-/var/log/eqmd-e2e-dockerd.log}
WAIT=${EQMD_DOCKERD_WAIT:-60}
SOCK=/var/run/docker.sock
export DOCKER_HOST=unix://$SOCK

die() { echo "docker-engine: $*" >&2; exit 1; }
engine_version() { docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null; }

command -v docker >/dev/null || die "no docker client on PATH"

if docker info >/dev/null 2>&1; then
  echo "docker-engine: engine already running: $(engine_version)"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "no engine answers on $SOCK and starting one needs root"

# One starter at a time (helpers may run this concurrently); the winner starts the engine,
# the others then find it answering.
exec 9>/run/eqmd-e2e-docker-engine.lock
flock -w "$((WAIT + 30))" 9 || die "another docker-engine.sh holds /run/eqmd-e2e-docker-engine.lock"
if docker info >/dev/null 2>&1; then
  echo "docker-engine: engine already running: $(engine_version)"
  exit 0
fi

# A dockerd that is still starting (ours from an earlier run, or anyone's): wait for it
# instead of starting a second one.
if pid=$(pgrep -x dockerd | head -n1) && [ -n "$pid" ]; then
  echo "docker-engine: dockerd (pid $pid) is running but not answering yet; waiting up to ${WAIT}s"
else
  if ! command -v dockerd >/dev/null; then
    echo "docker-engine: installing Debian's docker.io"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends docker.io >/dev/null \
      || die "apt-get install docker.io failed"
    command -v dockerd >/dev/null || die "docker.io installed but dockerd is not on PATH"
  fi
  # A stale socket left by an engine that died is replaced by dockerd itself.
  mkdir -p "$DATA_ROOT" "$(dirname "$LOG")"
  echo "docker-engine: starting dockerd (data root $DATA_ROOT, log $LOG)"
  # setsid + nohup: the engine outlives this script and its terminal. Niceness 0 whatever the
  # caller's (a `nice`d caller would otherwise slow every container and build for good).
  setsid nohup nice -n "$((0 - $(nice)))" dockerd \
    --storage-driver overlay2 \
    --iptables=false --ip6tables=false \
    --data-root "$DATA_ROOT" \
    -H "$DOCKER_HOST" \
    >>"$LOG" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "docker-engine: dockerd pid $pid"
fi

deadline=$((SECONDS + WAIT))
until docker info >/dev/null 2>&1; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "docker-engine: dockerd (pid $pid) is gone; last lines of $LOG:" >&2
    tail -n 30 "$LOG" >&2 || true
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "docker-engine: dockerd did not answer within ${WAIT}s; last lines of $LOG:" >&2
    tail -n 30 "$LOG" >&2 || true
    exit 1
  fi
  sleep 0.5
done
echo "docker-engine: engine ready: $(engine_version), storage $(docker info --format '{{.Driver}}')"

#!/usr/bin/env bash
# Everything the end-to-end tier (tests/e2e, `npm run test:e2e`) runs against, each step
# idempotent and cached: a Docker engine, Debian's docker-compose, the stand-in images, the Pulumi toolchain built from
# Go modules, and the contract's PostgreSQL cluster. A missing prerequisite fails the run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
start=$SECONDS
bash "$here/docker-engine.sh"
bash "$here/compose.sh"
bash "$here/images.sh"
bash "$here/pulumi-toolchain.sh"
bash "$here/contract-setup.sh" --postgres-only
echo "e2e-setup: ready in $((SECONDS - start)) s"

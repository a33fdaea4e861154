#!/usr/bin/env bash
# `pulumi up` on the dev stack with a local state backend (ops/dev-env.sh): no Pulumi account,
# nothing but Docker and the Pulumi CLI needed. Extra arguments go to `pulumi up` (e.g. --diff).
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/dev-env.sh

need pulumi "Install it from https://www.pulumi.com/docs/install/ (the CLI downloads its provider plugins on first use), or see the README's 'Without a registry'."
need docker "Install Docker Engine: the dev stack runs Synapse, Element and PostgreSQL as containers."
docker info >/dev/null 2>&1 || { echo "eqmd-matrix: the Docker engine is not reachable (docker info failed). Start it, or set DOCKER_HOST." >&2; exit 2; }
[ -d node_modules ] || npm ci --no-audit --no-fund

pulumi stack select dev --create --non-interactive
pulumi up --stack dev --yes "$@"
echo
echo "Synapse:  http://localhost:8008/_matrix/client/versions"
echo "Element:  http://localhost:8080/"
echo "Admin:    npm run outputs:dev; the password: npm run outputs:dev -- --show-secrets synapseAdminPassword"

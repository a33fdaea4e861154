#!/usr/bin/env bash
# `pulumi up` on the dev stack with a local state backend: no Pulumi account, nothing but
# Docker and the Pulumi CLI needed. Extra arguments go to `pulumi up` (e.g. --diff).
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "eqmd-matrix: '$1' is not installed. $2" >&2; exit 2; }; }
need pulumi "Install it from https://www.pulumi.com/docs/install/ (the CLI downloads its provider plugins on first use)."
need docker "Install Docker Engine: the dev stack runs Synapse, Element and PostgreSQL as containers."
docker info >/dev/null 2>&1 || { echo "eqmd-matrix: the Docker engine is not reachable (docker info failed). Start it, or set DOCKER_HOST." >&2; exit 2; }
[ -d node_modules ] || npm ci --no-audit --no-fund

# Local state, kept beside the project and git-ignored. Dev config holds no secret of value,
# so an empty passphrase is the default; export PULUMI_CONFIG_PASSPHRASE to use your own.
mkdir -p .pulumi-state
export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"

pulumi stack select dev --create --non-interactive
pulumi up --stack dev --yes "$@"
echo
echo "Synapse:  http://localhost:8008/_matrix/client/versions"
echo "Element:  http://localhost:8080/"
echo "Admin:    pulumi stack output synapseAdminUserId; the token: pulumi stack output --show-secrets synapseAdminToken"

#!/usr/bin/env bash
# `npm run outputs:dev [-- <pulumi stack output args>]`: the dev stack's outputs, in any shell
# (the local backend of ops/dev-env.sh), e.g. `-- --show-secrets synapseAdminPassword`.
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/dev-env.sh
need pulumi "Install it from https://www.pulumi.com/docs/install/, or see the README's 'Without a registry'."
exec pulumi stack output --stack dev "$@"

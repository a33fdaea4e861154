#!/usr/bin/env bash
# `npm run standin:dev`: the dev stack on a machine that can pull no image and download no
# Pulumi release. Builds what `npm run up:dev` then needs, each step cached (docker-engine.sh,
# images.sh, pulumi-toolchain.sh), and sets the dev stack's images to the stand-ins
# (`pulumi config set`, so Pulumi.dev.yaml gets those five lines; the README says which).
# Afterwards: eval "$(bash testbed/setup/pulumi-toolchain.sh --print-env)" && npm run up:dev
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."
bash "$here/docker-engine.sh"
bash "$here/images.sh"
eval "$(bash "$here/pulumi-toolchain.sh" --print-env)"
. ops/dev-env.sh
pulumi stack select dev --create --non-interactive
while IFS='=' read -r key image; do
  pulumi config set --stack dev --path "$key" "$image"
  echo "dev-standin: $key = $image"
done < <(bash "$here/images.sh" --print-tags)
echo "dev-standin: ready. In your shell: eval \"\$(bash testbed/setup/pulumi-toolchain.sh --print-env)\" && npm run up:dev"

#!/usr/bin/env bash
# Compare the generated schema (cmd/pulumi-resource-docker/gen/schema.json,
# written by build.sh) with @pulumi/docker's declarations for the resource
# types the program uses. Pass --all to compare every SDK resource instead.
# Usage: check.sh [project dir, default: the repository root] [--all]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=${1:-$(cd "$here/../../.." && pwd)}
shift || true
schema=$here/cmd/pulumi-resource-docker/gen/schema.json
if [ ! -f "$schema" ]; then
	echo "no $schema: run build.sh first" >&2
	exit 2
fi
exec node "$here/../check-sdk-schema.mjs" --schema "$schema" --sdk "$project/node_modules/@pulumi/docker" \
	--pkg docker --program "$project" "$@"

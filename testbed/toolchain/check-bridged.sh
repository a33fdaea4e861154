#!/usr/bin/env bash
# Compare a bridged plugin's generated schema (provider-<name>/cmd/pulumi-resource-<name>/gen/
# schema.json, written by its build.sh) with @pulumi/<name>'s declarations for the resource
# types the program uses. Pass --all to compare every SDK resource instead.
# Usage: check-bridged.sh <name> [project dir, default: the repository root] [--all]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=${1:?usage: check-bridged.sh <name> [project dir] [--all]}
shift
project=${1:-$(cd "$here/../.." && pwd)}
shift || true
schema=$here/provider-$name/cmd/pulumi-resource-$name/gen/schema.json
if [ ! -f "$schema" ]; then
	echo "no $schema: run provider-$name/build.sh first" >&2
	exit 2
fi
exec node "$here/check-sdk-schema.mjs" --schema "$schema" --sdk "$project/node_modules/@pulumi/$name" \
	--pkg "$name" --program "$project" "$@"

#!/usr/bin/env bash
# Build the Pulumi resource plugin for "random":
#   build.sh <outdir> <version>      e.g. build.sh ../../../bin 4.21.2
# Generates the Pulumi schema with tfgen into cmd/pulumi-resource-random/gen/
# (gitignored), then builds <outdir>/pulumi-resource-random with the schema
# embedded. Needs only the Go module cache once it is warm.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 <outdir> <version>" >&2
	exit 2
fi
outdir=$1
version=${2#v}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

cd "$here"
ldflags="-s -w -X eqmd.local/pulumi/provider-random/mapping.Version=$version"
gen=cmd/pulumi-resource-random/gen
tools=.build
mkdir -p "$tools" "$gen"

export CGO_ENABLED=0
go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$tools/pulumi-tfgen-random" ./cmd/pulumi-tfgen-random

# tfgen writes schema.json and bridge-metadata.json into a scratch directory;
# they replace the embedded copies only when their content changed.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$tools/pulumi-tfgen-random" schema --out "$scratch" --skip-docs --skip-examples >"$scratch/tfgen.log" 2>&1 || {
	cat "$scratch/tfgen.log" >&2
	exit 1
}
for f in schema.json bridge-metadata.json; do
	if [ ! -f "$scratch/$f" ]; then
		echo "tfgen wrote no $f" >&2
		exit 1
	fi
	cmp -s "$scratch/$f" "$gen/$f" || cp "$scratch/$f" "$gen/$f"
done

go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$outdir/pulumi-resource-random" ./cmd/pulumi-resource-random
echo "built $outdir/pulumi-resource-random $version"

#!/usr/bin/env bash
# Build the Pulumi resource plugin for "docker":
#   build.sh <outdir> <version>      e.g. build.sh ../../../bin 5.2.0
# Generates the Pulumi schema with tfgen into cmd/pulumi-resource-docker/gen/
# (gitignored), then builds <outdir>/pulumi-resource-docker with the schema
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
ldflags="-s -w -X eqmd.local/pulumi/provider-docker/mapping.Version=$version"
gen=cmd/pulumi-resource-docker/gen
tools=.build
mkdir -p "$tools" "$gen"

export CGO_ENABLED=0
go build -mod=readonly -trimpath -tags no_compose -ldflags "$ldflags" -o "$tools/pulumi-tfgen-docker" ./cmd/pulumi-tfgen-docker

# tfgen writes schema.json and bridge-metadata.json into a scratch directory;
# they replace the embedded copies only when their content changed.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$tools/pulumi-tfgen-docker" schema --out "$scratch" --skip-docs --skip-examples >"$scratch/tfgen.log" 2>&1 || {
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

go build -mod=readonly -trimpath -tags no_compose -ldflags "$ldflags" -o "$outdir/pulumi-resource-docker" ./cmd/pulumi-resource-docker
echo "built $outdir/pulumi-resource-docker $version"

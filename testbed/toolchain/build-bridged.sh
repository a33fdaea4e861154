#!/usr/bin/env bash
# Build a bridged Pulumi resource plugin (docker, random: a Terraform provider under the
# Pulumi bridge). provider-<name>/build.sh calls it:
#   build-bridged.sh <name> <outdir> <version> [go build tag...]
# Generates the Pulumi schema with tfgen into provider-<name>/cmd/pulumi-resource-<name>/gen/
# (gitignored), then builds <outdir>/pulumi-resource-<name> with the schema embedded. Needs only
# the Go module cache once it is warm.
set -euo pipefail

if [ $# -lt 3 ]; then
	echo "usage: $0 <name> <outdir> <version> [go build tag...]" >&2
	exit 2
fi
name=$1
outdir=$2
version=${3#v}
shift 3
tags=$(
	IFS=,
	echo "$*"
)
here=$(cd "$(dirname "$0")/provider-$name" && pwd)
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

cd "$here"
ldflags="-s -w -X eqmd.local/pulumi/provider-$name/mapping.Version=$version"
gen=cmd/pulumi-resource-$name/gen
tools=.build
mkdir -p "$tools" "$gen"

export CGO_ENABLED=0
build() { go build -mod=readonly -trimpath ${tags:+-tags "$tags"} -ldflags "$ldflags" "$@"; }
build -o "$tools/pulumi-tfgen-$name" "./cmd/pulumi-tfgen-$name"

# tfgen writes schema.json and bridge-metadata.json into a scratch directory;
# they replace the embedded copies only when their content changed.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$tools/pulumi-tfgen-$name" schema --out "$scratch" --skip-docs --skip-examples >"$scratch/tfgen.log" 2>&1 || {
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

build -o "$outdir/pulumi-resource-$name" "./cmd/pulumi-resource-$name"
echo "built $outdir/pulumi-resource-$name $version"

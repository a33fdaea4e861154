#!/usr/bin/env bash
# Builds the pulumi-language-nodejs binary from this module.
#   usage: build.sh <outdir> <version>      e.g. build.sh ./bin 3.248.0
# Needs only the Go toolchain and a warm module cache (go.sum is committed,
# -mod=readonly never edits go.mod or downloads anything not already listed).
set -euo pipefail
out=${1:?usage: build.sh <outdir> <version>}
ver=${2:?usage: build.sh <outdir> <version>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$here"
CGO_ENABLED=0 go build -mod=readonly -trimpath \
	-ldflags "-s -w -X main.version=${ver#v}" \
	-o "$out/pulumi-language-nodejs" .
"$out/pulumi-language-nodejs" -version

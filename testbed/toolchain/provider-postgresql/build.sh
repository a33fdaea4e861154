#!/usr/bin/env bash
# Builds the postgresql resource provider plugin from the modules pinned in go.mod/go.sum.
# usage: build.sh <outdir> <version>   e.g. build.sh /tmp/bin 3.18.1
# Writes <outdir>/pulumi-resource-postgresql reporting <version> (the @pulumi/postgresql SDK version).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out=${1:?usage: build.sh <outdir> <version>}
version=${2:?usage: build.sh <outdir> <version>}
version=${version#v}
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$here"
CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-X main.version=$version" \
  -o "$out/pulumi-resource-postgresql" .

#!/usr/bin/env bash
# Builds one of our own resource provider plugins (command, postgresql) from the modules pinned
# in its go.mod/go.sum. provider-<name>/build.sh calls it:
#   build-native.sh <name> <outdir> <version>
# Writes <outdir>/pulumi-resource-<name> reporting <version> (the @pulumi/<name> SDK version).
set -euo pipefail
usage="usage: build-native.sh <name> <outdir> <version>"
name=${1:?$usage}
out=${2:?$usage}
version=${3:?$usage}
version=${version#v}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/provider-$name" && pwd)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$here"
CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-X main.version=$version" \
  -o "$out/pulumi-resource-$name" .

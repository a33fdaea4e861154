#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go modules pinned in this folder's go.mod/go.sum.
# usage: build.sh <outdir> <version>   e.g. build.sh /tmp/bin 3.248.0
# The version must be the one go.mod pins for github.com/pulumi/pulumi/pkg/v3: the SDK that
# the program runs with (@pulumi/pulumi in package-lock.json) and the CLI move together.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out=${1:?usage: build.sh <outdir> <version>}
version=${2:?usage: build.sh <outdir> <version>}
pinned=$(cd "$here" && go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)
if [ "$pinned" != "v$version" ]; then
  echo "build.sh: testbed/toolchain/cli/go.mod pins pkg/v3 $pinned, but v$version is wanted." >&2
  echo "  fix: cd testbed/toolchain/cli && go get github.com/pulumi/pulumi/pkg/v3@v$version github.com/pulumi/pulumi/sdk/v3@v$version && go mod tidy" >&2
  exit 1
fi
mkdir -p "$out"
cd "$here"
# Release flags of the upstream CLI: static, no cgo user lookup, no gRPC tracing.
CGO_ENABLED=0 go build -mod=readonly -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
  -o "$out/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

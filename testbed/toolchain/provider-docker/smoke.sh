#!/usr/bin/env bash
# Drive a built plugin over gRPC (smoke/plugin_test.go): smoke.sh <binary> [version]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$here"
CGO_ENABLED=0 PROVIDER_BINARY=$bin PROVIDER_VERSION=${2:-} go test -mod=readonly -count=1 ./smoke

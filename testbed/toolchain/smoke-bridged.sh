#!/usr/bin/env bash
# Drive a built plugin over gRPC (provider-<name>/smoke/plugin_test.go):
#   smoke-bridged.sh <name> <binary> [version]
set -euo pipefail
here=$(cd "$(dirname "$0")/provider-${1:?usage: smoke-bridged.sh <name> <binary> [version]}" && pwd)
bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cd "$here"
CGO_ENABLED=0 PROVIDER_BINARY=$bin PROVIDER_VERSION=${3:-} go test -mod=readonly -count=1 ./smoke

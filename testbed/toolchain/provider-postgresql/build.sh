#!/usr/bin/env bash
# Build pulumi-resource-postgresql: build.sh <outdir> <version> (see ../build-native.sh).
exec "$(dirname "$0")/../build-native.sh" postgresql "$@"

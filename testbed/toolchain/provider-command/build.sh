#!/usr/bin/env bash
# Build pulumi-resource-command: build.sh <outdir> <version> (see ../build-native.sh).
exec "$(dirname "$0")/../build-native.sh" command "$@"

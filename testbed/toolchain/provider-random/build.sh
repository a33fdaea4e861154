#!/usr/bin/env bash
# Build pulumi-resource-random: build.sh <outdir> <version> (see ../build-bridged.sh).
exec "$(dirname "$0")/../build-bridged.sh" random "$@"

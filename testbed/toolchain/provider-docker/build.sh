#!/usr/bin/env bash
# Build pulumi-resource-docker: build.sh <outdir> <version> (see ../build-bridged.sh).
exec "$(dirname "$0")/../build-bridged.sh" docker "$@" no_compose

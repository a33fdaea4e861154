#!/usr/bin/env bash
# Drive a built plugin over gRPC: smoke.sh <binary> [version] (see ../smoke-bridged.sh).
exec "$(dirname "$0")/../smoke-bridged.sh" random "$@"

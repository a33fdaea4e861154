#!/usr/bin/env bash
# Schema vs @pulumi/random: check.sh [project dir] [--all] (see ../check-bridged.sh).
exec "$(dirname "$0")/../check-bridged.sh" random "$@"

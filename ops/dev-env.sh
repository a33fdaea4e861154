# shellcheck shell=bash
# The dev stack's local backend, for the script that sources this file: state in
# .pulumi-state/ beside the project (git-ignored, created here so that a fresh clone works),
# and an empty passphrase unless PULUMI_CONFIG_PASSPHRASE is set (dev config holds no secret of
# value). No Pulumi account is needed.
DEV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$DEV_ROOT/.pulumi-state"
export PULUMI_BACKEND_URL="file://$DEV_ROOT/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"

# need <command> <how to get it>: stop with a clear message when a prerequisite is missing.
need() { command -v "$1" >/dev/null 2>&1 || { echo "eqmd-matrix: '$1' is not installed. $2" >&2; exit 2; }; }

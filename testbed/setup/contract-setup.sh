#!/usr/bin/env bash
# Installs the real components the contract tests (tests/contract) run against:
#
#   <cache>/synapse-<SYNAPSE_VERSION>        matrix-synapse[postgres,oidc], the image tag's version
#   <cache>/synapse-<EQMD_SYNAPSE_VERSION>   the same, at eqmd's own pin
#
# (The `oidc` extra brings Authlib: without it Synapse rejects any `oidc_providers` config with
# "No module named 'authlib'". The official image installs all extras.)
#   <cache>/provider                         django-oidc-provider 0.9.0 + Django (eqmd's OP)
#
# and makes sure the contract's own PostgreSQL cluster is running (see ensure_postgres).
#
# <cache> is /var/cache/eqmd-matrix/contract (EQMD_CONTRACT_CACHE overrides it), outside the
# checkout on purpose: Synapse runs as the container's UID (1001) and initdb as `postgres`, and
# neither can enter a checkout under a private folder such as root's home (mode 0700). Every
# folder on the way to <cache> is made enterable by all; tests/contract/support/paths.ts reads
# the same variable.
#
# Both versions are read from config/versions.ts, the one place that defines them.
# Idempotent: a venv is complete only when its marker file exists and records the same
# inputs (package spec, interpreter, constraints file); a rerun with a complete venv is
# instant, a failed or interrupted install leaves no marker and is redone from scratch.
# A missing prerequisite is an error (non-zero exit), never a skip.
#
# usage: contract-setup.sh [--postgres-only]   (--postgres-only: just the cluster, no venvs)
#
# Environment (all optional):
#   CONTRACT_PYTHON       interpreter for the venvs. Default: /usr/bin/python3 when present (its
#                         files are readable by every user, so Synapse can be run under the
#                         container's UID with setpriv), else python3 from PATH.
#   EQMD_CONTRACT_CACHE   where the venvs go (default /var/cache/eqmd-matrix/contract).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${EQMD_CONTRACT_CACHE:-/var/cache/eqmd-matrix/contract}"
VERSIONS_TS="$ROOT/config/versions.ts"
CONSTRAINTS_DIR="$ROOT/tests/contract/constraints"
PROVIDER_SPEC=("django-oidc-provider==0.9.0" "Django>=5.2,<5.3")
PG_HOST=127.0.0.1
PG_CLUSTER=eqmd-contract
# The port the tests connect to, read from their one definition.
PG_PORT=$(sed -n 's/^export const POSTGRES_PORT = \([0-9]*\);.*/\1/p' "$ROOT/tests/contract/support/psql.ts")

START_ALL=$EPOCHREALTIME

fail() {
  echo "contract-setup: ERROR: $*" >&2
  exit 1
}

# Seconds elapsed since the EPOCHREALTIME value $1, with one decimal.
elapsed() {
  local start=${1/./} now=${EPOCHREALTIME/./}
  local ms=$(((now - start) / 1000))
  printf '%d.%01ds' $((ms / 1000)) $(((ms % 1000) / 100))
}

step() {
  printf 'contract-setup: %-44s %s\n' "$1" "$2"
}

# Reads `export const NAME = "x.y.z";` from config/versions.ts.
read_version() {
  local name=$1 value
  value=$(sed -n "s/^export const $name = \"\([0-9][0-9.]*\)\";.*/\1/p" "$VERSIONS_TS")
  [[ $value =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
    fail "could not read $name from $VERSIONS_TS (expected a line: export const $name = \"1.2.3\";)"
  echo "$value"
}

choose_python() {
  local candidate=${CONTRACT_PYTHON:-}
  if [[ -z $candidate ]]; then
    if [[ -x /usr/bin/python3 ]]; then
      candidate=/usr/bin/python3
    else
      candidate=$(command -v python3 || true)
    fi
  fi
  [[ -n $candidate ]] && command -v "$candidate" >/dev/null ||
    fail "no Python interpreter found (install python3 >= 3.10 with the venv module, or set CONTRACT_PYTHON)"
  "$candidate" - <<'PY' ||
import sys, venv, ensurepip  # noqa: F401  (venv + ensurepip are needed to build the venvs)
sys.exit(0 if sys.version_info >= (3, 10) else 1)
PY
    fail "$candidate must be Python >= 3.10 with the venv and ensurepip modules (Debian: apt-get install python3-venv)"
  echo "$candidate"
}

check_build_prerequisites() {
  # psycopg2 (matrix-synapse[postgres]) has no Linux wheels: pip builds it from source.
  command -v pg_config >/dev/null || fail "pg_config not found: psycopg2 is built from source (Debian: apt-get install libpq-dev)"
  command -v cc >/dev/null || command -v gcc >/dev/null || fail "no C compiler found: psycopg2 is built from source (Debian: apt-get install gcc)"
  "$PYTHON" -c 'import sysconfig, os, sys; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)' ||
    fail "Python.h not found for $PYTHON: psycopg2 is built from source (Debian: apt-get install python3-dev)"
  command -v psql >/dev/null || fail "psql not found (Debian: apt-get install postgresql-client)"
  command -v pg_isready >/dev/null || fail "pg_isready not found (Debian: apt-get install postgresql-client)"
}

# ensure_venv <dir> <constraints file or ""> <import check> <pip requirement>...
ensure_venv() {
  local dir=$1 constraints=$2 import_check=$3
  shift 3
  local marker="$dir/.contract-ready" start=$EPOCHREALTIME wanted constraints_hash="none"
  [[ -n $constraints ]] && constraints_hash=$(sha256sum "$constraints" | cut -d' ' -f1)
  wanted=$(printf 'spec=%s\npython=%s\nconstraints=%s\n' "$*" "$(readlink -f "$PYTHON")" "$constraints_hash")
  if [[ -f $marker && "$(cat "$marker")" == "$wanted" ]]; then
    step "$(basename "$dir")" "cached ($(elapsed "$start"))"
    return
  fi
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir" || fail "could not create the venv $dir"
  local args=(install --disable-pip-version-check --no-input --quiet)
  [[ -n $constraints ]] && args+=(--constraint "$constraints")
  local log="$dir.pip.log"
  echo "contract-setup: installing $* into $dir${constraints:+ (constraints: ${constraints#"$ROOT"/})}"
  if ! "$dir/bin/pip" "${args[@]}" "$@" >"$log" 2>&1; then
    grep -v "is ignored: it is neither a file nor a directory" "$log" | tail -n 40 >&2
    fail "pip install of $* into $dir failed (last lines above, full log: $log)"
  fi
  # (stderr kept for failures only: Authlib prints a deprecation warning on every import)
  if ! "$dir/bin/python" -c "$import_check" 2>"$dir.import.log"; then
    cat "$dir.import.log" >&2
    fail "$* installed into $dir but does not import (above); the constraints file may need updating"
  fi
  printf '%s\n' "$wanted" >"$marker"
  step "$(basename "$dir")" "installed ($(elapsed "$start"))"
}

# The contract's own PostgreSQL cluster: created by this script (so its authentication is ours
# to choose: trust for loopback TCP, as the tests connect as `postgres` without a password),
# on a port of its own so it never meets a cluster the machine already runs. Debian's server
# package is installed when absent. Clusters this script did not create are never touched.
ensure_postgres() {
  local start=$EPOCHREALTIME
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    [[ $(id -u) -eq 0 ]] || fail "the PostgreSQL server is not installed and installing it needs root (apt-get install postgresql)"
    echo "contract-setup: installing Debian's PostgreSQL server (apt-get install postgresql)"
    apt_get update -qq && DEBIAN_FRONTEND=noninteractive apt_get install -y -qq postgresql >/dev/null ||
      fail "apt-get install postgresql failed"
  fi
  local major
  major=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  if ! pg_lsclusters -h | awk -v v="$major" -v c="$PG_CLUSTER" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
    echo "contract-setup: creating PostgreSQL cluster $major/$PG_CLUSTER on $PG_HOST:$PG_PORT (trust for loopback TCP)"
    pg_createcluster --port "$PG_PORT" --start-conf manual --locale C.UTF-8 --encoding UTF8 "$major" "$PG_CLUSTER" -- \
      --auth-local=peer --auth-host=trust >/dev/null || fail "pg_createcluster $major $PG_CLUSTER failed"
  fi
  if pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
    step "postgresql $PG_HOST:$PG_PORT" "running ($(elapsed "$start"))"
    return
  fi
  # The server outlives this script: it must not inherit our open files, above all the lock
  # of `flock /tmp/eqmd-contract.lock …`, or the lock stays held until the server stops.
  (close_inherited_fds && pg_ctlcluster --skip-systemctl-redirect "$major" "$PG_CLUSTER" start) ||
    fail "could not start PostgreSQL cluster $major/$PG_CLUSTER (pg_ctlcluster --skip-systemctl-redirect $major $PG_CLUSTER start)"
  local tries=0
  until pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; do
    tries=$((tries + 1))
    ((tries < 60)) || fail "PostgreSQL cluster $major/$PG_CLUSTER started but $PG_HOST:$PG_PORT does not answer after 30s"
    sleep 0.5
  done
  step "postgresql $PG_HOST:$PG_PORT" "started ($(elapsed "$start"))"
}

# Closes every file descriptor above stderr in the current (sub)shell.
close_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
  done
  return 0
}

# apt-get that waits for a lock another installer holds instead of failing at once.
apt_get() {
  apt-get -o DPkg::Lock::Timeout=600 "$@"
}

# mkdir -p, then mode a+x on every folder from / down to it, so other users can reach it.
make_enterable() {
  mkdir -p "$1"
  local dir
  dir=$(cd "$1" && pwd)
  while [[ $dir != / ]]; do
    if [[ -z $(find "$dir" -maxdepth 0 -perm -o+x) ]]; then
      chmod a+x "$dir" 2>/dev/null || fail "$dir is not enterable by other users and cannot be made so; set EQMD_CONTRACT_CACHE to a folder they can reach"
    fi
    dir=$(dirname "$dir")
  done
}

constraints_for() {
  local file="$CONSTRAINTS_DIR/$1"
  if [[ -f $file ]]; then
    echo "$file"
  else
    echo "contract-setup: note: no $file; installing with the newest compatible dependencies" >&2
    echo ""
  fi
}

main() {
  if [[ ${1:-} == --postgres-only ]]; then
    # The end-to-end tier needs only the cluster (its smoke test declares a role there).
    command -v pg_isready >/dev/null || fail "pg_isready not found (Debian: apt-get install postgresql-client)"
    ensure_postgres
    return
  fi
  local synapse_version eqmd_version
  synapse_version=$(read_version SYNAPSE_VERSION)
  eqmd_version=$(read_version EQMD_SYNAPSE_VERSION)
  PYTHON=$(choose_python)
  check_build_prerequisites
  make_enterable "$CACHE"
  echo "contract-setup: python $PYTHON ($("$PYTHON" -c 'import platform; print(platform.python_version())')); cache $CACHE"

  local synapse_check='import synapse.app.homeserver, synapse.handlers.oidc, psycopg2'
  local version
  for version in $(printf '%s\n' "$synapse_version" "$eqmd_version" | awk '!seen[$0]++'); do
    ensure_venv "$CACHE/synapse-$version" "$(constraints_for "synapse-$version.txt")" "$synapse_check" \
      "matrix-synapse[postgres,oidc]==$version"
  done
  ensure_venv "$CACHE/provider" "$(constraints_for provider.txt)" 'import django, oidc_provider' "${PROVIDER_SPEC[@]}"
  ensure_postgres
  step "total" "$(elapsed "$START_ALL")"
}

main "$@"

#!/usr/bin/env bash
# Installs the real components the contract tests (tests/contract) run against:
#
#   .cache/contract/synapse-<SYNAPSE_VERSION>        matrix-synapse[postgres,oidc], the image tag's version
#   .cache/contract/synapse-<EQMD_SYNAPSE_VERSION>   the same, at eqmd's own pin
#
# (The `oidc` extra brings Authlib: without it Synapse rejects any `oidc_providers` config with
# "No module named 'authlib'". The official image installs all extras.)
#   .cache/contract/provider                         django-oidc-provider 0.9.0 + Django (eqmd's OP)
#
# and makes sure the PostgreSQL server on 127.0.0.1:5432 is running.
#
# Both versions are read from components/versions.ts, the one place that defines them.
# Idempotent: a venv is complete only when its marker file exists and records the same
# inputs (package spec, interpreter, constraints file); a rerun with a complete venv is
# instant, a failed or interrupted install leaves no marker and is redone from scratch.
# A missing prerequisite is an error (non-zero exit), never a skip.
#
# Environment (all optional):
#   CONTRACT_PYTHON       interpreter for the venvs. Default: /usr/bin/python3 when present (its
#                         files are readable by every user, so Synapse can be run under the
#                         container's UID with setpriv), else python3 from PATH.
#   CONTRACT_PG_CLUSTER   "<major> <name>" of the cluster to start when 127.0.0.1:5432 does not
#                         answer. Default: "15 main".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache/contract"
VERSIONS_TS="$ROOT/components/versions.ts"
CONSTRAINTS_DIR="$ROOT/tests/contract/constraints"
PROVIDER_SPEC=("django-oidc-provider==0.9.0" "Django>=5.2,<5.3")
PG_HOST=127.0.0.1
PG_PORT=5432

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

# Reads `export const NAME = "x.y.z";` from components/versions.ts.
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

ensure_postgres() {
  local start=$EPOCHREALTIME cluster=${CONTRACT_PG_CLUSTER:-15 main}
  if pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
    step "postgresql $PG_HOST:$PG_PORT" "running ($(elapsed "$start"))"
    return
  fi
  command -v pg_ctlcluster >/dev/null ||
    fail "PostgreSQL does not answer on $PG_HOST:$PG_PORT and pg_ctlcluster is not available to start it"
  echo "contract-setup: PostgreSQL does not answer on $PG_HOST:$PG_PORT; starting cluster '$cluster'"
  # shellcheck disable=SC2086 # "<major> <name>" is two arguments
  pg_ctlcluster --skip-systemctl-redirect $cluster start ||
    fail "could not start PostgreSQL cluster '$cluster' (pg_ctlcluster --skip-systemctl-redirect $cluster start)"
  local tries=0
  until pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; do
    tries=$((tries + 1))
    ((tries < 60)) || fail "PostgreSQL cluster '$cluster' started but $PG_HOST:$PG_PORT does not answer after 30s"
    sleep 0.5
  done
  step "postgresql $PG_HOST:$PG_PORT" "started ($(elapsed "$start"))"
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
  local synapse_version eqmd_version
  synapse_version=$(read_version SYNAPSE_VERSION)
  eqmd_version=$(read_version EQMD_SYNAPSE_VERSION)
  PYTHON=$(choose_python)
  check_build_prerequisites
  mkdir -p "$CACHE"
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

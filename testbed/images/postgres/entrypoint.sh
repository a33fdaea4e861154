#!/usr/bin/env bash
# Entrypoint of the eqmd-e2e PostgreSQL stand-in (written for tests/e2e).
#
#   POSTGRES_USER            superuser name (default postgres)
#   POSTGRES_PASSWORD        its password; or POSTGRES_PASSWORD_FILE, a file read as root
#                            before dropping to the postgres user (so root-owned 0400 works)
#   POSTGRES_DB              database created on first start (default: POSTGRES_USER)
#   POSTGRES_INITDB_ARGS     extra initdb arguments (word-split)
#   POSTGRES_HOST_AUTH_METHOD  auth for remote hosts (default scram-sha-256)
#   PGDATA                   cluster directory (default /var/lib/postgresql/data)
#
# First start (no PG_VERSION in PGDATA): initdb with trust for local socket and loopback,
# password auth for every other host, then a socket-only temporary server creates POSTGRES_DB
# and runs /docker-entrypoint-initdb.d/*.sh|*.sql; then the real server listens on *:5432.
set -euo pipefail

log() { echo "entrypoint: $*" >&2; }
die() { log "error: $*"; exit 1; }

# VAR or VAR_FILE (not both); exports VAR and unsets VAR_FILE.
file_env() {
  local var=$1 file_var="${1}_FILE" default=${2:-}
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    die "both $var and $file_var are set (they are exclusive)"
  fi
  local val=$default
  if [ -n "${!var:-}" ]; then
    val=${!var}
  elif [ -n "${!file_var:-}" ]; then
    [ -r "${!file_var}" ] || die "$file_var=${!file_var} is not a readable file (as uid $(id -u))"
    val=$(<"${!file_var}")
  fi
  export "$var=$val"
  unset "$file_var"
}

if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi

if [ "$1" != postgres ]; then
  exec "$@"
fi

export PGDATA=${PGDATA:-/var/lib/postgresql/data}

if [ "$(id -u)" = 0 ]; then
  file_env POSTGRES_PASSWORD
  mkdir -p "$PGDATA" /var/run/postgresql
  chmod 0700 "$PGDATA"
  chmod 3777 /var/run/postgresql
  # Only what differs: an existing large cluster costs little.
  find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres {} +
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
export POSTGRES_INITDB_ARGS=${POSTGRES_INITDB_ARGS:-}
AUTH=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$AUTH" != trust ]; then
    die "the database is uninitialized and no superuser password is set: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE (or POSTGRES_HOST_AUTH_METHOD=trust)"
  fi
  [ -w "$PGDATA" ] || die "$PGDATA is not writable by uid $(id -u)"
  log "initialising $PGDATA (superuser $POSTGRES_USER, database $POSTGRES_DB)"
  pwfile=$(mktemp)
  trap 'rm -f "$pwfile"' EXIT
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a word list by contract
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=trust \
    $POSTGRES_INITDB_ARGS >&2
  rm -f "$pwfile"
  trap - EXIT
  # initdb's trust lines cover the socket, 127.0.0.1/32 and ::1/128; other hosts need the password.
  printf '\nhost all all all %s\n' "$AUTH" >>"$PGDATA/pg_hba.conf"

  pg_ctl -D "$PGDATA" -w -t 60 -o "-c listen_addresses='' -p 5432" start >&2
  psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --no-password --dbname postgres -q)
  if [ "$POSTGRES_DB" != postgres ]; then
    "${psql[@]}" --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  shopt -s nullglob
  for f in /docker-entrypoint-initdb.d/*; do
    # shellcheck disable=SC1090  # init scripts are the caller's
    case $f in
      *.sh)  log "running $f"; . "$f" ;;
      *.sql) log "running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *)     log "ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w -t 60 stop >&2
  log "initialisation complete"
fi

unset POSTGRES_PASSWORD
exec "$@"

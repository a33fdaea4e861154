#!/usr/bin/env bash
# Runs `go test ./...` against a throwaway PostgreSQL cluster: initdb into a temp dir (as the
# postgres user when run as root), a server on 127.0.0.1:${EQMD_TEST_PG_PORT:-55499} with its
# socket in the temp dir and SCRAM passwords over TCP, then stops it and removes the dir.
# usage: test-with-throwaway-pg.sh [go test args...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port=${EQMD_TEST_PG_PORT:-55499}
bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$bindir/initdb" ] || { echo "no PostgreSQL server binaries (apt-get install postgresql, or set PG_BINDIR)" >&2; exit 1; }
dir=$(mktemp -d /tmp/eqmd-pg-test.XXXXXX)
as=()
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; as=(runuser -u postgres --); fi
pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
cleanup() {
  "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
printf '%s\n' "$pw" >"$dir/pw"; chmod 644 "$dir/pw"
"${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  --pwfile="$dir/pw" -E UTF8 --locale=C >"$dir/initdb.log"
"${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
export EQMD_TEST_PG_DSN="host=127.0.0.1 port=$port user=postgres password=$pw dbname=postgres sslmode=disable"
cd "$here"
go test "$@" ./...

#!/usr/bin/env bash
# eqmd's hand reset (its docs/matrix/reset-and-rebuild.md, steps 1–6 and 8; no Django wipe, so
# no step 7), typed by a script with zero think time, against the bench's own containers
# (testbed/bench/reset-vs-hand.ts sets them up and runs this). Plain `docker` commands do what
# the doc's `docker compose` lines do (stop/rm, exec, up -d = create and start, restart): the
# Go CLI costs about what compose v2 does, where Debian's Python compose v1 would add seconds,
# so the hand procedure is measured at its fastest.
#
# Step 2 (`docker volume rm` of the media store) is optional in the doc and left out: the
# program's reset keeps media by default, and both are compared doing the same work.
# Step 3 carries the fix PostgreSQL 15 needs (eqmd-facts A1): as written, the database is owned
# by eqmd_user and Synapse, connecting as matrix_user, fails with "permission denied for schema
# public"; the fix creates it owned by matrix_user, UTF8, C, from template0.
# Step 6's login works because this homeserver has password login on, as the dev stack has.
# Step 8 checks /login only: the dev stack has no OpenID provider, so there is no JWKS to fetch.
#
# Inputs (environment): HB_DIR (the eqmd checkout stand-in: .env, matrix/, element/, scripts/),
# HB_SYNAPSE, HB_ELEMENT, HB_POSTGRES, HB_DEV (container names), HB_NETWORK, HB_MEDIA (volume),
# HB_SYNAPSE_IMAGE, HB_ELEMENT_IMAGE, HB_SYNAPSE_PORT, HB_ELEMENT_PORT.
set -euo pipefail
: "${HB_DIR:?}" "${HB_SYNAPSE:?}" "${HB_ELEMENT:?}" "${HB_POSTGRES:?}" "${HB_DEV:?}" "${HB_NETWORK:?}"
: "${HB_MEDIA:?}" "${HB_SYNAPSE_IMAGE:?}" "${HB_ELEMENT_IMAGE:?}" "${HB_SYNAPSE_PORT:?}" "${HB_ELEMENT_PORT:?}"
cd "$HB_DIR"
step() { echo "hand: $*"; }
# The script's stand-in for "wait until it is up, then type the next line": /health polled every
# 0.1 s, at most 120 s.
wait_synapse() {
  local i
  for i in $(seq 1 1200); do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:${HB_SYNAPSE_PORT}/health" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "hand: Synapse did not answer /health within 120 s" >&2
  docker logs --tail 30 "$HB_SYNAPSE" >&2 || true
  return 1
}
start_synapse_and_element() {
  docker run -d --name "$HB_SYNAPSE" --restart unless-stopped --user 1001:1001 \
    --network "$HB_NETWORK" --network-alias matrix-synapse \
    -p "127.0.0.1:${HB_SYNAPSE_PORT}:8008" \
    -v "$HB_DIR/matrix:/data" -v "$HB_MEDIA:/data/media_store" \
    -e SYNAPSE_REPORT_STATS=no -e PYTHONPATH=/data/modules \
    --health-cmd 'curl -f http://localhost:8008/health' --health-interval 1s --health-retries 120 \
    "$HB_SYNAPSE_IMAGE" >/dev/null &
  local synapse=$!
  docker run -d --name "$HB_ELEMENT" --restart unless-stopped --network "$HB_NETWORK" \
    -p "127.0.0.1:${HB_ELEMENT_PORT}:80" -v "$HB_DIR/element/config.json:/app/config.json:ro" \
    "$HB_ELEMENT_IMAGE" >/dev/null &
  local element=$!
  # compose v2 creates and starts the two services in parallel.
  wait "$synapse" && wait "$element"
}

step "1) stop Matrix services"
docker stop "$HB_SYNAPSE" "$HB_ELEMENT" >/dev/null
docker rm -f "$HB_SYNAPSE" "$HB_ELEMENT" >/dev/null

step "3) wipe the Synapse database (with the PostgreSQL 15 fix)"
set -a; source .env; set +a
docker exec "$HB_POSTGRES" psql -q -U "$POSTGRES_USER" -d postgres -c "DROP DATABASE IF EXISTS matrix_db;"
docker exec "$HB_POSTGRES" psql -q -U "$POSTGRES_USER" -d postgres \
  -c "CREATE DATABASE matrix_db OWNER matrix_user ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;"

step "4) regenerate the Synapse config"
docker exec -u root "$HB_DEV" python3 scripts/generate_matrix_configs.py
chown 1001:1001 matrix/homeserver.yaml
chmod 644 matrix/homeserver.yaml

step "5) start Synapse and Element"
start_synapse_and_element
wait_synapse

step "6) registration_shared_secret by hand, restart, admin and its token"
printf 'registration_shared_secret: "%s"\n' "$(openssl rand -hex 32)" >>matrix/homeserver.yaml
docker restart "$HB_SYNAPSE" >/dev/null
wait_synapse
docker exec "$HB_SYNAPSE" register_new_matrix_user -c /data/homeserver.yaml -u admin -p 'StrongPass' \
  --admin http://localhost:8008 >/dev/null
login=$(docker exec "$HB_SYNAPSE" curl -fsS -X POST http://localhost:8008/_matrix/client/v3/login \
  -H 'Content-Type: application/json' \
  -d '{"type":"m.login.password","identifier":{"type":"m.id.user","user":"admin"},"password":"StrongPass"}')
token=$(printf '%s' "$login" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "hand: no access_token in the login answer: $login" >&2; exit 1; }
sed -i "s|^SYNAPSE_ADMIN_TOKEN=.*|SYNAPSE_ADMIN_TOKEN=${token}|" .env

step "8) verify"
curl -fsS "http://127.0.0.1:${HB_SYNAPSE_PORT}/_matrix/client/v3/login" | grep -q '"m.login.password"'
step "done"

#!/usr/bin/env bash
# Build the end-to-end tests' stand-in images on the local Docker engine (no registry is
# reachable, so nothing is pulled). Run testbed/setup/docker-engine.sh first.
#
#   eqmd-e2e/debian:bookworm              debootstrap --variant=minbase, from this machine's
#                                         apt mirror; built once, then reused
#   eqmd-e2e/synapse:v<SYNAPSE_VERSION>   testbed/images/synapse
#   eqmd-e2e/synapse:v<EQMD_SYNAPSE_VERSION>
#   eqmd-e2e/postgres:<major>             testbed/images/postgres (major of DEFAULT_POSTGRES_IMAGE)
#   eqmd-e2e/element-web:v<version>       testbed/images/element-web (tag of DEFAULT_ELEMENT_IMAGE)
#   eqmd-e2e/django:5.2                   testbed/images/django: eqmd's Django stand-in, running
#                                         testbed/oidc-provider (copied in at build time)
#   eqmd-e2e/redis:<major>                testbed/images/redis: Debian's redis-server (synapse.workers)
#   eqmd-e2e/nginx:<minor>                testbed/images/nginx: Debian's nginx, the worker router
#
# Versions come from config/versions.ts. Tags never reuse the official image names.
#
# Each image carries the label eqmd.e2e.inputs: a hash of its folder, its version, its extra
# inputs (pip constraints; the provider project for Django) and the base image id. An image whose tag already has
# the wanted label is not rebuilt. The host's CA bundle and pip settings go into the Synapse
# and Django build stages only, never into a final image.
#
# Environment (optional):
#   EQMD_E2E_REBUILD_BASE=1   re-create the Debian base (and so every image) even if present
#   EQMD_E2E_LOG_DIR          build logs (default /var/tmp/eqmd-e2e-images)
#   EQMD_E2E_IMAGE_PREFIX     repository prefix of every tag (default eqmd-e2e); another
#                             prefix builds a separate set, e.g. to time a cold build
#
# usage: images.sh [--print-tags]
#   --print-tags   build nothing: print the stand-in tags as `<config key>=<tag>` lines (the
#                  keys of the stack config they replace), e.g. synapse.image=eqmd-e2e/synapse:v…
set -euo pipefail
print_tags=false
[ "${1:-}" = "--print-tags" ] && print_tags=true

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IMAGES=$ROOT/testbed/images
VERSIONS=$ROOT/config/versions.ts
CONSTRAINTS_DIR=$ROOT/tests/contract/constraints
LOG_DIR=${EQMD_E2E_LOG_DIR:-/var/tmp/eqmd-e2e-images}
PREFIX=${EQMD_E2E_IMAGE_PREFIX:-eqmd-e2e}
BASE_TAG=$PREFIX/debian:bookworm
LABEL=eqmd.e2e.inputs
SUITE=bookworm

die() { echo "images: error: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }

# --- inputs -----------------------------------------------------------------------------

read_version() {
  local v
  v=$(sed -nE "s/^export const $1 = \"([0-9]+\.[0-9]+\.[0-9]+)\";.*/\1/p" "$VERSIONS")
  [ -n "$v" ] || die "could not read $1 from $VERSIONS"
  printf '%s\n' "$v"
}

# read_image_tag <const>: the tag of an image constant in versions.ts ("repo:tag" -> "tag").
read_image_tag() {
  local v
  v=$(sed -nE "s/^export const $1 = \"[^\":]+:([^\"]+)\";.*/\1/p" "$VERSIONS")
  [ -n "$v" ] || die "could not read the tag of $1 from $VERSIONS"
  printf '%s\n' "$v"
}

# URIs of this machine's apt sources for a suite (deb822 *.sources and one-line *.list).
apt_uris() {
  local suite=$1 f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v s="$suite" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                         if ($(i + 1) == s) print $i }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$suite" 'function flush() { if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " s " ")) print uris; types = uris = suites = enabled = "" }
      /^[[:space:]]*$/ { flush(); next }
      /^#/ { next }
      tolower($1) == "types:" { $1 = ""; types = substr($0, 2) }
      tolower($1) == "uris:" { uris = $2 }
      tolower($1) == "suites:" { $1 = ""; suites = substr($0, 2) }
      tolower($1) == "enabled:" { enabled = tolower($2) }
      END { flush() }' "$f"
  done
}

# The files of a folder that belong to the source (in a git checkout: tracked or not ignored,
# so a __pycache__ left by a local run never changes the hash a fresh clone computes).
source_files() {
  if git -C "$1" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$1" && git ls-files -z --cached --others --exclude-standard -- . | sed -z 's#^#./#')
  else
    (cd "$1" && find . -type f -print0)
  fi
}

# Hash of a folder's files (names, modes and contents) plus any extra strings.
inputs_hash() {
  local dir=$1; shift
  {
    # shellcheck disable=SC2016  # the inner script expands its own arguments
    (source_files "$dir" | LC_ALL=C sort -z | (cd "$dir" &&
      xargs -0 -r sh -c 'for f; do printf "%s %s " "$f" "$(stat -c %a "$f")"; sha256sum < "$f"; done' sh))
    printf '%s\n' "$@"
  } | sha256sum | cut -c1-32
}

image_label() { docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true; }

# pip settings of this machine for the Synapse build stage: the CA bundle pip uses (`cert`)
# and its index settings, rewritten to point at the copied bundle.
write_pip_settings() {
  local out=$1 cert="" key val line
  local -a kept=()
  while IFS= read -r line; do
    key=${line%%=*}; key=${key##*.}
    val=${line#*=}; val=${val#\'}; val=${val%\'}
    case $key in
      cert) cert=$val ;;
      index-url|extra-index-url|trusted-host|default-timeout|retries|timeout) kept+=("$key = $val") ;;
    esac
  done < <(pip config list 2>/dev/null || python3 -m pip config list 2>/dev/null || true)
  : "${cert:=${PIP_CERT:-}}"
  {
    echo "[global]"
    printf '%s\n' "${kept[@]+"${kept[@]}"}" | awk -F' = ' 'NF && !seen[$1]++'
    if [ -n "$cert" ]; then
      [ -r "$cert" ] || die "pip's cert $cert (from pip config list) is not readable"
      cp "$cert" "$out/ca.crt"
      echo "cert = /etc/eqmd-build/ca.crt"
    fi
  } >"$out/pip.conf"
}

# --- Debian base ------------------------------------------------------------------------

build_base() {
  local start mirror security updates dir BASE_LOG="$LOG_DIR/${PREFIX//\//_}_debian.log"
  start=$(now)
  if [ "${EQMD_E2E_REBUILD_BASE:-0}" != 1 ] && docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
    echo "images: $BASE_TAG: present, reused ($(since "$start"))"
    return
  fi
  mirror=$(apt_uris "$SUITE" | head -n1)
  [ -n "$mirror" ] || die "no apt source for $SUITE in /etc/apt/sources.list* (needed as the debootstrap mirror)"
  updates=$(apt_uris "$SUITE-updates" | head -n1)
  security=$(apt_uris "$SUITE-security" | head -n1)
  if ! command -v debootstrap >/dev/null; then
    echo "images: installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends debootstrap >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends debootstrap >/dev/null; } \
      || die "could not install debootstrap"
  fi
  dir=$(mktemp -d /var/tmp/eqmd-e2e-debootstrap.XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$dir'" EXIT
  echo "images: $BASE_TAG: debootstrap $SUITE from $mirror (log $BASE_LOG)"
  if ! nice debootstrap --variant=minbase "$SUITE" "$dir" "$mirror" >"$BASE_LOG" 2>&1; then
    tail -n 20 "$BASE_LOG" >&2
    die "debootstrap failed (full log $BASE_LOG)"
  fi
  {
    echo "deb $mirror $SUITE main"
    [ -z "$updates" ] || echo "deb $updates $SUITE-updates main"
    [ -z "$security" ] || echo "deb $security $SUITE-security main"
  } >"$dir/etc/apt/sources.list"
  # Image hygiene as in Debian's own container images: no docs, no caches, no daemons started
  # by package scripts, no recommends.
  cat >"$dir/etc/apt/apt.conf.d/90eqmd-e2e" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT
  cat >"$dir/etc/dpkg/dpkg.cfg.d/90eqmd-e2e" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
DPKG
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod 0755 "$dir/usr/sbin/policy-rc.d"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/var/log/* "$dir"/tmp/* \
    "$dir"/usr/share/doc/*/[!c]* "$dir"/usr/share/man/* "$dir"/usr/share/locale/* 2>/dev/null || true
  tar --numeric-owner -C "$dir" -c . | docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change 'CMD ["/bin/bash"]' \
      --change "LABEL eqmd.e2e.mirror=$mirror" \
      - "$BASE_TAG" >/dev/null || die "docker import of the Debian base failed"
  rm -rf "$dir"
  trap - EXIT
  echo "images: $BASE_TAG: built ($(since "$start"))"
}

# --- the images -------------------------------------------------------------------------

# Context extras: the EXTRA_FILES array holds pairs (source path, name in the context);
# EXTRA_DIRS likewise for folders (hashed by their source files, copied whole).
EXTRA_FILES=()
EXTRA_DIRS=()

# wanted_label <folder> <version> [build-arg...]: the inputs label an up-to-date image has.
wanted_label() {
  local folder=$1 version=$2 base_id i extra=""; shift 2
  base_id=$(docker image inspect --format '{{.Id}}' "$BASE_TAG")
  for ((i = 0; i < ${#EXTRA_FILES[@]}; i += 2)); do
    extra+="${EXTRA_FILES[i+1]}=$(sha256sum <"${EXTRA_FILES[i]}" | cut -c1-64);"
  done
  for ((i = 0; i < ${#EXTRA_DIRS[@]}; i += 2)); do
    extra+="${EXTRA_DIRS[i+1]}/=$(inputs_hash "${EXTRA_DIRS[i]}");"
  done
  inputs_hash "$IMAGES/$folder" "version=$version" "base=$base_id" "extra=$extra" "args=$*"
}

# make_context <folder>: a temporary build context (folder + extras + build-stage settings).
make_context() {
  local folder=$1 ctx i
  ctx=$(mktemp -d /var/tmp/eqmd-e2e-ctx.XXXXXX)
  cp -a "$IMAGES/$folder/." "$ctx/"
  for ((i = 0; i < ${#EXTRA_FILES[@]}; i += 2)); do
    cp "${EXTRA_FILES[i]}" "$ctx/${EXTRA_FILES[i+1]}"
  done
  for ((i = 0; i < ${#EXTRA_DIRS[@]}; i += 2)); do
    mkdir -p "$ctx/${EXTRA_DIRS[i+1]}"
    (cd "${EXTRA_DIRS[i]}" && source_files . | tar --null -T - -c) | tar -C "$ctx/${EXTRA_DIRS[i+1]}" -x
  done
  if [ "$folder" = synapse ] || [ "$folder" = django ]; then
    mkdir -p "$ctx/build"
    write_pip_settings "$ctx/build"
  fi
  printf '%s\n' "$ctx"
}

# docker_build <log> <context> <docker build args...>
docker_build() {
  local log=$1 ctx=$2; shift 2
  if ! DOCKER_BUILDKIT=0 nice docker build --network host --build-arg "BASE_IMAGE=$BASE_TAG" "$@" "$ctx" >"$log" 2>&1; then
    rm -rf "$ctx"
    tail -n 30 "$log" >&2
    return 1
  fi
}

# build_image <tag> <folder> <version> [build-arg...]: build unless the tag is up to date.
build_image() {
  local tag=$1 folder=$2 version=$3; shift 3
  local start want have ctx log a
  local -a args=()
  start=$(now)
  want=$(wanted_label "$folder" "$version" "$@")
  have=$(image_label "$tag")
  if [ "$have" = "$want" ]; then
    echo "images: $tag: up to date, skipped ($(since "$start"))"
    return
  fi
  log="$LOG_DIR/$(echo "$tag" | tr '/:' '__').log"
  ctx=$(make_context "$folder")
  for a in "$@"; do args+=(--build-arg "$a"); done
  echo "images: $tag: building${have:+ (inputs changed)} (log $log)"
  docker_build "$log" "$ctx" "${args[@]+"${args[@]}"}" --label "$LABEL=$want" \
    --label "eqmd.e2e.version=$version" -t "$tag" || die "build of $tag failed (full log $log)"
  rm -rf "$ctx"
  [ "$(image_label "$tag")" = "$want" ] || die "$tag was built but does not carry the expected $LABEL label"
  echo "images: $tag: built ($(since "$start"), $(docker image inspect --format '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
}

# synapse_extras <version>: EXTRA_FILES for that version (its pip constraints, if any).
synapse_extras() {
  local constraints=$CONSTRAINTS_DIR/synapse-$1.txt
  if [ -f "$constraints" ]; then
    EXTRA_FILES=("$constraints" constraints.txt)
  else
    echo "images: note: no $constraints; Synapse $1 is installed with unpinned dependencies" >&2
    EXTRA_FILES=(/dev/null constraints.txt)
  fi
}

# All Synapse versions: the shared stages once (--target tools), then the versions in parallel.
synapse_images() {
  local v start ctx rc=0 out
  local -a todo=() pids=()
  for v in "$@"; do
    start=$(now)
    synapse_extras "$v"
    if [ "$(image_label "$PREFIX/synapse:v$v")" = "$(wanted_label synapse "$v" "SYNAPSE_VERSION=$v")" ]; then
      echo "images: $PREFIX/synapse:v$v: up to date, skipped ($(since "$start"))"
    else
      todo+=("$v")
    fi
  done
  [ "${#todo[@]}" -gt 0 ] || return 0
  if [ "${#todo[@]}" -gt 1 ]; then
    start=$(now)
    synapse_extras "${todo[0]}"
    ctx=$(make_context synapse)
    docker_build "$LOG_DIR/${PREFIX//\//_}_synapse_tools.log" "$ctx" --target tools \
      || die "build of Synapse's shared stages failed (full log $LOG_DIR/eqmd-e2e_synapse_tools.log)"
    rm -rf "$ctx"
    echo "images: Synapse shared stages (runtime, tools): ready ($(since "$start"))"
  fi
  out=$(mktemp -d /var/tmp/eqmd-e2e-synapse.XXXXXX)
  for v in "${todo[@]}"; do
    ( synapse_extras "$v" 2>/dev/null; build_image "$PREFIX/synapse:v$v" synapse "$v" "SYNAPSE_VERSION=$v" ) >"$out/$v" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[i]}" || rc=1
    cat "$out/${todo[i]}"
  done
  rm -rf "$out"
  return "$rc"
}

SYNAPSE_VERSION=$(read_version SYNAPSE_VERSION)
EQMD_SYNAPSE_VERSION=$(read_version EQMD_SYNAPSE_VERSION)
ELEMENT_TAG=$(read_image_tag DEFAULT_ELEMENT_IMAGE)            # v1.11.58
# Django's minor from the provider pins (Django==5.2.x -> 5.2): the stand-in's tag.
DJANGO_TAG=$(sed -nE 's/^Django==([0-9]+\.[0-9]+)\..*/\1/p' "$CONSTRAINTS_DIR/provider.txt")
[ -n "$DJANGO_TAG" ] || die "no Django==<version> pin in $CONSTRAINTS_DIR/provider.txt"
PG_MAJOR=$(read_image_tag DEFAULT_POSTGRES_IMAGE | sed -E 's/^([0-9]+).*/\1/')  # 15-alpine -> 15
REDIS_MAJOR=$(read_image_tag DEFAULT_REDIS_IMAGE | sed -E 's/^([0-9]+).*/\1/')   # 7.4-alpine -> 7
ROUTER_TAG=$(read_image_tag DEFAULT_ROUTER_IMAGE | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')  # 1.28-alpine -> 1.28
case $ELEMENT_TAG in v[0-9]*) ;; *) die "unexpected Element tag $ELEMENT_TAG in $VERSIONS" ;; esac
case $PG_MAJOR in [0-9]*) ;; *) die "unexpected PostgreSQL tag in $VERSIONS" ;; esac
grep -q "postgresql-$PG_MAJOR\b" "$IMAGES/postgres/Dockerfile" ||
  die "$VERSIONS asks for PostgreSQL $PG_MAJOR but $IMAGES/postgres/Dockerfile installs another major (bookworm has 15 only)"

if $print_tags; then
  printf '%s\n' "synapse.image=$PREFIX/synapse:v$SYNAPSE_VERSION" "element.image=$PREFIX/element-web:$ELEMENT_TAG" \
    "postgres.image=$PREFIX/postgres:$PG_MAJOR" "redis.image=$PREFIX/redis:$REDIS_MAJOR" \
    "router.image=$PREFIX/nginx:$ROUTER_TAG"
  exit 0
fi

docker info >/dev/null 2>&1 || die "no Docker engine answers (run testbed/setup/docker-engine.sh first)"
mkdir -p "$LOG_DIR"
TOTAL_START=$(now)
# One build at a time per prefix (helpers may run this concurrently; the later one then finds
# the images up to date).
LOCK=/run/eqmd-e2e-images-${PREFIX//\//_}.lock
exec 9>"$LOCK"
if ! flock -n 9; then
  echo "images: another images.sh is building $PREFIX/*; waiting (at most 20 min)"
  flock -w 1200 9 || die "another images.sh still holds $LOCK after 20 min"
fi

build_base

# Lanes: the Synapse images, and PostgreSQL then Element next to them. Each lane's output is
# printed when it ends.
lane_dir=$(mktemp -d /var/tmp/eqmd-e2e-lanes.XXXXXX)
# shellcheck disable=SC2046  # versions are plain words
synapse_images $(printf '%s\n' "$SYNAPSE_VERSION" "$EQMD_SYNAPSE_VERSION" | awk '!seen[$0]++') \
  >"$lane_dir/synapse" 2>&1 &
synapse_pid=$!
(
  build_image "$PREFIX/postgres:$PG_MAJOR" postgres "$PG_MAJOR"
  build_image "$PREFIX/element-web:$ELEMENT_TAG" element-web "${ELEMENT_TAG#v}"
  build_image "$PREFIX/redis:$REDIS_MAJOR" redis "$REDIS_MAJOR"
  build_image "$PREFIX/nginx:$ROUTER_TAG" nginx "$ROUTER_TAG"
  EXTRA_FILES=("$CONSTRAINTS_DIR/provider.txt" constraints.txt)
  EXTRA_DIRS=("$ROOT/testbed/oidc-provider" oidc-provider)
  build_image "$PREFIX/django:$DJANGO_TAG" django "$DJANGO_TAG"
) >"$lane_dir/other" 2>&1 &
other_pid=$!
rc=0
wait "$other_pid" || rc=1
cat "$lane_dir/other"
wait "$synapse_pid" || rc=1
cat "$lane_dir/synapse"
rm -rf "$lane_dir"
[ "$rc" = 0 ] || die "some images failed to build (see above)"
echo "images: all images ready ($(since "$TOTAL_START"))"

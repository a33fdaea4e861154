#!/usr/bin/env bash
# Builds the real Pulumi toolchain from Go modules (no release binary can be downloaded here):
#
#   bin/pulumi                    the CLI, at the version of @pulumi/pulumi in package-lock.json
#   bin/pulumi-language-nodejs    the Node.js language host (testbed/toolchain/language-nodejs)
#   plugins/pulumi-resource-*     docker, postgresql, random, command, at exactly the versions
#                                 the installed npm SDKs ask for (`pulumi.version` in each
#                                 SDK's package.json)
#   home/                         a private PULUMI_HOME with the four plugins installed by
#                                 `pulumi plugin install resource <name> <version> --file`, so
#                                 the engine never tries to download anything
#   modules.lock                  every Go module (path and version) compiled into the binaries
#
# into ${XDG_CACHE_HOME:-$HOME/.cache}/eqmd-matrix/pulumi/<key>, outside the checkout. The key
# hashes the wanted versions, the Go version and the sources under testbed/toolchain/ (by paths
# relative to that folder, so moving it keeps the key): a change to any of them builds a new
# toolchain, and a rerun with a complete cache does nothing.
#
# usage: testbed/setup/pulumi-toolchain.sh [--print-env]
#   --print-env   print `export ...` lines (PATH, PULUMI_HOME, ...) for the built toolchain
#                 on stdout, everything else on stderr; `eval "$(... --print-env)"` uses it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/testbed/toolchain"
PROVIDERS=(command docker postgresql random)
print_env=false
[ "${1:-}" = "--print-env" ] && print_env=true

say() { echo "pulumi-toolchain: $*" >&2; }
fail() {
  say "ERROR: $*"
  exit 1
}

command -v go >/dev/null || fail "the Go toolchain is required (go on PATH)"
command -v node >/dev/null || fail "node is required"
[ -d "$ROOT/node_modules/@pulumi/pulumi" ] || fail "node_modules is missing: run 'npm ci' in $ROOT first"

# The version of the CLI: @pulumi/pulumi as locked (the SDK the program runs with).
cli_version=$(node -p "require('$ROOT/package-lock.json').packages['node_modules/@pulumi/pulumi'].version")

# The version a provider SDK asks the engine for (its package.json `pulumi.version`).
sdk_plugin_version() {
  node -p "const p=require('$ROOT/node_modules/@pulumi/$1/package.json'); (p.pulumi && p.pulumi.version) || p.version"
}

declare -A want
for p in "${PROVIDERS[@]}"; do want[$p]=$(sdk_plugin_version "$p"); done

# The committed sources only: build output and generated schemas (git-ignored) must not
# change the key, or a fresh clone would never find the cache a warm checkout filled. Paths
# are relative to $TOOLS, so moving the folder within the repository keeps the key.
sources_hash() {
  if git -C "$TOOLS" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$TOOLS" && git ls-files -z --cached --others --exclude-standard -- . | LC_ALL=C sort -z |
      xargs -0 sha256sum) | sha256sum | cut -c1-16
  else
    (cd "$TOOLS" && find . -type f ! -path '*/.build/*' ! -path '*/gen/*' -printf '%P\0' | LC_ALL=C sort -z |
      xargs -0 sha256sum) | sha256sum | cut -c1-16
  fi
}
key_input="cli=$cli_version $(for p in "${PROVIDERS[@]}"; do printf '%s=%s ' "$p" "${want[$p]}"; done)$(go env GOVERSION) src=$(sources_hash)"
key=$(printf '%s' "$key_input" | sha256sum | cut -c1-16)
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/eqmd-matrix/pulumi"
CACHE="$CACHE_ROOT/$key"

emit_env() {
  $print_env || return 0
  cat <<EOF
export PATH="$CACHE/bin:\$PATH"
export PULUMI_HOME="$CACHE/home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
export EQMD_PULUMI_TOOLCHAIN="$CACHE"
EOF
}

if [ -f "$CACHE/complete" ]; then
  say "cached toolchain $CACHE ($key_input)"
  sed 's/^/  /' "$CACHE/versions.txt" >&2
  emit_env
  exit 0
fi

say "building into $CACHE ($key_input)"
tmp="$CACHE.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp/bin" "$tmp/plugins" "$tmp/home"
trap 'rm -rf "$tmp"' EXIT

timed() {
  local what=$1 start=$SECONDS
  shift
  "$@" >"$tmp/build-$what.log" 2>&1 || {
    tail -n 40 "$tmp/build-$what.log" >&2
    fail "building $what failed (log above; full log was $tmp/build-$what.log)"
  }
  say "built $what in $((SECONDS - start)) s"
  echo "$what $((SECONDS - start))" >>"$tmp/build-times.txt"
}

timed cli "$TOOLS/cli/build.sh" "$tmp/bin" "$cli_version"
timed language-nodejs "$TOOLS/language-nodejs/build.sh" "$tmp/bin" "$cli_version"
for p in "${PROVIDERS[@]}"; do
  timed "$p" "$TOOLS/provider-$p/build.sh" "$tmp/plugins" "${want[$p]}"
done

# Install the plugins into the private PULUMI_HOME under the versions the SDKs ask for.
for p in "${PROVIDERS[@]}"; do
  PULUMI_HOME="$tmp/home" PULUMI_SKIP_UPDATE_CHECK=true "$tmp/bin/pulumi" plugin install \
    resource "$p" "${want[$p]}" --file "$tmp/plugins/pulumi-resource-$p" >&2 ||
    fail "pulumi plugin install resource $p ${want[$p]} failed"
done

# The lock file: every module compiled into each binary, from the binaries themselves.
for b in "$tmp"/bin/* "$tmp"/plugins/*; do
  go version -m "$b" | awk -v bin="$(basename "$b")" '$1 == "dep" || $1 == "=>" { print bin, $2, $3 }'
done >"$tmp/modules.lock"
{
  echo "pulumi CLI v$cli_version ($(awk '$1=="pulumi"' "$tmp/modules.lock" | wc -l) modules)"
  echo "pulumi-language-nodejs v$cli_version"
  for p in "${PROVIDERS[@]}"; do echo "pulumi-resource-$p ${want[$p]}"; done
  echo "key modules (all $(cut -d' ' -f2,3 "$tmp/modules.lock" | sort -u | wc -l) in modules.lock):"
  cut -d' ' -f2,3 "$tmp/modules.lock" | sort -u |
    grep -E '^github.com/(pulumi/(pulumi/(pkg|sdk)|pulumi-terraform-bridge|terraform-plugin-sdk|pulumi-go-provider)|hashicorp/terraform-plugin-(sdk|framework|go)|kreuzwerker/terraform-provider-docker|terraform-providers/terraform-provider-[a-z]+|docker/docker|lib/pq)(/v[0-9]+)? ' |
    sed 's/^/  /'
  echo "key inputs: $key_input"
} >"$tmp/versions.txt"

# Everything but the binaries' own logs; the old build logs are kept for the record.
mkdir -p "$tmp/logs"
mv "$tmp"/build-*.log "$tmp/logs/"
touch "$tmp/complete"
rm -rf "$CACHE"
mv "$tmp" "$CACHE"
trap - EXIT
# Keep this toolchain and the one built before it; older ones only take room (~600 MB each).
# shellcheck disable=SC2012  # the names are our own hex keys
ls -1dt "$CACHE_ROOT"/*/ 2>/dev/null | tail -n +3 | while read -r old; do
  if [ -f "$old/complete" ]; then
    rm -rf "$old"
    say "removed the older toolchain $old"
  fi
done
say "toolchain ready in $CACHE"
sed 's/^/  /' "$CACHE/versions.txt" >&2
say "sizes: toolchain $(du -sh "$CACHE" | cut -f1), Go module cache $(du -sh "$(go env GOMODCACHE)" | cut -f1)"
emit_env

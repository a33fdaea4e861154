#!/usr/bin/env bash
# Runs node's test runner on every *.test.ts under the given folders (Node 20's runner does
# not expand globs itself). Finding no test file is an error, never a silent pass.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -gt 0 ] || { echo "usage: tests/run.sh <folder>... [-- <node --test options>]" >&2; exit 2; }
dirs=(); opts=()
while [ "$#" -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; opts=("$@"); break; fi
  dirs+=("$1"); shift
done
mapfile -t files < <(find "${dirs[@]}" -name '*.test.ts' -type f | sort)
[ "${#files[@]}" -gt 0 ] || { echo "no *.test.ts found under: ${dirs[*]}" >&2; exit 1; }
exec node --import tsx --test --test-reporter=spec "${opts[@]}" "${files[@]}"

#!/usr/bin/env bash
# Builds one self-contained `umbra` executable (native libraries embedded) with `deno compile`.
# deno compile downloads Deno's runtime (denort) unless DENORT_BIN points at a local one; where
# neither works (no network), this fails with one clear line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/build.sh" >&2
deno="$root/.tools/deno/node_modules/deno/deno"
output="${1:-$root/dist/umbra}"
mkdir -p "$(dirname "$output")"
log="$(mktemp)"
if "$deno" compile --quiet --allow-all --no-prompt \
  --include src/policy/worker.ts --include src/native/embedded.js \
  --output "$output" src/main.ts >"$log" 2>&1; then
  rm -f "$log"
  echo "built $output" >&2
else
  cause="$(grep -m1 -oE 'error sending request for url \([^)]*\)' "$log" || sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -m1 -i 'error')"
  echo "umbra compile: deno compile needs Deno's runtime (denort): give it network access or set DENORT_BIN=/path/to/denort (${cause})" >&2
  rm -f "$log"
  exit 1
fi

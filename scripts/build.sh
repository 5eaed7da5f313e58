#!/usr/bin/env bash
# Builds libumbra.so and libumbra_preload.so with the pinned Zig and embeds them in src/native/embedded.js.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh"
"$root/.tools/zig/ziglang/zig" build --release=small
"$root/.tools/deno/node_modules/deno/deno" run --quiet --allow-read --allow-write scripts/embed.ts zig-out/lib

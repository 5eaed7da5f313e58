#!/usr/bin/env bash
# Installs the toolchain and the system packages the tests need if missing (scripts/test_deps.sh),
# builds, and runs every test: Zig unit tests, then deno test.
# Extra arguments go to deno test (e.g. a file or --filter).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export NO_COLOR=1
"$root/scripts/build.sh"
"$root/scripts/test_deps.sh"
"$root/.tools/zig/ziglang/zig" build test --summary all 2>&1 | grep -E "passed|error|fail" || true
"$root/.tools/deno/node_modules/deno/deno" test --allow-all "${@:-tests/}"

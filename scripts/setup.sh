#!/usr/bin/env bash
# Installs the pinned toolchain (Deno, Zig) into .tools/ when missing; prints nothing when all is there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
DENO_VERSION=2.9.6
ZIG_VERSION=0.15.2

deno_bin="$tools/deno/node_modules/deno/deno"
zig_bin="$tools/zig/ziglang/zig"

if [ ! -x "$deno_bin" ] || ! "$deno_bin" --version 2>/dev/null | grep -q "deno $DENO_VERSION"; then
  echo "umbra setup: installing deno $DENO_VERSION into .tools/deno" >&2
  command -v npm >/dev/null || { echo "umbra setup: npm is required to install deno" >&2; exit 1; }
  rm -rf "$tools/deno"
  mkdir -p "$tools/deno"
  npm install --silent --no-audit --no-fund --prefix "$tools/deno" "deno@$DENO_VERSION" >&2
fi

if [ ! -x "$zig_bin" ] || [ "$("$zig_bin" version 2>/dev/null)" != "$ZIG_VERSION" ]; then
  echo "umbra setup: installing zig $ZIG_VERSION into .tools/zig" >&2
  py="$(command -v python3 || command -v python)" || { echo "umbra setup: python3 is required to install zig" >&2; exit 1; }
  rm -rf "$tools/zig"
  "$py" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target "$tools/zig" "ziglang==$ZIG_VERSION" >&2
fi

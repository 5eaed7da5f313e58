#!/usr/bin/env bash
# Installs the system packages the tests need, when missing (Debian's apt-get, as root); prints
# nothing when all is there. Not root, or no apt-get: one line naming the packages, exit 1.
#   chromium   the timeline renders in headless Chromium (tests/timeline_test.ts; CHROMIUM=path overrides)
#   gdb        the debugger tests drive gdb (tests/debug_test.ts)
#   libc6-dev  gcc -static links libc.a (static test programs)
#   procps     pgrep and ps run inside the sandbox (tests/procfs_test.ts)
#   strace     strace logs are compared with strace -f's own (tests/run_test.ts)
set -euo pipefail
missing=()
command -v "${CHROMIUM:-chromium}" >/dev/null || missing+=(chromium)
command -v gdb >/dev/null || missing+=(gdb)
# gcc prints the bare name when it finds no libc.a.
[[ "$(gcc -print-file-name=libc.a 2>/dev/null)" == /* ]] || missing+=(libc6-dev)
command -v pgrep >/dev/null || missing+=(procps)
command -v strace >/dev/null || missing+=(strace)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "umbra test: missing packages the tests need: ${missing[*]} (as root: apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "umbra test: installing ${missing[*]}" >&2
log="$(mktemp)"
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -f "$log"
  echo "umbra test: apt-get could not install ${missing[*]}" >&2
  exit 1
fi
rm -f "$log"

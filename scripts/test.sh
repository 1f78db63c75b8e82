#!/usr/bin/env bash
# The test command (README): installs dependencies, builds, and runs every test:
#   1. build/        normal build: unit, wire, node, stack, intercept and integration tests
#   2. build-asan/   AddressSanitizer + UndefinedBehaviorSanitizer: the unit suite; any report fails
#   3. build-fuzz/   clang + libFuzzer: each fuzz target runs for a bounded time
# Usage: scripts/test.sh [--quick]   (--quick: normal build only)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

scripts/install-deps.sh

setup() {  # setup <dir> <meson args...>
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

echo "== normal build"
setup build -Dwerror=true
meson compile -C build
meson test -C build --print-errorlogs

if [ "${1:-}" = "--quick" ]; then exit 0; fi

echo "== ASan + UBSan build (unit suite)"
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true
# Only what the unit suite runs is built here (the rest of the tree is built and tested above).
ninja -C build-asan $(scripts/suite-targets.py build-asan unit)
ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1 \
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --no-rebuild --suite unit --print-errorlogs

echo "== fuzz targets (clang, libFuzzer)"
CC=clang CXX=clang++ setup build-fuzz -Dfuzz=true
meson compile -C build-fuzz
meson test -C build-fuzz --suite fuzz --print-errorlogs

echo "all tests passed"

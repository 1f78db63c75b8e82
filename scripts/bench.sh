#!/usr/bin/env bash
# The benchmark suite (issue "Speed"): builds what it needs, then runs test/bench/bench.py,
# which measures ztintercept and the kernel baseline in the same run, prints a table and writes
# test/bench/results/<date>.json. Run it on an otherwise idle machine, as root for the veth
# setup (network namespaces). Options go to bench.py: --seconds N, --quick, --out FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v iperf3 >/dev/null && command -v wrk >/dev/null && command -v nginx >/dev/null || scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null
ulimit -n "$(ulimit -Hn)"
exec python3 test/bench/bench.py --build build "$@"

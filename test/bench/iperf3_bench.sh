#!/usr/bin/env bash
# Benchmark (not a test): iperf3 server and client, each under libztintercept.so in its own
# node on loopback, then the same pair over the kernel's loopback; prints both throughputs
# and their ratio. Usage: test/bench/iperf3_bench.sh [build-dir] [seconds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export ZT_BUILD=${1:-$here/../../build}
secs=${2:-10}
source "$here/../integration/lib.sh"

NWID=c41b8868ac000001
PA=$((20000 + RANDOM % 20000)); PB=$((PA + 1)); IPORT=$((PA + 2))
make_home a >/dev/null; make_home b >/dev/null
configure a $PA $NWID 10.147.17.1/24 "$(public_of b)@127.0.0.1/$PB"
configure b $PB $NWID 10.147.17.2/24 "$(address_of a)@127.0.0.1/$PA"

gbps() { python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.3f" % (d["end"]["sum_received"]["bits_per_second"]/1e9))'; }

background b iperf3 -s -p $IPORT
wait_for 30 in_home a iperf3 -c 10.147.17.2 -p $IPORT -t 1 || fail "iperf3 server not reachable over ZeroTier"
zt=$(in_home a iperf3 -c 10.147.17.2 -p $IPORT -t "$secs" -J | gbps)

iperf3 -s -p $((IPORT + 1)) >/dev/null 2>&1 &
BG_PIDS+=($!)
wait_for 10 iperf3 -c 127.0.0.1 -p $((IPORT + 1)) -t 1
kernel=$(iperf3 -c 127.0.0.1 -p $((IPORT + 1)) -t "$secs" -J | gbps)

ratio=$(python3 -c "print('%.3f' % ($zt / $kernel))")
printf 'iperf3 TCP, %s s, one stream, loopback, 2 vCPUs\n' "$secs"
printf '  ztintercept (shim + node + lwIP + ZeroTier armor): %s Gbit/s\n' "$zt"
printf '  kernel loopback:                                    %s Gbit/s\n' "$kernel"
printf '  ratio ztintercept / kernel:                         %s\n' "$ratio"

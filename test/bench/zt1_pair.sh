#!/usr/bin/env bash
# ZeroTier One side by side (bench.py): two ZeroTier One 1.14.1 members with kernel taps, in
# namespaces on one bridge, joined to a network of our root and controller (ztroot
# --controller, a third namespace). iperf3 runs between the members' tap addresses, one
# stream each way, SECONDS long; the output is one JSON line per direction from iperf3 -J.
#
#   usage: ZT_BUILD=build ZT1_DIR=<dir with zerotier-one, zerotier-cli, zerotier-idtool> \
#          test/bench/zt1_pair.sh SECONDS
#        hub bridge: 10.78.x.1 our root + controller, .2 member m1, .3 member m2
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/../interop/zt1_lib.sh"
trap 'zt1_cleanup; cleanup' EXIT
zt1_require >&2
SECS=${1:-10}

NET=10.78.$((RANDOM % 200 + 20))
netns_hub
i=1
for h in root m1 m2; do netns_host $h "$NET.$i"; i=$((i + 1)); done

ROOT=$TMP/root
our_network root "$ROOT" "$NET.1" bench 10.147.52
PLANET=$OUR_PLANET NW=$OUR_NW
api() { our_api root "$ROOT" "$@"; }

export ZT_PLANET=$PLANET
online() { zt1_cli "$1" info 2>/dev/null | grep -q ONLINE; }
for m in m1 m2; do zt1_home $m >/dev/null; zt1_start $m; done
for m in m1 m2; do
  wait_for 30 online $m || fail "ZeroTier One $m did not come online"
  zt1_cli $m join "$NW" >/dev/null
  api POST "/network/$NW/member/$(zt1_address $m)" '{"authorized":true}' >/dev/null
done
up() { [ -n "$(zt1_ip "$1")" ]; }
for m in m1 m2; do wait_for 40 up $m || fail "ZeroTier One $m got no address"; done
IP2=$(zt1_ip m2)
ip netns exec "$(ns m2)" iperf3 -s -p 5201 >/dev/null 2>&1 &
BG_PIDS+=($!)
reach() { ip netns exec "$(ns m1)" iperf3 -c "$IP2" -p 5201 -t 1 >/dev/null 2>&1; }
wait_for 30 reach || fail "iperf3 between the ZeroTier One members does not connect"
for dir in "" -R; do
  ip netns exec "$(ns m1)" iperf3 -c "$IP2" -p 5201 -t "$SECS" -J $dir | python3 -c '
import json, sys
e = json.load(sys.stdin)["end"]["sum_received"]
print(json.dumps({"gbps": e["bits_per_second"] / 1e9, "bytes": e["bytes"]}))'
done

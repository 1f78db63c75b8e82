#!/usr/bin/env bash
# Two leaves and a root on one underlay segment where every host drops 5% of the UDP it
# receives (iptables statistic, the kernel here has no tc netem). The leaves find each other
# through the root (WHOIS, relay, RENDEZVOUS, direct path), then curl fetches a random file
# from python3 -m http.server: it must connect and arrive intact. The drops are every 20th
# UDP datagram in (iptables statistic --mode nth, a different phase per host): 5%, the same
# pattern on every run.
#
#   ns ztla$S                      ns ztlw$S (bridge 203.0.113.0/24)          ns ztlr$S
#   [curl + node A] 203.0.113.11 --+--------------------------------+-- 203.0.113.1 [ztroot]
#                                  |
#   [http.server + node B] 203.0.113.12 (ns ztlb$S)
#   each of A, B, R: iptables -A INPUT -p udp -m statistic --mode nth --every 20 -j DROP
source "$(dirname "$0")/../integration/lib.sh"

if [ "$(id -u)" != 0 ] || ! ip netns add ztlprobe.$$ 2>/dev/null; then
  echo "SKIP: network namespaces cannot be made here (needs root and ip netns)"
  exit 77
fi
ip netns del ztlprobe.$$

S=$$
NS_W=ztlw$S NS_R=ztlr$S NS_A=ztla$S NS_B=ztlb$S
netns_cleanup() {
  local ns
  for ns in $NS_A $NS_B $NS_R; do ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null; done
  for ns in $NS_A $NS_B $NS_R; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.1; done
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
  done
  for ns in $NS_A $NS_B $NS_R $NS_W; do ip netns del "$ns" 2>/dev/null || true; done
}
trap 'netns_cleanup; cleanup' EXIT

for ns in $NS_W $NS_R $NS_A $NS_B; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip -n $NS_W link add br0 type bridge
ip -n $NS_W link set br0 up
link() {  # link NS NAME ADDR PHASE: a veth from the bridge to NS, 5% UDP loss on its way in
  ip link add "v$2$S" type veth peer name "p$2$S"
  ip link set "v$2$S" netns $NS_W
  ip link set "p$2$S" netns "$1"
  ip -n $NS_W link set "v$2$S" master br0 up
  ip -n "$1" link set "p$2$S" name eth0 up
  # A wire carries datagrams: segment UDP GSO runs before they leave, as a NIC would, so
  # that the drops below fall on datagrams, not on whole runs (veth would carry them whole).
  ip -n "$1" link set eth0 gso_max_segs 1
  ip -n "$1" addr add "$3/24" dev eth0
  ip netns exec "$1" iptables -A INPUT -i eth0 -p udp -m statistic --mode nth --every 20 --packet "$4" -j DROP
}
link $NS_R r 203.0.113.1 0
link $NS_A a 203.0.113.11 7
link $NS_B b 203.0.113.12 13
ip netns exec $NS_A ping -c1 -W2 203.0.113.12 >/dev/null || fail "namespace routing is broken"

NWID=c41b8868ac000001
planet_and_leaves lossy $NWID 203.0.113.1/9993 9993 ip netns exec $NS_R

SIZE=${NETEM_SIZE:-1000000}   # NETEM_SIZE=bytes to change it
www=$TMP/www; mkdir -p "$www"; head -c "$SIZE" /dev/urandom > "$www/f.bin"
want=$(sha256sum < "$www/f.bin" | cut -d' ' -f1)
(cd "$www" && exec ip netns exec $NS_B env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" \
   python3 -m http.server 8080 --bind 0.0.0.0) >"$TMP/server.log" 2>&1 &
BG_PIDS+=($!)
in_a() { ip netns exec $NS_A env ZT_HOME="$(home_of a)" LD_PRELOAD="$LIB" "$@"; }

t0=$SECONDS
wait_for 60 in_a curl -sf -o /dev/null --max-time 5 http://10.147.17.2:8080/ \
  || { cat "$TMP/server.log"; fail "B not reachable across the lossy underlay"; }
say "ok: A reached B's http.server across 5% underlay loss after $((SECONDS - t0)) s"

t0=$(date +%s.%N)
in_a curl -sS --max-time 300 -o "$TMP/got.bin" http://10.147.17.2:8080/f.bin || fail "curl failed"
t1=$(date +%s.%N)
got=$(sha256sum < "$TMP/got.bin" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "sha256 mismatch: want $want got $got ($(stat -c %s "$TMP/got.bin") bytes)"
say "ok: $SIZE bytes intact in $(python3 -c "print(f'{$t1 - $t0:.2f}')") s"

dropped=0
for ns in $NS_A $NS_B $NS_R; do
  n=$(ip netns exec "$ns" iptables -L INPUT -v -x -n | awk '/statistic/ {print $1}')
  dropped=$((dropped + n))
done
[ "$dropped" -gt 20 ] || fail "iptables dropped only $dropped datagrams: the loss was not in effect"
st() { ip netns exec "$1" "$BUILD/tools/ztstatus/ztstatus" -H "$2" --json; }
path=$(st $NS_A "$(home_of a)" | json_get "' '.join(pa['address'] for p in s['peers'] if p['address']=='$(address_of b)' for pa in p['paths'] if pa['preferred'])")
say "ok: iptables dropped $dropped underlay datagrams; A's path to B: ${path:-relayed by the root}"

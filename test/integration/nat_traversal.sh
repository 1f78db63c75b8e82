#!/usr/bin/env bash
# Issue: peer layer (b), (c), (d) with real NATs, in network namespaces.
#
#        ns zta                ns ztn1                  ns ztw ("internet")           ns ztr
#   [curl + node A]--lan--[NAT1 MASQUERADE]--wan--+----[bridge 203.0.113.0/24]----+--[ztroot]
#    192.168.1.2           192.168.1.1 / .11       |                                  203.0.113.1
#                                                  |
#   [http.server + node B]--lan--[NAT2 MASQUERADE]-+
#    192.168.2.2 (ns ztb)   192.168.2.1 / .12 (ns ztn2)
#
# The NATs are home routers: masquerade outbound, drop unsolicited inbound (filter INPUT and
# FORWARD on the WAN side), so a packet arrives only once the inside has sent one out.
#
# (b) traffic starts through the root and moves to a direct path through both NATs,
#     checked in A's path table and in the root's relay counter;
# (d) B's node restarts with the same identity and A reaches it again within seconds;
# (c) the root is stopped and the direct path carries on.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! ip netns add ztprobe.$$ 2>/dev/null; then
  echo "SKIP: network namespaces cannot be made here (needs root and ip netns)"
  exit 77
fi
ip netns del ztprobe.$$

S=$$  # suffix keeps parallel runs apart
NS_W=ztw$S NS_R=ztr$S NS_N1=ztn1$S NS_N2=ztn2$S NS_A=zta$S NS_B=ztb$S
netns_cleanup() {
  local ns
  for ns in $NS_A $NS_B $NS_N1 $NS_N2 $NS_R $NS_W; do ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null; done
  sleep 0.2
  for ns in $NS_A $NS_B $NS_N1 $NS_N2 $NS_R $NS_W; do ip netns del "$ns" 2>/dev/null || true; done
}
trap 'netns_cleanup; cleanup' EXIT

for ns in $NS_W $NS_R $NS_N1 $NS_N2 $NS_A $NS_B; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip -n $NS_W link add br0 type bridge
ip -n $NS_W link set br0 up

# wan_link NS NAME ADDR: a veth from the bridge to NS.
wan_link() {
  ip link add "w$2$S" type veth peer name "e$2$S"
  ip link set "w$2$S" netns $NS_W
  ip link set "e$2$S" netns "$1"
  ip -n $NS_W link set "w$2$S" master br0 up
  ip -n "$1" link set "e$2$S" name wan up
  ip -n "$1" addr add "$3/24" dev wan
}
# lan_link NAT HOST NAME NAT_ADDR HOST_ADDR: a veth from a NAT to its host.
lan_link() {
  ip link add "l$3$S" type veth peer name "h$3$S"
  ip link set "l$3$S" netns "$1"
  ip link set "h$3$S" netns "$2"
  ip -n "$1" link set "l$3$S" name lan up
  ip -n "$2" link set "h$3$S" name eth0 up
  ip -n "$1" addr add "$4/24" dev lan
  ip -n "$2" addr add "$5/24" dev eth0
  ip -n "$2" route add default via "$4"
  ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1
  # A home router: masquerade outbound, drop unsolicited inbound.
  ip netns exec "$1" iptables -t nat -A POSTROUTING -o wan -j MASQUERADE
  ip netns exec "$1" iptables -A INPUT -i wan -m conntrack --ctstate NEW,INVALID -j DROP
  ip netns exec "$1" iptables -A FORWARD -i wan -m conntrack --ctstate NEW,INVALID -j DROP
}
wan_link $NS_R r 203.0.113.1
wan_link $NS_N1 n1 203.0.113.11
wan_link $NS_N2 n2 203.0.113.12
lan_link $NS_N1 $NS_A a 192.168.1.1 192.168.1.2
lan_link $NS_N2 $NS_B b 192.168.2.1 192.168.2.2
ip netns exec $NS_A ping -c1 -W2 203.0.113.1 >/dev/null || fail "namespace routing is broken"
ip netns exec $NS_A ping -c1 -W1 192.168.2.2 >/dev/null 2>&1 && fail "A can reach B's LAN: the NATs leak"

NWID=c41b8868ac000001
planet_and_leaves nat $NWID 203.0.113.1/9993 9993 ip netns exec $NS_R

www=$TMP/www; mkdir -p "$www"; head -c 4000000 /dev/urandom > "$www/f.bin"
want=$(sha256sum < "$www/f.bin" | cut -d' ' -f1)
start_server() {
  (cd "$www" && exec ip netns exec $NS_B env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" \
     python3 -m http.server 8080 --bind 0.0.0.0) >>"$TMP/server.log" 2>&1 &
  SERVER=$!
  BG_PIDS+=($SERVER)
}
fetch() {  # fetch OUT: A fetches the file; true if it arrived intact
  ip netns exec $NS_A env ZT_HOME="$(home_of a)" LD_PRELOAD="$LIB" \
    curl -sf --max-time 20 -o "$1" http://10.147.17.2:8080/f.bin &&
    [ "$(sha256sum < "$1" | cut -d' ' -f1)" = "$want" ]
}
st() { ip netns exec "$1" "$BUILD/tools/ztstatus/ztstatus" -H "$2" --json 2>/dev/null || echo '{"peers":[],"counters":{"relayed":0}}'; }
root_relayed() { st $NS_R "$TMP/root" | json_get 's["counters"]["relayed"]'; }
a_path_to_b() {  # the confirmed path A uses to reach B, if any
  st $NS_A "$(home_of a)" | json_get "' '.join(pa['address'] for p in s['peers'] if p['address']=='$(address_of b)' for pa in p['paths'] if pa['confirmed'] and pa['preferred'])"
}
b_path_to_a() {  # and the one B uses to reach A (the file flows from B to A)
  st $NS_B "$(home_of b)" | json_get "' '.join(pa['address'] for p in s['peers'] if p['address']=='$(address_of a)' for pa in p['paths'] if pa['confirmed'] and pa['preferred'])"
}

start_server
wait_for 40 ip netns exec $NS_A env ZT_HOME="$(home_of a)" LD_PRELOAD="$LIB" \
  curl -sf -o /dev/null --max-time 3 http://10.147.17.2:8080/ || { cat "$TMP/server.log"; fail "B not reachable"; }
r0=$(root_relayed)
[ "$r0" -gt 0 ] || fail "the first packets did not go through the root"
say "ok (b): first contact through the root ($r0 datagrams relayed)"

has_direct_path() { case "$(a_path_to_b)" in 203.0.113.12/*) return 0 ;; *) return 1 ;; esac; }
wait_for 30 has_direct_path || true
path=$(a_path_to_b)
case "$path" in
  203.0.113.12/*) say "ok (b): A's direct path to B goes through NAT2's public address: $path" ;;
  *) st $NS_A "$(home_of a)"; fail "no direct path from A to B through the NATs (path: '$path')" ;;
esac
# The file flows from B to A: B must have confirmed its own direct path to A (through NAT1)
# too, or B's side still goes through the root however settled A's side is.
b_has_direct_path() { case "$(b_path_to_a)" in 203.0.113.11/*) return 0 ;; *) return 1 ;; esac; }
wait_for 30 b_has_direct_path || { st $NS_B "$(home_of b)"; fail "no direct path from B to A through the NATs (path: '$(b_path_to_a)')"; }
r1=$(root_relayed)
fetch "$TMP/got1" || fail "transfer over the direct path failed"
r2=$(root_relayed)
[ $((r2 - r1)) -lt 20 ] || fail "4 MB went through the root ($r1 -> $r2 relayed)"
say "ok (b): 4 MB direct through both NATs; the root relayed $((r2 - r1)) datagrams meanwhile"

# (d) B's node restarts with the same identity.
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
stop_nodes "$(home_of b)"
ns_empty() { [ -z "$(ip netns pids "$1")" ]; }
wait_for 10 ns_empty $NS_B || fail "B's node did not stop"
t0=$SECONDS
start_server
wait_for 30 fetch "$TMP/got2" || fail "A could not reach B after B restarted"
say "ok (d): B restarted with the same identity; A reached it again after $((SECONDS - t0)) s"

# (c) the root goes away; the direct path carries on.
ip netns pids $NS_R | xargs -r kill
wait_for 10 ns_empty $NS_R || fail "the root did not stop"
fetch "$TMP/got3" || fail "transfer failed after the root stopped"
say "ok (c): 4 MB after the root stopped"

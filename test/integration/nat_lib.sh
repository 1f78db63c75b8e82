# Two hosts behind home-router NATs and a server on a shared "internet", in network namespaces
# (sourced after lib.sh; needs root). Exits 77 (skipped, and says why) where namespaces cannot
# be made.
#
#        ns zta                ns ztn1                  ns ztw ("internet")           ns ztr
#   [host A]-------lan----[NAT1 MASQUERADE]--wan--+----[bridge 203.0.113.0/24]----+--[server]
#    192.168.1.2           192.168.1.1 / .11       |                                  203.0.113.1
#                                                  |
#   [host B]-------lan----[NAT2 MASQUERADE]--------+
#    192.168.2.2 (ns ztb)   192.168.2.1 / .12 (ns ztn2)
#
# The NATs are home routers: masquerade outbound, drop unsolicited inbound (filter INPUT and
# FORWARD on the WAN side), so a packet arrives only once the inside has sent one out. A and
# B's only uplink is their NAT. Sets NS_W NS_R NS_N1 NS_N2 NS_A NS_B; the EXIT trap removes them.

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
ns_empty() { [ -z "$(ip netns pids "$1")" ]; }

# st NS HOME: a node's status (JSON) from inside its namespace (its control socket is abstract).
st() { ip netns exec "$1" "$BUILD/tools/ztstatus/ztstatus" -H "$2" --json 2>/dev/null || echo '{"peers":[],"counters":{"relayed":0}}'; }
# root_relayed: datagrams the root (home $TMP/root in NS_R) relayed so far.
root_relayed() { st $NS_R "$TMP/root" | json_get 's["counters"]["relayed"]'; }
# path_of NS NAME PEER: the confirmed, preferred path NAME's node uses to reach PEER, if any.
path_of() {
  st "$1" "$(home_of "$2")" | json_get "' '.join(pa['address'] for p in s['peers'] if p['address']=='$(address_of "$3")' for pa in p['paths'] if pa['confirmed'] and pa['preferred'])"
}
# direct_to NS NAME PEER PUBLIC_IP: NAME's path to PEER goes to PUBLIC_IP (PEER's NAT).
direct_to() { case "$(path_of "$1" "$2" "$3")" in "$4"/*) return 0 ;; *) return 1 ;; esac; }
# relayed_during CMD...: runs CMD; prints how many datagrams the root relayed meanwhile, or
# fails as CMD did.
relayed_during() {
  local r1 r2
  r1=$(root_relayed)
  "$@" || return 1
  r2=$(root_relayed)
  echo $((r2 - r1))
}

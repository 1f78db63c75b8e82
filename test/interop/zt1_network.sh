#!/usr/bin/env bash
# Issue "Join real ZeroTier networks", against ZeroTier One 1.14.1 itself, in namespaces:
#
#   part A   root: ZeroTier One   ctl: ZeroTier One's controller   mem: ZeroTier One member (tap)
#            us: our wrapped node (ztrun -n <nwid>)
#     - us joins the private network of ZeroTier One's controller and gets an address;
#     - curl works both ways between us and mem, after both flush their neighbour caches
#       (mem: ip neigh flush; us: a fresh node has an empty cache);
#     - deauthorizing us in ZeroTier One's controller cuts us off; authorizing again brings
#       us back without a restart.
#   part B   root2: our ztroot --controller (root and controller in one process)
#     - a ZeroTier One member joins a network of our controller and pings our wrapped node;
#   part C   the same network gains IPv6 (an RFC4193 address and an IPv6 pool): after a flush
#     the member finds our pool address by NDP over ZeroTier multicast and pings both.
#
#        hub bridge: 10.77.x.1 root, .2 ctl, .3 mem, .4 us, .5 root2, .6 mem2, .7 us2
#
# Skipped, loudly, without root or a zerotier-one binary (docs/DEVELOPERS.md).
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/zt1_lib.sh"
trap 'zt1_cleanup; cleanup' EXIT
zt1_require

NET=10.77.$((RANDOM % 200 + 20))
netns_hub
i=1
for h in root ctl mem us root2 mem2 us2; do netns_host $h "$NET.$i"; i=$((i + 1)); done

# ---- part A: ZeroTier One's root and controller ---------------------------------------
ROOT=$(zt1_home root)
ZT_PLANET=$(make_planet zt1 "$ROOT" "$NET.1/9993")  # ZeroTier One's root identity, our mkworld
export ZT_PLANET
zt1_home ctl >/dev/null; zt1_home mem >/dev/null
for h in root ctl mem; do zt1_start $h; done
online() { zt1_cli "$1" info 2>/dev/null | grep -q ONLINE; }
for h in ctl mem; do wait_for 30 online $h || fail "ZeroTier One $h did not come online"; done
CTL=$(zt1_address ctl)
NWID=$(zt1_api ctl POST "/controller/network/${CTL}______" '{"name":"interop","private":true,
  "v4AssignMode":{"zt":true},"ipAssignmentPools":[{"ipRangeStart":"10.147.50.1","ipRangeEnd":"10.147.50.254"}],
  "routes":[{"target":"10.147.50.0/24","via":null}]}' | json_get 's["id"]')
say "ZeroTier One controller $CTL made network $NWID"
zt1_cli mem join "$NWID" >/dev/null
zt1_api ctl POST "/controller/network/$NWID/member/$(zt1_address mem)" '{"authorized":true}' >/dev/null
mem_up() { [ -n "$(zt1_ip mem)" ]; }
wait_for 40 mem_up || fail "the ZeroTier One member got no address: $(zt1_cli mem listnetworks)"
IP_MEM=$(zt1_ip mem)
say "ZeroTier One member $(zt1_address mem) is $IP_MEM"

make_home us >/dev/null
printf 'linger = 120\n' > "$(home_of us)/ztintercept.conf"
US=$(address_of us)
zt1_api ctl POST "/controller/network/$NWID/member/$US" '{"authorized":true}' >/dev/null
in_us() { ip netns exec "$(ns us)" "$BUILD/tools/ztrun/ztrun" -H "$(home_of us)" -n "$NWID" --wait 40 -q -- "$@"; }
in_us true || fail "our node did not join ZeroTier One's network: $(tail -n 20 "$(home_of us)/ztnode.log")"
# Abstract unix sockets belong to a namespace: the node's status is read from inside it.
status_in() { local n=$1; shift; ip netns exec "$(ns "$n")" "$BUILD/tools/ztstatus/ztstatus" -H "$(home_of "$n")" "$@"; }
IP_US=$(status_in us network "$NWID" | json_get 's["assignedAddresses"][0].split("/")[0]')
[ "$(zt1_api ctl GET "/controller/network/$NWID/member/$US" | json_get 's["ipAssignments"]')" = "['$IP_US']" ] \
  || fail "ZeroTier One's controller did not record our address"
say "our node $US joined through ZeroTier One's controller as $IP_US"

mkdir -p "$TMP/www"; head -c 3000000 /dev/urandom > "$TMP/www/blob"
WANT=$(sha256sum < "$TMP/www/blob" | cut -c1-64)
(cd "$TMP/www" && exec ip netns exec "$(ns mem)" python3 -m http.server 8081 --bind "$IP_MEM") >/dev/null 2>&1 &
BG_PIDS+=($!)
(cd "$TMP/www" && exec ip netns exec "$(ns us)" "$BUILD/tools/ztrun/ztrun" -H "$(home_of us)" -n "$NWID" -q -- \
   python3 -m http.server 8082) >/dev/null 2>&1 &
BG_PIDS+=($!)
sleep 1
ip -n "$(ns mem)" neigh flush dev "$(zt1_dev mem)"
us_gets() { in_us curl -sf --max-time 10 -o "$TMP/got-us" "http://$IP_MEM:8081/blob"; }
wait_for 20 us_gets || fail "our wrapped curl could not fetch from the ZeroTier One member"
[ "$(sha256sum < "$TMP/got-us" | cut -c1-64)" = "$WANT" ] || fail "our copy differs"
say "ours -> ZeroTier One: curl fetched 3 MB from $IP_MEM, sha256 identical"
ip -n "$(ns mem)" neigh flush dev "$(zt1_dev mem)"
mem_gets() { ip netns exec "$(ns mem)" curl -sf --max-time 10 -o "$TMP/got-mem" "http://$IP_US:8082/blob"; }
wait_for 20 mem_gets || fail "the ZeroTier One member could not fetch from our wrapped server"
[ "$(sha256sum < "$TMP/got-mem" | cut -c1-64)" = "$WANT" ] || fail "the member's copy differs"
ip -n "$(ns mem)" neigh show dev "$(zt1_dev mem)" | grep -q "$IP_US" || fail "the member never resolved us by ARP"
say "ZeroTier One -> ours: after a neighbour flush the member resolved $IP_US by ARP and fetched 3 MB, sha256 identical"

t0=$(date +%s.%N)
zt1_api ctl POST "/controller/network/$NWID/member/$US" '{"authorized":false}' >/dev/null
cut_off() { ! ip netns exec "$(ns mem)" curl -sf --max-time 1 -o /dev/null "http://$IP_US:8082/blob"; }
wait_for 20 cut_off || fail "deauthorized in ZeroTier One's controller, we were not cut off"
say "deauthorized in ZeroTier One's controller: cut off after $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
denied() { [ "$(status_in us network "$NWID" | json_get 's["status"]')" = ACCESS_DENIED ]; }
wait_for 20 denied || fail "our node does not say ACCESS_DENIED"
zt1_api ctl POST "/controller/network/$NWID/member/$US" '{"authorized":true}' >/dev/null
back() { ip netns exec "$(ns mem)" curl -sf --max-time 2 -o /dev/null "http://$IP_US:8082/blob"; }
wait_for 60 back || fail "authorized again, we did not come back"
say "authorized again: reachable again, no restart"

[ "${ZT1_PARTS:-AB}" = A ] && { say "PASS (part A only)"; exit 0; }

# ---- part B: our root and controller, a ZeroTier One member -----------------------------
ROOT2=$TMP/root2
our_network root2 "$ROOT2" "$NET.5" ours 10.147.51
PLANET2=$OUR_PLANET CTL2=$OUR_CTL NW2=$OUR_NW
api2() { our_api root2 "$ROOT2" "$@"; }
say "our controller $CTL2 made network $NW2"

export ZT_PLANET=$PLANET2
zt1_home mem2 >/dev/null; zt1_start mem2
online() { zt1_cli "$1" info 2>/dev/null | grep -q ONLINE; }
wait_for 30 online mem2 || fail "the ZeroTier One member did not come online with our root"
zt1_cli mem2 join "$NW2" >/dev/null
api2 POST "/network/$NW2/member/$(zt1_address mem2)" '{"authorized":true}' >/dev/null
mem2_up() { [ -n "$(zt1_ip mem2)" ]; }
wait_for 40 mem2_up || fail "the ZeroTier One member got no address from our controller: $(zt1_cli mem2 listnetworks)"
IP_MEM2=$(zt1_ip mem2)
say "ZeroTier One member $(zt1_address mem2) joined our network as $IP_MEM2 ($(zt1_cli mem2 listnetworks | tail -n 1))"

make_home us2 >/dev/null
printf 'linger = 120\n' > "$(home_of us2)/ztintercept.conf"
api2 POST "/network/$NW2/member/$(address_of us2)" '{"authorized":true}' >/dev/null
(exec ip netns exec "$(ns us2)" "$BUILD/tools/ztrun/ztrun" -H "$(home_of us2)" -n "$NW2" -q -- sleep 600) &
BG_PIDS+=($!)
us2_up() { status_in us2 network "$NW2" | grep -q 10.147.51; }
wait_for 40 us2_up || fail "our wrapped node got no address from our controller"
IP_US2=$(status_in us2 network "$NW2" | json_get 's["assignedAddresses"][0].split("/")[0]')
ping_us2() { ip netns exec "$(ns mem2)" ping -c 2 -W 2 "$IP_US2" >/dev/null; }
wait_for 20 ping_us2 || fail "the ZeroTier One member cannot ping our wrapped node at $IP_US2"
say "ZeroTier One member pings our wrapped node at $IP_US2: $(ip netns exec "$(ns mem2)" ping -c 3 -W 2 "$IP_US2" | tail -n 1)"

# ---- part C: IPv6 on the same network: an RFC4193 address (NDP emulated on both sides) and
# one from an IPv6 pool (real neighbour discovery over ZeroTier multicast) -------------------
api2 POST "/network/$NW2" '{"v6AssignMode": {"zt": true, "rfc4193": true, "6plane": false},
  "ipAssignmentPools": [{"ipRangeStart": "10.147.51.1", "ipRangeEnd": "10.147.51.254"},
                        {"ipRangeStart": "fd77:5100::1", "ipRangeEnd": "fd77:5100::ffff"}],
  "routes": [{"target": "10.147.51.0/24", "via": null}, {"target": "fd77:5100::/64", "via": null}]}' >/dev/null
v6_of() {  # the address, compressed as ip(8) prints it
  status_in us2 network "$NW2" | json_get "[str(__import__('ipaddress').ip_address(a.split('/')[0])) for a in s['assignedAddresses'] if a.startswith('$1')][0]"
}
us2_v6() { v6_of fd77 >/dev/null && v6_of "fd${NW2:0:2}" >/dev/null; }
wait_for 60 us2_v6 || fail "our node got no IPv6 addresses: $(status_in us2 network "$NW2")"
POOL6=$(v6_of fd77); RFC6=$(v6_of "fd${NW2:0:2}")
mem2_v6() { ip -n "$(ns mem2)" -6 addr show dev "$(zt1_dev mem2)" | grep -q fd77:5100; }
wait_for 60 mem2_v6 || fail "the ZeroTier One member got no address from the IPv6 pool"
ip -n "$(ns mem2)" -6 neigh flush dev "$(zt1_dev mem2)"
ping6_us2() { ip netns exec "$(ns mem2)" ping -6 -c 2 -W 2 "$1" >/dev/null; }
wait_for 30 ping6_us2 "$POOL6" || fail "the ZeroTier One member cannot ping our pool address $POOL6 (NDP)"
ip -n "$(ns mem2)" -6 neigh show dev "$(zt1_dev mem2)" | grep -q "^$POOL6 " || fail "the member never resolved $POOL6 by NDP"
wait_for 30 ping6_us2 "$RFC6" || fail "the ZeroTier One member cannot ping our RFC4193 address $RFC6"
say "IPv6: after a neighbour flush the ZeroTier One member resolved our pool address $POOL6 by NDP and pinged it, and our RFC4193 address $RFC6"
say "PASS"

#!/usr/bin/env bash
# Issue "Every ordinary server runs wrapped" (7): hosts whose only uplink is a NAT join a
# network of our controller and serve each other, with no static peer or address anywhere.
#
#   host A: ztrun -n N -- python3 -m http.server     (behind NAT1)
#   host B: ztrun -n N -- curl                        (behind NAT2)
#   server: ztroot and ztcontroller (network N, private, pool 10.147.40.0/24) on 203.0.113.1
#
# Both get their addresses from the controller through their NATs; B fetches 4 MB from A
# (sha256 checked) and the pair settles on a direct path through both NATs (the root relays
# almost nothing of the transfer); a member the controller does not know stays ACCESS_DENIED.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/controller_lib.sh"
source "$(dirname "$0")/nat_lib.sh"

INFRA_EXEC=(ip netns exec "$NS_R")
ROOT_IP=203.0.113.1 start_infra
NWID=$(new_network '{"name": "behind-nat", "private": true, "v4AssignMode": {"zt": true},
  "ipAssignmentPools": [{"ipRangeStart": "10.147.40.1", "ipRangeEnd": "10.147.40.254"}],
  "routes": [{"target": "10.147.40.0/24", "via": null}]}')
[ ${#NWID} = 16 ] || fail "no network id from the API: '$NWID'"
member a 9993; member b 9993; member c 9994
authorize "$NWID" a; authorize "$NWID" b

ns_net() { ip netns exec "$1" "$BUILD/tools/ztstatus/ztstatus" -H "$(home_of "$2")" network "$NWID"; }
ns_ip_of() { ns_net "$1" "$2" | json_get "[a.split('/')[0] for a in s['assignedAddresses'] if ':' not in a][0]"; }
ztrun_in() {  # ztrun_in NS NAME cmd...: ztrun -n NWID in NAME's home, inside NS
  local ns=$1 name=$2; shift 2
  ip netns exec "$ns" "$BUILD/tools/ztrun/ztrun" -H "$(home_of "$name")" -n "$NWID" --wait "${WAIT:-40}" -q -- "$@"
}

www=$TMP/www; mkdir -p "$www"; head -c 4000000 /dev/urandom > "$www/f.bin"
want=$(sha256sum < "$www/f.bin" | cut -d' ' -f1)
(cd "$www" && exec ip netns exec $NS_A "$BUILD/tools/ztrun/ztrun" -H "$(home_of a)" -n "$NWID" --wait 40 -q -- \
   python3 -m http.server 8080 --bind 0.0.0.0) >"$TMP/server.log" 2>&1 &
BG_PIDS+=($!)
wait_for 45 ns_ip_of $NS_A a || { cat "$TMP/server.log"; ns_net $NS_A a; fail "A got no address through its NAT"; }
IP_A=$(ns_ip_of $NS_A a)
case $IP_A in 10.147.40.*) ;; *) fail "A's address $IP_A is not from the pool" ;; esac
say "ok: A joined from behind NAT1 as $IP_A"

fetch() {
  ztrun_in $NS_B b curl -sf --max-time 20 -o "$1" "http://$IP_A:8080/f.bin" &&
    [ "$(sha256sum < "$1" | cut -d' ' -f1)" = "$want" ]
}
wait_for 60 fetch "$TMP/got1" || { cat "$TMP/server.log"; ns_net $NS_B b; fail "B could not fetch from A"; }
IP_B=$(ns_ip_of $NS_B b)
case $IP_B in 10.147.40.*) [ "$IP_B" != "$IP_A" ] || fail "A and B share $IP_A" ;; *) fail "B's address $IP_B is not from the pool" ;; esac
say "ok: B joined from behind NAT2 as $IP_B and fetched 4 MB from A, sha256 identical"

# The pair finds a direct path through both NATs (the file flows from A to B: A's path to B
# carries it).
wait_for 30 direct_to $NS_A a b 203.0.113.12 || { st $NS_A "$(home_of a)"; fail "no direct path from A to B: '$(path_of $NS_A a b)'"; }
wait_for 30 direct_to $NS_B b a 203.0.113.11 || { st $NS_B "$(home_of b)"; fail "no direct path from B to A: '$(path_of $NS_B b a)'"; }
n=$(relayed_during fetch "$TMP/got2") || fail "the transfer over the direct path failed"
[ "$n" -lt 20 ] || fail "4 MB went through the root ($n datagrams relayed)"
say "ok: direct path through both NATs ($(path_of $NS_A a b) / $(path_of $NS_B b a)); 4 MB again, the root relayed $n datagrams"

# A member the controller has not authorized, behind the same NAT as B: refused, and ztrun says so.
out=$(WAIT=10 ztrun_in $NS_B c true 2>&1) && fail "ztrun ran the program for an unauthorized member"
grep -q ACCESS_DENIED <<<"$out" || fail "ztrun did not say ACCESS_DENIED: $out"
say "ok: an unauthorized member behind NAT2 is refused: $(tail -n 1 <<<"$out")"
say "PASS"

#!/usr/bin/env bash
# Issue "Join real ZeroTier networks": one node on two networks whose ranges overlap, and flow
# rules.
#
# 1. x is on N1 (10.147.40.0/24) and N2 (10.147.0.0/16, which contains N1's range); y only on
#    N1, z only on N2. x reaches both (the most specific prefix picks the network); z, whose
#    /16 covers y's address, still cannot reach y: traffic stays on its network.
# 2. N3's rules drop TCP port 8081 (source or destination), accept the rest: between a and b,
#    port 8080 works both ways and 8081 is blocked both ways; the status counts rule hits.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/controller_lib.sh"

start_infra
N1=$(new_network '{"name": "n1", "private": true, "v4AssignMode": {"zt": true},
  "ipAssignmentPools": [{"ipRangeStart": "10.147.40.10", "ipRangeEnd": "10.147.40.200"}],
  "routes": [{"target": "10.147.40.0/24", "via": null}]}')
N2=$(new_network '{"name": "n2", "private": true, "v4AssignMode": {"zt": true},
  "ipAssignmentPools": [{"ipRangeStart": "10.147.41.10", "ipRangeEnd": "10.147.41.200"}],
  "routes": [{"target": "10.147.0.0/16", "via": null}]}')
member x $((PR + 10)); member y $((PR + 11)); member z $((PR + 12))
authorize "$N1" x; authorize "$N2" x; authorize "$N1" y; authorize "$N2" z

mkdir -p "$TMP/www"; echo "from-y" > "$TMP/www/y.txt"
serve_in y "$N1" 8080 "$TMP/www"
mkdir -p "$TMP/wz"; echo "from-z" > "$TMP/wz/z.txt"
serve_in z "$N2" 8080 "$TMP/wz"
wait_for 30 ip_of y "$N1" || fail "y got no address"
wait_for 30 ip_of z "$N2" || fail "z got no address"
IP_Y=$(ip_of y "$N1"); IP_Z=$(ip_of z "$N2")
say "y on n1: $IP_Y; z on n2: $IP_Z"

# x on n1 only first; then a program that names n2 in ZT_NETWORKS (no ztrun) makes x's
# running node join n2 too; ztstatus leave takes it off again.
run_in x "$N1" curl -sf --max-time 5 "http://$IP_Y:8080/y.txt" | grep -q from-y || fail "x (n1) cannot reach y"
[ "$("$BUILD/tools/ztstatus/ztstatus" -H "$(home_of x)" networks | grep -c listnetworks)" = 2 ] \
  || fail "x's node is on more than n1: $("$BUILD/tools/ztstatus/ztstatus" -H "$(home_of x)" networks)"
x_gets_z() { ZT_NETWORKS=$N2 in_home x curl -sf --max-time 3 "http://$IP_Z:8080/z.txt" | grep -q from-z; }
wait_for 30 x_gets_z || fail "a program with ZT_NETWORKS=$N2 did not make x's node join n2"
say "x's running node joined n2 for a program that named it in ZT_NETWORKS"
"$BUILD/tools/ztstatus/ztstatus" -H "$(home_of x)" leave "$N2" >/dev/null || fail "ztstatus leave failed"
"$BUILD/tools/ztstatus/ztstatus" -H "$(home_of x)" networks | grep -q "$N2" && fail "x still lists n2 after leave"
in_home x curl -sf --max-time 3 "http://$IP_Z:8080/z.txt" && fail "x reaches z after leaving n2"
say "x left n2 at run time: z unreachable, n1 kept"

# x joins both (ztrun waits for both).
both() { "$BUILD/tools/ztrun/ztrun" -H "$(home_of x)" -n "$N1" -n "$N2" --wait 30 -- "$@"; }
x_gets_y() { both curl -sf --max-time 5 "http://$IP_Y:8080/y.txt" | grep -q from-y; }
wait_for 20 x_gets_y || fail "x cannot reach y on n1"
both curl -sf --max-time 5 "http://$IP_Z:8080/z.txt" | grep -q from-z || fail "x cannot reach z on n2"
[ "$("$BUILD/tools/ztstatus/ztstatus" -H "$(home_of x)" networks | grep -c ' OK ')" = 2 ] || fail "x is not OK on both"
say "x (on both) reaches y ($IP_Y, n1) and z ($IP_Z, n2)"

# z's /16 covers y's address, but y is not on n2: z's traffic for it stays on n2 and gets nowhere.
run_in z "$N2" curl -sf --max-time 5 "http://$IP_Y:8080/y.txt" && fail "z reached y across networks"
say "z (n2 only) cannot reach y's $IP_Y: traffic stays on its network"

# Rules: drop TCP 8081 both ways.
N3=$(new_network '{"name": "rules", "private": true, "v4AssignMode": {"zt": true},
  "ipAssignmentPools": [{"ipRangeStart": "10.147.42.10", "ipRangeEnd": "10.147.42.200"}],
  "routes": [{"target": "10.147.42.0/24", "via": null}],
  "rules": [
    {"type": "MATCH_IP_PROTOCOL", "ipProtocol": 6},
    {"type": "MATCH_IP_DEST_PORT_RANGE", "start": 8081, "end": 8081},
    {"type": "ACTION_DROP"},
    {"type": "MATCH_IP_PROTOCOL", "ipProtocol": 6},
    {"type": "MATCH_IP_SOURCE_PORT_RANGE", "start": 8081, "end": 8081},
    {"type": "ACTION_DROP"},
    {"type": "ACTION_ACCEPT"}]}')
member a $((PR + 13)); member b $((PR + 14))
authorize "$N3" a; authorize "$N3" b
mkdir -p "$TMP/wa" "$TMP/wb"; echo ok-a > "$TMP/wa/f"; echo ok-b > "$TMP/wb/f"
serve_in a "$N3" 8080 "$TMP/wa"
(cd "$TMP/wa" && exec "$BUILD/tools/ztrun/ztrun" -H "$(home_of a)" -n "$N3" -q -- python3 -m http.server 8081) \
  >/dev/null 2>&1 & BG_PIDS+=($!)
serve_in b "$N3" 8080 "$TMP/wb"
(cd "$TMP/wb" && exec "$BUILD/tools/ztrun/ztrun" -H "$(home_of b)" -n "$N3" -q -- python3 -m http.server 8081) \
  >/dev/null 2>&1 & BG_PIDS+=($!)
wait_for 30 ip_of a "$N3" || fail "a got no address"; wait_for 30 ip_of b "$N3" || fail "b got no address"
IP_A=$(ip_of a "$N3"); IP_B=$(ip_of b "$N3")
b_gets_a() { run_in b "$N3" curl -sf --max-time 5 "http://$IP_A:8080/f" | grep -q ok-a; }
wait_for 20 b_gets_a || fail "b cannot reach a:8080"
run_in a "$N3" curl -sf --max-time 5 "http://$IP_B:8080/f" | grep -q ok-b || fail "a cannot reach b:8080"
run_in b "$N3" curl -sf --max-time 4 "http://$IP_A:8081/f" && fail "b reached a:8081 through a DROP rule"
run_in a "$N3" curl -sf --max-time 4 "http://$IP_B:8081/f" && fail "a reached b:8081 through a DROP rule"
hits_a=$(net_json a "$N3" | json_get 's["ruleHits"]'); drops_a=$(net_json a "$N3" | json_get 's["droppedByRulesOut"] + s["droppedByRulesIn"]')
[ "$drops_a" -gt 0 ] || fail "a counted no rule drops (hits $hits_a)"
say "rules: 8080 works both ways, 8081 blocked both ways; a's rule hits $hits_a, $drops_a frames dropped"
say "PASS"

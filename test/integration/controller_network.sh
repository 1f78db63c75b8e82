#!/usr/bin/env bash
# Issue "Join real ZeroTier networks": a root, our controller and three wrapped nodes on
# loopback, no static peer list anywhere.
#
#   ztroot (root) ---- ztcontroller (network N, private, pool 10.147.30.0/24)
#        |                  |
#   a: python3 -m http.server     b: curl      c: never authorized
#
# a and b join with ztrun -n N and get addresses from the pool; b fetches a file from a
# (sha256 checked). c gets ACCESS_DENIED, no address, and ztrun says so and fails. b,
# deauthorized through the API, loses its connection within seconds; authorized again it
# comes back without a restart.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/controller_lib.sh"

start_infra
NWID=$(new_network '{"name": "itest", "private": true, "v4AssignMode": {"zt": true},
  "ipAssignmentPools": [{"ipRangeStart": "10.147.30.1", "ipRangeEnd": "10.147.30.254"}],
  "routes": [{"target": "10.147.30.0/24", "via": null}]}')
[ ${#NWID} = 16 ] && [ "${NWID:0:10}" = "$CTL" ] || fail "no network id from the API: '$NWID'"
say "network $NWID created through the API"

member a $((PR + 10)); member b $((PR + 11)); member c $((PR + 12))
authorize "$NWID" a; authorize "$NWID" b

mkdir -p "$TMP/www"; head -c 2000000 /dev/urandom > "$TMP/www/blob"
serve_in a "$NWID" 8080 "$TMP/www"
wait_for 30 ip_of a "$NWID" || fail "a got no address: $(net_json a "$NWID")"
IP_A=$(ip_of a "$NWID")
case $IP_A in 10.147.30.*) ;; *) fail "a's address $IP_A is not from the pool" ;; esac
[ "$(api GET "/network/$NWID/member/$(address_of a)" | json_get 's["ipAssignments"]')" = "['$IP_A']" ] \
  || fail "the controller did not record a's address"
say "a joined as $IP_A (from the pool, recorded by the controller)"
# The node keeps its networks' ranges in the home, for programs started while it is down.
routes_saved() { grep -qx "$IP_A/24" "$(home_of a)/routes"; }
wait_for 10 routes_saved || fail "a's routes file: $(cat "$(home_of a)/routes" 2>&1)"
grep -qx "10.147.30.0/24" "$(home_of a)/routes" || fail "the managed route is not in a's routes file"
say "a's node saved its ranges in the home ($(tr '\n' ' ' < "$(home_of a)/routes"))"

fetch() { run_in b "$NWID" curl -sf --max-time 10 -o "$TMP/got" "http://$IP_A:8080/blob"; }
wait_for 20 fetch || fail "b could not fetch from a"
[ "$(sha256sum < "$TMP/got")" = "$(sha256sum < "$TMP/www/blob")" ] || fail "b's copy differs"
IP_B=$(ip_of b "$NWID")
[ "$IP_B" != "$IP_A" ] || fail "a and b got the same address"
say "b ($IP_B) fetched 2 MB from a, sha256 identical"

# c: not authorized.
out=$(WAIT=8 run_in c "$NWID" true 2>&1) && fail "ztrun ran the program on a network it is not authorized on"
grep -q "ACCESS_DENIED" <<<"$out" || fail "ztrun did not say why: $out"
[ "$(net_json c "$NWID" | json_get 's["status"]')" = ACCESS_DENIED ] || fail "c is not ACCESS_DENIED"
[ "$(net_json c "$NWID" | json_get 'len(s["assignedAddresses"])')" = 0 ] || fail "c has an address"
say "c: ACCESS_DENIED, no address; ztrun said: $(tail -n 1 <<<"$out")"

# b deauthorized: a long transfer from a to b stops within seconds. (Through the shim
# directly: ztrun would wait for the network to come back.)
head -c 300000000 /dev/zero > "$TMP/www/long"
in_home b curl -s --max-time 120 --limit-rate 1M -o "$TMP/long.part" "http://$IP_A:8080/long" &
BG_PIDS+=($!)
size() { stat -c %s "$TMP/long.part" 2>/dev/null || echo 0; }
flowing() { [ "$(size)" -gt 1000000 ]; }
wait_for 20 flowing || fail "the long transfer did not start"
t0=$(date +%s.%N)
authorize "$NWID" b false
last=$(size); last_t=$t0; still=0
while [ "$still" -lt 10 ]; do    # 2 s without a byte
  sleep 0.2
  now=$(size)
  if [ "$now" != "$last" ]; then last=$now; last_t=$(date +%s.%N); still=0; else still=$((still + 1)); fi
  python3 -c "import sys; sys.exit(0 if $(date +%s.%N) - $t0 < 30 else 1)" || fail "b still receives 30 s after its deauthorization"
done
cut=$(python3 -c "print(round($last_t - $t0, 1))")
python3 -c "import sys; sys.exit(0 if $cut < 5 else 1)" || fail "b was cut off only after $cut s"
say "b deauthorized: its transfer stopped $cut s later"
b_denied() { [ "$(net_json b "$NWID" | json_get 's["status"]')" = ACCESS_DENIED ]; }
wait_for 10 b_denied || fail "b's node does not say ACCESS_DENIED"
in_home b curl -sf --max-time 3 -o /dev/null "http://$IP_A:8080/blob" && fail "b fetches from a while deauthorized"
[ "$(status_json a | json_get 's["counters"]["drops"].get("not_member", 0) > 0')" = True ] \
  || fail "a counted no not_member drops"
say "b's node says ACCESS_DENIED; a drops its frames (not_member)"

# Authorized again: back without a restart.
authorize "$NWID" b true
wait_for 30 fetch || fail "b did not come back after re-authorization"
say "b authorized again: fetching works, no restart"

# The network's configuration changes while b downloads: a new name and a managed route through
# a. b's interface is reconfigured and the connection on its unchanged address survives.
head -c 8000000 /dev/urandom > "$TMP/www/mid"
in_home b curl -sf --max-time 60 --limit-rate 2M -o "$TMP/mid.got" "http://$IP_A:8080/mid" &
MID=$!
sleep 1.5
api POST "/network/$NWID" "{\"name\": \"itest-renamed\", \"routes\": [{\"target\": \"10.147.30.0/24\", \"via\": null},
  {\"target\": \"10.99.0.0/16\", \"via\": \"$IP_A\"}]}" >/dev/null
renamed() { [ "$(net_json b "$NWID" | json_get 's["name"]')" = itest-renamed ]; }
wait_for 10 renamed || fail "b did not get the new configuration: $(net_json b "$NWID")"
[ "$(net_json b "$NWID" | json_get '[r["via"] for r in s["routes"] if r["target"] == "10.99.0.0/16"]')" = "['$IP_A']" ] \
  || fail "b lacks the route via a: $(net_json b "$NWID" | json_get 's["routes"]')"
wait $MID || fail "the download did not survive the configuration change"
cmp -s "$TMP/mid.got" "$TMP/www/mid" || fail "the download across the change differs"
say "configuration changed during a download (new name, route 10.99.0.0/16 via a): b updated, download intact"
say "PASS"

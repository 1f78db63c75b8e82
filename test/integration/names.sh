#!/usr/bin/env bash
# Names (issue "Reach the network without the preload", part 3): our controller answers DNS for
# <member name>.<domain> (ztcontroller --dns), a node beside it exposes that on the network
# (expose = udp 10.147.31.250:53 -> the controller's port), and the network pushes the domain
# and that server. Wrapped programs on another member resolve member names through it
# (getent, curl, dig), every other name as before; a renamed member answers under its new name;
# node b's SOCKS proxy resolves socks5h names the same way.
#
#   ztroot + ztcontroller --dns 127.0.0.1:DNSP    d: ztnode, 10.147.31.250, expose udp :53 -> DNSP
#   a: http.server, member name "web"              b: getent, curl, dig; socks = 127.0.0.1:SP
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/controller_lib.sh"

DNSP=$((30000 + RANDOM % 20000))
CTL_ARGS=(--dns "127.0.0.1:$DNSP")
start_infra
grep -q "names on 127.0.0.1:$DNSP" "$TMP/ctl/stdout" || fail "the controller does not serve names: $(cat "$TMP/ctl/stdout")"
NWID=$(new_network '{"name": "names", "private": true, "v4AssignMode": {"zt": true},
  "ipAssignmentPools": [{"ipRangeStart": "10.147.31.1", "ipRangeEnd": "10.147.31.200"}],
  "routes": [{"target": "10.147.31.0/24", "via": null}],
  "dns": {"domain": "zt.example", "servers": ["10.147.31.250"]}}')
[ ${#NWID} = 16 ] || fail "no network: '$NWID'"

# The controller answers on its kernel port already (unwrapped dig).
member a $((PR + 10)); member b $((PR + 11)); member d $((PR + 12))
SP=$((PR + 13)); HPB=$((PR + 14))
printf 'socks = 127.0.0.1:%s\nhttp_proxy = 127.0.0.1:%s\n' $SP $HPB >> "$(home_of b)/ztintercept.conf"
authorize "$NWID" a; authorize "$NWID" b
api POST "/network/$NWID/member/$(address_of a)" '{"name": "web"}' >/dev/null
api POST "/network/$NWID/member/$(address_of d)" \
  '{"authorized": true, "name": "ns", "noAutoAssignIps": true, "ipAssignments": ["10.147.31.250"]}' >/dev/null
out=$(dig +short +time=2 +tries=1 -p "$DNSP" @127.0.0.1 ns.zt.example)
[ "$out" = 10.147.31.250 ] || fail "the controller's own answer for ns.zt.example: '$out'"
rc=$(dig +time=2 +tries=1 -p "$DNSP" @127.0.0.1 nosuch.zt.example | grep -o 'status: [A-Z]*')
[ "$rc" = "status: NXDOMAIN" ] || fail "unknown member name: $rc"
rc=$(dig +time=2 +tries=1 -p "$DNSP" @127.0.0.1 example.com | grep -o 'status: [A-Z]*')
[ "$rc" = "status: REFUSED" ] || fail "a name outside the domain: $rc"
say "ok: the controller answers ns.zt.example (10.147.31.250), NXDOMAIN for unknown members, REFUSED elsewhere"

# d: the node that puts the controller's names on the network.
printf 'network = %s\nexpose = udp 10.147.31.250:53 127.0.0.1:%s\n' "$NWID" "$DNSP" >> "$(home_of d)/ztintercept.conf"
ZT_HOME="$(home_of d)" "$NODE" --foreground >"$TMP/node-d.out" 2>&1 &
BG_PIDS+=($!)

mkdir -p "$TMP/www"; head -c 1000000 /dev/urandom > "$TMP/www/blob"
serve_in a "$NWID" 8080 "$TMP/www"
wait_for 30 ip_of a "$NWID" || fail "a got no address"
IP_A=$(ip_of a "$NWID")
wait_for 30 ip_of d "$NWID" || fail "d got no address: $(cat "$TMP/node-d.out")"

# b sees the pushed settings, and its node lists them in the home for the shim.
run_in b "$NWID" true || fail "b did not join"
[ "$(net_json b "$NWID" | json_get 's["dns"]["domain"]')" = zt.example ] || fail "b's status lacks the domain"
grep -qx "zt.example 10.147.31.250:53" "$(home_of b)/dns" || fail "b's dns file: $(cat "$(home_of b)/dns" 2>&1)"
"$BUILD/tools/ztstatus/ztstatus" -H "$(home_of b)" | grep -qx "dns $NWID zt.example 10.147.31.250" \
  || fail "ztstatus does not show the names: $("$BUILD/tools/ztstatus/ztstatus" -H "$(home_of b)")"
say "ok: b has the pushed names: $(net_json b "$NWID" | json_get 's["dns"]')"

resolved() { run_in b "$NWID" getent hosts web.zt.example; }
wait_for 30 resolved || fail "getent hosts web.zt.example under b: $(run_in b "$NWID" getent hosts web.zt.example 2>&1)"
got=$(run_in b "$NWID" getent hosts web.zt.example | awk '{print $1}')
[ "$got" = "$IP_A" ] || fail "web.zt.example is '$got', a is $IP_A"
say "ok: getent hosts web.zt.example under b: $got"

run_in b "$NWID" curl -sS --max-time 20 -o "$TMP/got" http://web.zt.example:8080/blob || fail "curl by name failed"
cmp -s "$TMP/got" "$TMP/www/blob" || fail "curl by name: content differs"
say "ok: curl http://web.zt.example:8080/blob under b: 1 MB, identical"

out=$(run_in b "$NWID" dig +short +time=2 +tries=2 @10.147.31.250 web.zt.example)
[ "$out" = "$IP_A" ] || fail "dig @10.147.31.250 under b: '$out'"
say "ok: dig @10.147.31.250 web.zt.example under b (the expose on d): $out"

# Other names: as before, untouched.
[ "$(run_in b "$NWID" getent hosts localhost)" = "$(getent hosts localhost)" ] || fail "localhost resolves differently under b"
run_in b "$NWID" getent hosts nosuch.zt.example && fail "an unknown member name resolved"
say "ok: localhost as without the shim; nosuch.zt.example not found"

# Renamed: the new name answers, the old one no longer.
api POST "/network/$NWID/member/$(address_of a)" '{"name": "www"}' >/dev/null
renamed() { [ "$(run_in b "$NWID" getent hosts www.zt.example | awk '{print $1}')" = "$IP_A" ]; }
wait_for 10 renamed || fail "www.zt.example after the rename"
run_in b "$NWID" getent hosts web.zt.example && fail "the old name still resolves"
say "ok: member renamed web -> www: www.zt.example resolves, web.zt.example no longer"

# b's SOCKS proxy resolves socks5h names through the pushed server too.
curl -sS --max-time 20 --socks5-hostname 127.0.0.1:$SP -o "$TMP/got2" http://www.zt.example:8080/blob \
  || fail "curl --socks5-hostname www.zt.example"
cmp -s "$TMP/got2" "$TMP/www/blob" || fail "socks5h: content differs"
out=$(curl -sS --max-time 20 --socks5-hostname 127.0.0.1:$SP http://nosuch.zt.example:8080/ 2>&1) && fail "socks5h to an unknown name succeeded"
grep -q "(4)" <<<"$out" || fail "socks5h unknown name: $out"
say "ok: curl --socks5-hostname www.zt.example through b's proxy; unknown names get reply 4"
curl -sS --max-time 20 -x http://127.0.0.1:$HPB -o "$TMP/got3" http://www.zt.example:8080/blob || fail "curl -x by name"
cmp -s "$TMP/got3" "$TMP/www/blob" || fail "curl -x by name: content differs"
say "ok: curl -x http://127.0.0.1:$HPB http://www.zt.example:8080/blob: identical"
say "PASS"

#!/usr/bin/env bash
# Issue "Join real ZeroTier networks": IPv6 from the controller, and broadcast.
#
# 1. An IPv6-only network with the RFC4193 and 6PLANE schemes: a and b get both addresses
#    (and the NDP emulation flag); curl reaches a's http.server over each (no neighbour
#    discovery on the wire: the MAC comes from the address).
# 2. An IPv4 network with broadcast enabled: a UDP datagram to the subnet's broadcast address
#    reaches every other member.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/controller_lib.sh"

start_infra
N6=$(new_network '{"name": "v6", "private": true, "v4AssignMode": {"zt": false},
  "v6AssignMode": {"zt": false, "rfc4193": true, "6plane": true}}')
member a $((PR + 10)); member b $((PR + 11)); member c $((PR + 12))
for m in a b c; do authorize "$N6" $m; done

mkdir -p "$TMP/www"; head -c 1000000 /dev/urandom > "$TMP/www/blob"
serve_in a "$N6" 8080 "$TMP/www" ::
wait_for 30 ip_of a "$N6" 6 || fail "a got no IPv6 address: $(net_json a "$N6")"
addrs=$(net_json a "$N6" | json_get '" ".join(s["assignedAddresses"])')
R=$(tr ' ' '\n' <<<"$addrs" | grep '^fd' | cut -d/ -f1); P=$(tr ' ' '\n' <<<"$addrs" | grep '^fc' | cut -d/ -f1)
[ -n "$R" ] && [ -n "$P" ] || fail "a lacks an RFC4193 or 6PLANE address: $addrs"
grep -q '/88' <<<"$addrs" && grep -q '/40' <<<"$addrs" || fail "wrong prefix lengths: $addrs"
[ "$(net_json a "$N6" | json_get 's["ndpEmulation"]')" = True ] || fail "no NDP emulation flag"
[ "$(net_json a "$N6" | json_get 'len([x for x in s["assignedAddresses"] if ":" not in x])')" = 0 ] \
  || fail "an IPv4 address on an IPv6-only network"
say "a: $addrs (NDP emulation on)"
want=$(sha256sum < "$TMP/www/blob")
for ip in "$R" "$P"; do
  get() { run_in b "$N6" curl -gsf --max-time 10 -o "$TMP/got" "http://[$ip]:8080/blob"; }
  wait_for 20 get || fail "b could not fetch from [$ip]"
  [ "$(sha256sum < "$TMP/got")" = "$want" ] || fail "the copy from [$ip] differs"
  say "b fetched 1 MB over IPv6 from [$ip], sha256 identical"
done

# Broadcast on an IPv4 network.
N4=$(new_network '{"name": "bcast", "private": true, "enableBroadcast": true, "v4AssignMode": {"zt": true},
  "ipAssignmentPools": [{"ipRangeStart": "10.147.31.1", "ipRangeEnd": "10.147.31.254"}],
  "routes": [{"target": "10.147.31.0/24", "via": null}]}')
for m in a b c; do authorize "$N4" $m; done
cat > "$TMP/recv.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9999))
s.settimeout(30)
data, src = s.recvfrom(2000)
print(data.decode(), src[0], flush=True)
EOF
cat > "$TMP/send.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for _ in range(10):   # a few times: the receivers may still be binding
    s.sendto(b"hello-all", (sys.argv[1], 9999))
    time.sleep(0.3)
EOF
for m in b c; do
  (run_in $m "$N4" python3 "$TMP/recv.py" > "$TMP/recv-$m.out" 2>&1) &
  BG_PIDS+=($!)
done
for m in b c; do wait_for 30 ip_of $m "$N4" || fail "$m got no address on $N4"; done
sleep 1
run_in a "$N4" python3 "$TMP/send.py" 10.147.31.255 || fail "the broadcast send failed"
for m in b c; do
  wait_for 15 grep -q hello-all "$TMP/recv-$m.out" || fail "$m did not receive the broadcast: $(cat "$TMP/recv-$m.out")"
done
[ "$(net_json b "$N4" | json_get 's["broadcastEnabled"]')" = True ] || fail "broadcast not enabled in b's view"
say "a's UDP broadcast to 10.147.31.255 reached b and c: $(cat "$TMP/recv-b.out") / $(cat "$TMP/recv-c.out")"
say "PASS"

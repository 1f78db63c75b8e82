#!/usr/bin/env bash
# Unmodified curl fetches a 20 MB random file from an unmodified `python3 -m http.server`,
# each under libztintercept.so in its own node, over a ZeroTier-format encrypted link on
# loopback. Checks: the sha256 matches; a capture of the underlay UDP holds only ZeroTier
# packets (no plaintext HTTP); curl to a closed virtual port fails exactly as over the kernel.
#
#   [curl]--shim--[node A :PA]  ==UDP/loopback, encrypted==  [node B :PB]--shim--[http.server :8080]
#          10.147.17.1                                               10.147.17.2
source "$(dirname "$0")/lib.sh"

NWID=c41b8868ac000001
PA=$((20000 + RANDOM % 20000)); PB=$((PA + 1))
make_home a >/dev/null; make_home b >/dev/null
configure a $PA $NWID 10.147.17.1/24 "$(public_of b)@127.0.0.1/$PB"
configure b $PB $NWID 10.147.17.2/24 "$(address_of a)@127.0.0.1/$PA"

www=$TMP/www; mkdir -p "$www"
head -c 20000000 /dev/urandom > "$www/file.bin"
want=$(sha256sum < "$www/file.bin" | cut -d' ' -f1)

cap=$TMP/underlay.pcap
tcpdump -i lo -U -s 0 -w "$cap" "udp and (port $PA or port $PB)" 2>/dev/null &
BG_PIDS+=($!)

(cd "$www" && exec env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" python3 -m http.server 8080 --bind 0.0.0.0) \
  >"$TMP/server.log" 2>&1 &
BG_PIDS+=($!)

# The server's node comes up when http.server binds; wait for the virtual port to answer.
wait_for 30 in_home a curl -sf -o /dev/null --max-time 2 http://10.147.17.2:8080/ \
  || { cat "$TMP/server.log"; fail "http.server not reachable over the virtual network"; }

in_home a curl -sS --max-time 120 -o "$TMP/got.bin" http://10.147.17.2:8080/file.bin
got=$(sha256sum < "$TMP/got.bin" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "sha256 mismatch: want $want got $got"
say "ok: 20 MB over the virtual network, sha256 $got"

# Closed port: the same message as over the kernel (times and addresses aside).
errlines() { grep -E 'failed|Failed' || true; }
virt=$( (in_home a curl -v --max-time 10 http://10.147.17.2:1/ 2>&1 || true) | errlines)
kern=$( (curl -v --max-time 10 http://127.0.0.1:1/ 2>&1 || true) | errlines)
norm() { sed -E 's/[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/ADDR/g; s/after [0-9]+ ms/after N ms/'; }
[ "$(echo "$virt" | norm)" = "$(echo "$kern" | norm)" ] || fail "refused differs: virtual '$virt' kernel '$kern'"
echo "$virt" | grep -q "Connection refused" || fail "unexpected curl output: $virt"
say "ok: closed virtual port: $virt"

# The underlay carried only ZeroTier packets: no HTTP in clear.
sleep 0.5; kill "${BG_PIDS[0]}" 2>/dev/null || true; wait "${BG_PIDS[0]}" 2>/dev/null || true
# Count bytes, not packets: with UDP GSO a capture on lo sees runs of datagrams as one packet.
packets=$(tcpdump -r "$cap" 2>/dev/null | wc -l)
bytes=$(stat -c %s "$cap")
[ "$bytes" -gt 20000000 ] || fail "capture has only $bytes bytes ($packets packets) for 20 MB"

if tcpdump -r "$cap" -A 2>/dev/null | grep -aq -e 'HTTP/1' -e 'GET /file.bin' -e 'SimpleHTTP'; then
  fail "plaintext HTTP seen on the underlay"
fi
say "ok: $packets underlay packets ($bytes bytes), no plaintext HTTP"

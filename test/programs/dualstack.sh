#!/usr/bin/env bash
# Dual stack with real programs: nodes with an IPv4 and an IPv6 address on one network; a server
# that binds `::` (python's http.server, dual-stack) is reached by curl over both; a client given
# several addresses tries them in turn (curl --resolve with an IPv6 address where nothing
# listens, then the IPv4 one); a v6-only server is not reachable over IPv4. Data checked by sha256.
source "$(dirname "$0")/lib.sh"
need curl python3
A6=fd00:147::1
B6=fd00:147::2
make_home a >/dev/null; make_home b >/dev/null
configure a $PBASE $NWID "$A_IP/24 $A6/64" "$(public_of b)@127.0.0.1/$((PBASE + 1))"
configure b $((PBASE + 1)) $NWID "$B_IP/24 $B6/64" "$(address_of a)@127.0.0.1/$PBASE"

WWW=$TMP/www
mkdir -p "$WWW"
head -c 2000000 /dev/urandom > "$WWW/blob"
want=$(sha "$WWW/blob")
got_ok() { [ "$(sha "$TMP/got")" = "$want" ]; }
fetch() { rm -f "$TMP/got"; in_home a curl -sf --max-time 20 -o "$TMP/got" "$@" && got_ok; }

P=$((PBASE + 20))
( cd "$WWW" && exec env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" python3 -m http.server --bind :: $P ) >/dev/null 2>&1 &
BG_PIDS+=($!)
wait_for 30 fetch "http://$B_IP:$P/blob" || { dump_logs; fail "[::] server over IPv4"; }
say "ok: http.server on [::] reached over IPv4 ($B_IP), sha256 matches"
fetch -g "http://[$B6]:$P/blob" || { dump_logs; fail "[::] server over IPv6"; }
say "ok: the same server reached over IPv6 ([$B6]), sha256 matches"

# Several addresses in turn: a name whose first address (IPv6) refuses, because only an IPv4
# listener holds the port, and whose second (IPv4) answers.
Q=$((PBASE + 21))
( cd "$WWW" && exec env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" python3 -m http.server --bind "$B_IP" $Q ) >/dev/null 2>&1 &
BG_PIDS+=($!)
wait_for 30 fetch "http://$B_IP:$Q/blob" || fail "IPv4-only server"
fetch --resolve "web.test:$Q:[$B6],$B_IP" "http://web.test:$Q/blob" ||
  fail "curl did not fall back from the refusing IPv6 address to the IPv4 one"
in_home a curl -sv --max-time 20 -o /dev/null --resolve "web.test:$Q:[$B6],$B_IP" "http://web.test:$Q/blob" 2>&1 |
  grep -q "Connected to web.test ($B_IP)" || fail "curl's second address was not the one used"
say "ok: curl given [$B6] then $B_IP: the first refuses, the second serves, sha256 matches"

# A v6-only server on [::] is not reachable over IPv4, and is over IPv6.
R=$((PBASE + 22))
ZT_HOME=$(home_of b) LD_PRELOAD=$LIB python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("::", int(sys.argv[1]))); s.listen(8)
print("ready", flush=True)
while True:
    c, a = s.accept(); c.sendall(("hello %s\n" % a[0]).encode()); c.close()' $R > "$TMP/v6only.out" &
BG_PIDS+=($!)
wait_for 30 grep -q ready "$TMP/v6only.out" || fail "v6-only server did not start"
v6=$(in_home a python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10); print(s.recv(100).decode().strip())' "$B6" $R)
[ "$v6" = "hello $A6" ] || fail "v6-only server over IPv6: '$v6'"
v4=$(in_home a python3 -c '
import errno, socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10); print("connected")
except OSError as e: print(errno.errorcode.get(e.errno, e))' "$B_IP" $R)
[ "$v4" = ECONNREFUSED ] || fail "v6-only server over IPv4: $v4 (expected ECONNREFUSED)"
say "ok: a v6-only [::] server answers over IPv6 (peer $A6) and refuses IPv4"

# A UDP SO_REUSEPORT group across nodes: two sockets on one port of b, 16 sources on a, three
# datagrams each. Every datagram arrives, each source sticks to one member, both get some.
U=$((PBASE + 23))
ZT_HOME=$(home_of b) LD_PRELOAD=$LIB python3 -c '
import select, socket, sys
g = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((sys.argv[1], int(sys.argv[2]))); g.append(s)
print("ready", flush=True)
seen = {}
while sum(len(v) for v in seen.values()) < 48:
    r, _, _ = select.select(g, [], [], 20)
    if not r: break
    for s in r:
        d, a = s.recvfrom(100); seen.setdefault(a[1], []).append(g.index(s))
per = [set(v) for v in seen.values()]
print("got %d sources %d sticky %s members %s" % (sum(len(v) for v in seen.values()), len(seen),
      all(len(p) == 1 for p in per), sorted(set().union(*per))), flush=True)' "$B_IP" $U > "$TMP/reuseport.out" &
BG_PIDS+=($!)
RP=$!
wait_for 30 grep -q ready "$TMP/reuseport.out" || fail "the UDP SO_REUSEPORT server did not start"
in_home a python3 -c '
import socket, sys, time
cs = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(16)]
for k in range(3):
    for c in cs: c.sendto(b"x", (sys.argv[1], int(sys.argv[2])))
    time.sleep(0.05)' "$B_IP" $U
wait $RP || true
grep -qx "got 48 sources 16 sticky True members \[0, 1\]" "$TMP/reuseport.out" ||
  fail "UDP SO_REUSEPORT group across nodes: $(tail -n 1 "$TMP/reuseport.out")"
say "ok: a UDP SO_REUSEPORT pair on b took 48 datagrams from 16 sources on a, each source on one member, both used"

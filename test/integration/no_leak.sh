#!/usr/bin/env bash
# A call meant for the virtual network never goes out through the kernel because no node can
# carry it (issue: `ztrun -n nonsense -- curl http://10.147.17.9/` once sent curl's request out
# on the physical network). Everything runs in a network namespace that has nothing but
# loopback. There, 10.147.17.0/24 and 10.99.0.0/16 are made local addresses of `lo`, with
# unwrapped TCP and UDP catchers on the wildcard: whatever the kernel sends to those ranges lands
# in a catcher, so a leak is seen, and can never reach a real network.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { say "SKIP: needs root for a network namespace"; exit 77; }
NS=zt-leak-$$
ip netns add $NS || { say "SKIP: cannot create a network namespace"; exit 77; }
trap 'pkill -f "$TMP/caught" 2>/dev/null; ip netns del $NS 2>/dev/null; cleanup' EXIT
nsx() { ip netns exec $NS "$@"; }
nsx ip link set lo up
nsx ip route add local 10.147.17.0/24 dev lo
nsx ip route add local 10.99.0.0/16 dev lo
PORT=$((20000 + RANDOM % 20000))

# The catcher: counts TCP connections and UDP datagrams that reach the kernel on PORT.
ip netns exec $NS python3 -c '
import socket, sys, threading
port = int(sys.argv[1]); log = open(sys.argv[2], "a", buffering=1)
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(("0.0.0.0", port)); t.listen(16)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", port))
def udp():
    while True:
        d, a = u.recvfrom(2048); log.write("udp %s\n" % a[0])
threading.Thread(target=udp, daemon=True).start()
print("ready", flush=True)
while True:
    c, a = t.accept(); log.write("tcp %s\n" % a[0]); c.close()
' $PORT "$TMP/caught" > "$TMP/catcher.out" 2>&1 &
BG_PIDS+=($!)
wait_for 10 grep -q ready "$TMP/catcher.out" || fail "catcher did not start"
caught() { [ -s "$TMP/caught" ] && wc -l < "$TMP/caught" || echo 0; }

# A probe: TCP connect and UDP sendto to DST, printing the errno names it got.
probe() {
  python3 -c '
import errno, socket, sys
dst, port = sys.argv[1], int(sys.argv[2])
out = []
s = socket.socket(); s.settimeout(3)
try: s.connect((dst, port)); out.append("tcp:connected")
except OSError as e: out.append("tcp:" + errno.errorcode.get(e.errno, str(e.errno)))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try: u.sendto(b"x", (dst, port)); out.append("udp:sent")
except OSError as e: out.append("udp:" + errno.errorcode.get(e.errno, str(e.errno)))
print(" ".join(out))' "$@"
}
home=$(make_home x)
# The node cannot start here (a binary that exits at once): the shim can reach no node.
nodeless() { nsx env ZT_HOME="$home" ZT_NODE_BIN=/bin/false LD_PRELOAD="$LIB" "$@"; }

# 0. The detector works: an unwrapped probe and a wrapped one with no known ranges reach the catcher.
nsx bash -c "$(declare -f probe); probe 10.147.17.9 $PORT" > "$TMP/p0"
wait_for 5 test "$(caught)" -ge 2 || fail "the catcher saw nothing from an unwrapped probe: $(cat "$TMP/p0")"
base=$(caught)
say "ok: the leak detector sees kernel traffic to 10.147.17.9 ($(cat "$TMP/p0"))"

# 1. A static network's range (ZT_NETWORKS nwid=ip/len), no node: refused, nothing leaks.
r=$(nodeless env ZT_NETWORKS=c41b8868ac000001=10.147.17.1/24 ZT_VERBOSE=1 bash -c "$(declare -f probe); probe 10.147.17.9 $PORT" 2>"$TMP/err1")
[ "$r" = "tcp:ENETUNREACH udp:ENETUNREACH" ] || fail "static range without a node: $r"
# One line, why the node is not there; the refusals it causes add none.
want="ztintercept: cannot start the node: /bin/false exited with status 1 (see ztnode.log in $home)"
[ "$(cat "$TMP/err1")" = "$want" ] ||
  fail "not the one line expected on stderr under ZT_VERBOSE: $(cat "$TMP/err1")"
say "ok: static range, no node: connect and sendto fail with ENETUNREACH, one line on stderr"

# 2. Controller-assigned ranges as ztrun passes them (ZT_ROUTES); nothing on stderr without ZT_VERBOSE.
r=$(nodeless env ZT_NETWORKS=8056c2e21c000001 ZT_ROUTES=10.147.17.5/24,fd00:1::5/88 bash -c "$(declare -f probe); probe 10.147.17.9 $PORT" 2>"$TMP/err2")
[ "$r" = "tcp:ENETUNREACH udp:ENETUNREACH" ] || fail "ZT_ROUTES without a node: $r"
[ ! -s "$TMP/err2" ] || fail "the shim wrote to the app's stderr without ZT_VERBOSE: $(cat "$TMP/err2")"
say "ok: ZT_ROUTES ranges, no node: ENETUNREACH, silent without ZT_VERBOSE"

# 2b. A bare LD_PRELOAD on a controller network (no addresses in ZT_NETWORKS, no ZT_ROUTES): the
# ranges the node wrote to the home's `routes` file the last time it ran.
home2=$(make_home y)
printf '10.147.17.5/24\nfd00:1::5/88\n' > "$home2/routes"
r=$(nsx env ZT_HOME="$home2" ZT_NODE_BIN=/bin/false LD_PRELOAD="$LIB" ZT_NETWORKS=8056c2e21c000001 \
      bash -c "$(declare -f probe); probe 10.147.17.9 $PORT" 2>/dev/null)
[ "$r" = "tcp:ENETUNREACH udp:ENETUNREACH" ] || fail "ranges from the home's routes file, no node: $r"
say "ok: ranges from the home's routes file (the node's last networks), no node: ENETUNREACH"

# 3. Strict mode: the ranges are unknown, yet nothing but loopback leaves; binds fail too.
r=$(nodeless env ZT_NETWORKS=8056c2e21c000001 ZT_STRICT=1 bash -c "$(declare -f probe); probe 10.99.3.4 $PORT" 2>/dev/null)
[ "$r" = "tcp:ENETUNREACH udp:ENETUNREACH" ] || fail "strict mode without a node: $r"
b=$(nodeless env ZT_STRICT=1 python3 -c '
import errno, socket
s = socket.socket()
try: s.bind(("0.0.0.0", 0)); print("bound")
except OSError as e: print(errno.errorcode[e.errno])' 2>/dev/null)
[ "$b" = EADDRNOTAVAIL ] || fail "strict mode: a wildcard bind without a node gave $b"
l=$(nodeless env ZT_STRICT=1 python3 -c '
import socket
s = socket.socket(); s.settimeout(2)
a = socket.socket(); a.bind(("127.0.0.1", 0)); a.listen(1)
s.connect(a.getsockname()); print("loopback ok")' 2>/dev/null)
[ "$l" = "loopback ok" ] || fail "strict mode broke loopback: $l"
say "ok: strict mode, no node: connect/sendto anywhere off loopback ENETUNREACH, wildcard bind EADDRNOTAVAIL, loopback works"

sleep 0.5
[ "$(caught)" = "$base" ] || fail "a wrapped call leaked to the kernel: $(tail -n +$((base + 1)) "$TMP/caught" | tr '\n' ' ')"
say "ok: nothing leaked to the kernel in cases 1-3"

# 4. ztrun checks its arguments before it starts anything.
set +e
out=$(nsx env ZT_HOME="$home" "$BUILD/tools/ztrun/ztrun" -n nonsense -- true 2>&1); rc=$?
set -e
[ $rc = 2 ] && [ "$out" = "ztrun: -n nonsense: 'nonsense' is not a network id (16 hex digits)" ] ||
  fail "ztrun -n nonsense: rc $rc: $out"
[ -z "$(node_pids "$home")" ] || fail "ztrun -n nonsense started a node"
say "ok: ztrun -n nonsense: one line, exit 2, no node started"

#!/usr/bin/env bash
# A new connection onto a 4-tuple the server's node still holds in TIME-WAIT (stack/time_wait.hpp):
# a wrapped server that closes first (as HTTP servers do with `Connection: close`) leaves
# TIME-WAIT behind on its node for 2 MSL; a client that comes back from the same port must get
# a new connection at once, as with Linux, not a stale ACK and a failed connect. The client binds
# one fixed port and connects 5 times in a row; each connection gets the server's greeting.
# Without the recycling, the second connect fails: lwIP's TIME-WAIT answers the SYN with a
# RST (ECONNREFUSED) or a stale ACK (ETIMEDOUT after the SYN retries).
source "$(dirname "$0")/lib.sh"
need python3
two_nodes
P=$((PBASE + 30)); CP=$((PBASE + 31))
ZT_HOME=$(home_of b) LD_PRELOAD=$LIB python3 -c '
import socket, sys, threading
def listener(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], port)); s.listen(8); return s
greet, hold = listener(int(sys.argv[2])), listener(int(sys.argv[2]) + 100)
held = []
threading.Thread(target=lambda: [held.append(hold.accept()) for _ in iter(int, 1)], daemon=True).start()
print("ready", flush=True)
n = 0
while True:
    c, a = greet.accept(); n += 1
    c.sendall(b"hello %d from %s:%d\n" % (n, a[0].encode(), a[1])); c.close()   # the server closes first
' "$B_IP" $P > "$TMP/server.out" 2>&1 &
BG_PIDS+=($!)
wait_for 30 grep -q ready "$TMP/server.out" || fail "server did not start"
# lwIP's initial sequence numbers grow by its TCP tick count (500 ms ticks, counted while a TCP
# connection exists) at each connection. Linux takes a SYN into TIME-WAIT only beyond the old
# connection's last sequence number, and so do we: the client first opens a connection it
# keeps (its node's ticks run) and waits 3 s, so that each ISN is past the one before plus the
# two its SYN and FIN took.
out=$(in_home a python3 -c '
import socket, sys, time
keep = socket.create_connection((sys.argv[2], int(sys.argv[3]) + 100), timeout=10)
time.sleep(3)
def bound():
    # The client side of the last connection may still wait for the ACK of its FIN (LAST-ACK):
    # the port is ours again once it has it.
    for _ in range(50):
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((sys.argv[1], int(sys.argv[4]))); return s
        except OSError:
            s.close(); time.sleep(0.1)
    print("port %s stays in use" % sys.argv[4]); sys.exit(1)
for i in range(5):
    s = bound(); s.settimeout(4)
    t0 = time.monotonic()
    try:
        s.connect((sys.argv[2], int(sys.argv[3])))
        f = s.makefile("rb")
        line = f.readline().decode().strip()
        f.read()   # up to the FIN: the server closes first, and so holds the TIME-WAIT
    except OSError as e:
        print("attempt %d: %s" % (i + 1, e)); sys.exit(1)
    print("%s in %.0f ms" % (line, (time.monotonic() - t0) * 1000))
    f.close(); s.close(); time.sleep(0.3)
' "$A_IP" "$B_IP" $P $CP) || { say "$out"; dump_logs; fail "a connection from the same port after the server closed first"; }
say "$out"
[ "$(grep -c "^hello [1-5] from $A_IP:$CP in" <<<"$out")" = 5 ] || fail "not 5 greetings on port $CP"
say "ok: 5 connections in a row from $A_IP:$CP, each onto the server's TIME-WAIT of the last"

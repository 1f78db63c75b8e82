#!/usr/bin/env bash
# Calls beyond send/recv on virtual sockets, checked end to end between two nodes:
# sendfile() into a virtual TCP socket (5 MB, sha256) and into a connected virtual UDP socket,
# splice() from a pipe into a virtual UDP socket (each datagram checked at the receiver), and
# SO_BINDTODEVICE to a kernel interface, which leaves the socket to the kernel (same result as
# an unwrapped program).
source "$(dirname "$0")/lib.sh"
need python3
two_nodes
head -c 5000000 /dev/urandom > "$TMP/blob"
head -c 1200 /dev/urandom > "$TMP/dgram"
T=$((PBASE + 30)); U=$((PBASE + 31))

# B: a TCP sink that writes what it reads, and a UDP sink that logs each datagram's sha256.
ZT_HOME=$(home_of b) LD_PRELOAD=$LIB python3 -c '
import hashlib, socket, sys, threading
t = socket.socket(); t.bind(("0.0.0.0", int(sys.argv[1]))); t.listen(4)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", int(sys.argv[2])))
log = open(sys.argv[3], "a", buffering=1)
def udp():
    while True:
        d, a = u.recvfrom(70000); log.write("%d %s\n" % (len(d), hashlib.sha256(d).hexdigest()))
threading.Thread(target=udp, daemon=True).start()
print("ready", flush=True)
while True:
    c, a = t.accept()
    with open(sys.argv[4], "wb") as f:
        while True:
            d = c.recv(65536)
            if not d: break
            f.write(d)
    c.close()' $T $U "$TMP/udp.log" "$TMP/tcp.got" > "$TMP/sink.out" &
BG_PIDS+=($!)
wait_for 30 grep -q ready "$TMP/sink.out" || fail "sink did not start"

in_home a python3 - "$B_IP" $T $U "$TMP/blob" "$TMP/dgram" <<'EOF' || fail "the sender failed"
import os, socket, sys
ip, t, u, blob, dgram = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
s = socket.create_connection((ip, t), timeout=20); s.settimeout(None)
with open(blob, "rb") as f:
    size, off = os.fstat(f.fileno()).st_size, 0
    while off < size:
        off += os.sendfile(s.fileno(), f.fileno(), off, size - off)
s.close()
d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); d.connect((ip, u))
with open(dgram, "rb") as f:
    n = os.sendfile(d.fileno(), f.fileno(), 0, 1200)
    assert n == 1200, n
r, w = os.pipe()
os.write(w, open(dgram, "rb").read()[:1000])
n = os.splice(r, d.fileno(), 1000)
assert n == 1000, n
EOF
wait_for 10 test -s "$TMP/tcp.got" -a "$(stat -c %s "$TMP/tcp.got" 2>/dev/null || echo 0)" = 5000000 ||
  fail "TCP sendfile: got $(stat -c %s "$TMP/tcp.got" 2>/dev/null) bytes"
[ "$(sha "$TMP/tcp.got")" = "$(sha "$TMP/blob")" ] || fail "TCP sendfile: bytes differ"
say "ok: sendfile into a virtual TCP socket: 5 MB, sha256 matches"
want1="1200 $(sha "$TMP/dgram")"
want2="1000 $(head -c 1000 "$TMP/dgram" | sha256sum | cut -d' ' -f1)"
wait_for 10 grep -q "^$want2\$" "$TMP/udp.log" || fail "UDP: $(cat "$TMP/udp.log")"
grep -q "^$want1\$" "$TMP/udp.log" || fail "UDP sendfile datagram missing: $(cat "$TMP/udp.log")"
say "ok: sendfile (1200 bytes) and splice from a pipe (1000 bytes) into a virtual UDP socket: one datagram each, sha256 matches"

# SO_BINDTODEVICE to a kernel interface: the kernel routes it (through lo: no way to B), as for an
# unwrapped program.
probe='
import errno, socket, sys
s = socket.socket(); s.settimeout(3)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo")
try: s.connect((sys.argv[1], int(sys.argv[2]))); print("connected")
except OSError as e: print(errno.errorcode.get(e.errno, str(e)))'
plain=$(python3 -c "$probe" "$B_IP" $T)
wrapped=$(in_home a python3 -c "$probe" "$B_IP" $T)
[ "$wrapped" = "$plain" ] || fail "SO_BINDTODEVICE lo: wrapped $wrapped, unwrapped $plain"
[ "$wrapped" != connected ] || fail "SO_BINDTODEVICE lo reached the virtual network"
say "ok: SO_BINDTODEVICE lo leaves the socket to the kernel ($wrapped, as unwrapped)"

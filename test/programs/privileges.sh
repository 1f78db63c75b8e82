#!/usr/bin/env bash
# Servers that change user, started as root under the shim with root's node (docs/ARCHITECTURE.md,
# "Privileges"), each checked end to end from a wrapped client on a second node:
#   - memcached -u memcache: its own setuid before it creates any socket;
#   - runuser -u nobody -- python3 -m http.server: a tool drops privileges, then execs the server;
#   - lighttpd with server.username: binds as root, then drops;
#   - openbsd-inetd: per-connection children that setuid(nobody) and exec curl, which makes a new
#     connection on the virtual network under that uid;
#   - a server that drops with a raw syscall(SYS_setuid) before its sockets, with no node running,
#     then its node killed: a new node takes the listener of nobody over.
# And isolation: a process of another uid that was not started by a wrapped process of the home
# (so it has no access key) cannot use the node, cannot read the identity, and an unwrapped
# program cannot reach a virtual-only listener.
source "$(dirname "$0")/lib.sh"
need memcached lighttpd inetd runuser setpriv curl python3
[ "$(id -u)" = 0 ] || { say "SKIP: needs root (servers that drop privileges)"; exit 77; }
two_nodes
echo "log_level = debug" >> "$(home_of b)/ztintercept.conf"

WWW=$(mktemp -d /tmp/zti-www.XXXXXX)
chmod 755 "$WWW"
trap 'rm -rf "$WWW"; cleanup' EXIT
head -c 3000000 /dev/urandom > "$WWW/blob"
chmod 644 "$WWW/blob"
want=$(sha "$WWW/blob")

in_b() { ZT_HOME=$(home_of b) LD_PRELOAD=$LIB "$@"; }
bg_b() { ZT_HOME=$(home_of b) LD_PRELOAD=$LIB "$@" & BG_PIDS+=($!); }
fetch() { in_home a curl -sf --max-time 20 -o "$TMP/got" "$1" && [ "$(sha "$TMP/got")" = "$want" ]; }

# The uid a process runs as.
uid_of() { awk '/^Uid:/ {print $3}' "/proc/$1/status"; }

# --- memcached -u: setuid before socket() ------------------------------------------------------
MC=$((PBASE + 11))
bg_b memcached -u memcache -l "$B_IP" -p $MC -U 0 -m 16
mc_pid=$!
memcache_set_get() {
  in_home a python3 - "$B_IP" $MC <<'EOF'
import hashlib, os, socket, sys
value = os.urandom(200000)
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b"set k 0 0 %d\r\n" % len(value) + value + b"\r\n")
f = s.makefile("rb")
assert f.readline() == b"STORED\r\n", "set"
s.sendall(b"get k\r\n")
head = f.readline().split()
assert head[:2] == [b"VALUE", b"k"] and int(head[3]) == len(value), head
got = f.read(len(value)); f.read(2)
assert f.readline() == b"END\r\n"
assert hashlib.sha256(got).digest() == hashlib.sha256(value).digest(), "value differs"
EOF
}
wait_for 30 memcache_set_get || { dump_logs; fail "memcached -u memcache: set/get over the virtual network"; }
[ "$(uid_of $mc_pid)" = "$(id -u memcache)" ] || fail "memcached does not run as memcache"
say "ok: memcached -u memcache (setuid before its sockets): 200 kB set/get, sha256 matches"

# --- runuser -u nobody -- python3 -m http.server: a tool drops, then execs ---------------------
PY=$((PBASE + 12))
( cd "$WWW" && exec env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" \
    runuser -u nobody -- python3 -m http.server --bind "$B_IP" $PY ) >/dev/null 2>&1 &
BG_PIDS+=($!)
wait_for 30 fetch "http://$B_IP:$PY/blob" || { dump_logs; fail "runuser -u nobody python3 -m http.server"; }
pgrep -u nobody -f "^python3 -m http.server --bind $B_IP $PY" >/dev/null || fail "http.server does not run as nobody"
say "ok: runuser -u nobody -- python3 -m http.server: 3 MB, sha256 matches"

# --- lighttpd: binds as root, then server.username -----------------------------------------
LT=$((PBASE + 13))
cat > "$TMP/lighttpd.conf" <<EOF
server.document-root = "$WWW"
server.bind = "$B_IP"
server.port = $LT
server.username = "www-data"
server.groupname = "www-data"
mimetype.assign = ( "" => "application/octet-stream" )
EOF
bg_b lighttpd -D -f "$TMP/lighttpd.conf" 2>"$TMP/lighttpd.err"
lt_pid=$!
wait_for 30 fetch "http://$B_IP:$LT/blob" || { cat "$TMP/lighttpd.err" 2>/dev/null; dump_logs; fail "lighttpd"; }
[ "$(uid_of $lt_pid)" = 33 ] || fail "lighttpd does not run as www-data"
say "ok: lighttpd (binds as root, then www-data): 3 MB, sha256 matches"

# --- inetd: per-connection children as nobody that connect out ----------------------------
IN=$((PBASE + 14))
echo "$IN stream tcp nowait nobody /usr/bin/curl curl -sf --max-time 20 http://$B_IP:$LT/blob" > "$TMP/inetd.conf"
bg_b inetd -d "$TMP/inetd.conf" 2>"$TMP/inetd.err"
# The client sends nothing (curl's telnet:// would send option bytes that the child never reads,
# and a close with unread data is a RST that drops what is still in flight, as in the kernel).
inetd_get() {
  in_home a python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
with open(sys.argv[3], "wb") as f:
    while True:
        d = s.recv(65536)
        if not d: break
        f.write(d)' "$B_IP" $IN "$TMP/got" && [ "$(sha "$TMP/got")" = "$want" ]
}
wait_for 30 inetd_get || { dump_logs; fail "inetd per-connection curl as nobody"; }
inetd_get && inetd_get || fail "inetd: a second and third connection"
say "ok: inetd children as nobody exec curl, which fetches over the virtual network: 3 x 3 MB, sha256 match"

# --- isolation -------------------------------------------------------------------------------
status_b() { ZT_HOME=$(home_of b) "$BUILD/tools/ztstatus/ztstatus" 2>/dev/null || true; }
before=$(status_b | sed -n 's/.* refused-other-uid \([0-9]*\).*/\1/p')
# Another uid, started by an unwrapped setpriv: no access key. Its shim is refused by the node.
if setpriv --reuid=nobody --regid=nogroup --clear-groups env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" \
     curl -sf --max-time 5 -o /dev/null "http://$B_IP:$LT/blob" 2>/dev/null; then
  fail "a process of another uid without the access key used the node"
fi
after=$(status_b | sed -n 's/.* refused-other-uid \([0-9]*\).*/\1/p')
[ -n "$after" ] && [ "$after" -gt "${before:-0}" ] || fail "the node did not count the refusal ($before -> $after)"
# A wrong key is refused the same way.
if setpriv --reuid=nobody --regid=nogroup --clear-groups env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" \
     ZT_ACCESS_KEY=00112233445566778899aabbccddeeff curl -sf --max-time 5 -o /dev/null "http://$B_IP:$LT/blob" 2>/dev/null; then
  fail "a wrong access key was accepted"
fi
# The unprivileged users never read the identity or the key.
for f in identity.secret access.key; do
  if setpriv --reuid=nobody --regid=nogroup --clear-groups cat "$(home_of b)/$f" >/dev/null 2>&1; then
    fail "nobody can read $f"
  fi
done
# An unwrapped program on this host cannot reach the virtual-only listener.
if curl -sf --max-time 3 -o /dev/null "http://$B_IP:$LT/blob" 2>/dev/null; then
  fail "an unwrapped curl reached a virtual-only listener"
fi
say "ok: another uid without the key, or with a wrong one, is refused and counted; nobody cannot read identity.secret or access.key; an unwrapped client cannot reach the listener"

# --- a raw syscall(SYS_setuid) before socket(), with no node running ------------------------
# The shim must start root's node and know the key before the drop, as for setuid(): nobody
# could not start it afterwards.
for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
stop_nodes "$(home_of b)"
wait_for 10 node_gone b || fail "b's node did not stop"
RAW=$((PBASE + 14))
( cd "$WWW" && exec env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" python3 -c '
import ctypes, encodings.idna, http.server, os, sys
libc = ctypes.CDLL(None, use_errno=True)
SYS_setgid, SYS_setuid = {"x86_64": (106, 105), "aarch64": (144, 146)}[os.uname().machine]
assert libc.syscall(SYS_setgid, 65534) == 0 and libc.syscall(SYS_setuid, 65534) == 0, ctypes.get_errno()
assert os.getuid() == 65534
http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), http.server.SimpleHTTPRequestHandler).serve_forever()
' "$B_IP" $RAW ) >"$TMP/raw.log" 2>&1 &
BG_PIDS+=($!)
raw_pid=$!
wait_for 30 fetch "http://$B_IP:$RAW/blob" || { cat "$TMP/raw.log"; dump_logs; fail "a server after syscall(SYS_setuid)"; }
[ "$(uid_of $raw_pid)" = 65534 ] || fail "the raw-setuid server does not run as nobody"
[ "$(uid_of "$(node_pids "$(home_of b)" | head -n 1)")" = 0 ] || fail "b's node does not run as root"
say "ok: syscall(SYS_setuid, nobody) before socket() with no node running: root's node started first; 3 MB, sha256 matches"

# --- the node dies (SIGKILL) under that server, which runs as nobody: a new node, started as
# root for the home, takes its listener over (it was accepted from a process with the key, so
# the home's `listeners` file names it), and the same server process answers again.
grep -q "^65534 " "$(home_of b)/listeners" || fail "the node did not remember the listener of nobody"
old=$(node_pids "$(home_of b)")
kill -KILL $old
wait_for 10 node_gone b || fail "b's node did not die"
ZT_HOME=$(home_of b) "$NODE" --foreground >"$TMP/node-b2.log" 2>&1 &
BG_PIDS+=($!)
wait_for 30 fetch "http://$B_IP:$RAW/blob" || { tail -n 20 "$(home_of b)/ztnode.log"; fail "the nobody server through a new node"; }
kill -0 $raw_pid || fail "the nobody server died"
grep -q "took over 1 listener(s) of wrapped programs (1 of other uids)" "$(home_of b)/ztnode.log" ||
  fail "the new node did not say it took the listener of another uid over"
say "ok: the node killed under a server running as nobody; a new root node took its listener over; 3 MB, sha256 matches"

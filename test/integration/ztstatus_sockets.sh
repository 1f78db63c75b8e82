#!/usr/bin/env bash
# `ztstatus sockets` lists the wrapped programs' virtual sockets: a python server on b holds a TCP
# listener, the connection it accepted and a UDP socket; a python client on a holds the connection
# and a UDP socket connected to the server's. They exchange known numbers of bytes, write down
# their pids, fds and addresses, and wait while both nodes are asked. Each listing must show each
# socket with the right pid, fd, addresses, state and byte counts, as JSON and as a table. Then a
# program on a connects to its own virtual address (the node splices that connection without
# lwIP): both ends are listed, mirrored.
#
#   [client.py]--shim--[node A :PA]  ==UDP/loopback, encrypted==  [node B :PB]--shim--[server.py]
#     10.147.17.1                                                              10.147.17.2
source "$(dirname "$0")/lib.sh"
STATUS=$BUILD/tools/ztstatus/ztstatus

NWID=c41b8868ac000001
PA=$((20000 + RANDOM % 20000)); PB=$((PA + 1))
make_home a >/dev/null; make_home b >/dev/null
configure a $PA $NWID 10.147.17.1/24 "$(public_of b)@127.0.0.1/$PB"
configure b $PB $NWID 10.147.17.2/24 "$(address_of a)@127.0.0.1/$PA"

cat > "$TMP/server.py" <<'EOF'
import json, os, socket, sys, time
out, stop = sys.argv[1], sys.argv[2]
lst = socket.socket(); lst.bind(("10.147.17.2", 7000)); lst.listen()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("10.147.17.2", 7001))
open(out + ".listening", "w").close()
conn, peer = lst.accept()
got = b""
while len(got) < 1000: got += conn.recv(1000 - len(got))
conn.sendall(b"s" * 3000)
data, src = udp.recvfrom(2000)
assert len(data) == 200, len(data)
udp.sendto(b"u" * 300, src)
json.dump({"pid": os.getpid(), "listener": lst.fileno(), "conn": conn.fileno(), "udp": udp.fileno(),
           "peer": "%s:%d" % peer}, open(out + ".tmp", "w"))
os.rename(out + ".tmp", out)
while not os.path.exists(stop): time.sleep(0.1)
EOF
cat > "$TMP/client.py" <<'EOF'
import json, os, socket, sys, time
out, stop = sys.argv[1], sys.argv[2]
c = socket.create_connection(("10.147.17.2", 7000), timeout=20)
c.sendall(b"c" * 1000)
got = b""
while len(got) < 3000: got += c.recv(3000 - len(got))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(20)
u.connect(("10.147.17.2", 7001))
u.send(b"d" * 200)
assert len(u.recv(2000)) == 300
json.dump({"pid": os.getpid(), "conn": c.fileno(), "udp": u.fileno(), "local": "%s:%d" % c.getsockname(),
           "udp_local": "%s:%d" % u.getsockname()}, open(out + ".tmp", "w"))
os.rename(out + ".tmp", out)
while not os.path.exists(stop): time.sleep(0.1)
EOF

background b python3 "$TMP/server.py" "$TMP/server.json" "$TMP/stop"
wait_for 30 test -f "$TMP/server.json.listening" || fail "the server did not listen"
background a python3 "$TMP/client.py" "$TMP/client.json" "$TMP/stop"
wait_for 40 test -f "$TMP/client.json" || fail "the client did not finish its exchange"
wait_for 10 test -f "$TMP/server.json" || fail "the server did not finish its exchange"

"$STATUS" -H "$(home_of a)" --json sockets > "$TMP/a.json" || fail "ztstatus sockets failed on a"
"$STATUS" -H "$(home_of b)" --json sockets > "$TMP/b.json" || fail "ztstatus sockets failed on b"
"$STATUS" -H "$(home_of a)" sockets > "$TMP/a.txt"
"$STATUS" -H "$(home_of b)" sockets > "$TMP/b.txt"
say "a:"; cat "$TMP/a.txt"; say "b:"; cat "$TMP/b.txt"

# Each expected socket must be listed exactly once with these fields.
python3 - "$TMP" <<'EOF' || fail "the listings do not match what the programs hold"
import json, sys
tmp = sys.argv[1]
srv, cli = (json.load(open(f"{tmp}/{n}.json")) for n in ("server", "client"))
lists = {n: json.load(open(f"{tmp}/{n}.json"))["sockets"] for n in ("a", "b")}
want = {
  "a": [dict(proto="tcp", state="ESTABLISHED", pid=cli["pid"], fd=cli["conn"], local=cli["local"],
             remote="10.147.17.2:7000", bytesIn=3000, bytesOut=1000),
        dict(proto="udp", state="CONNECTED", pid=cli["pid"], fd=cli["udp"], local=cli["udp_local"],
             remote="10.147.17.2:7001", bytesIn=300, bytesOut=200)],
  "b": [dict(proto="tcp", state="LISTEN", pid=srv["pid"], fd=srv["listener"], local="10.147.17.2:7000",
             remote=None, bytesIn=0, bytesOut=0),
        dict(proto="tcp", state="ESTABLISHED", pid=srv["pid"], fd=srv["conn"], local="10.147.17.2:7000",
             remote=cli["local"], bytesIn=1000, bytesOut=3000),
        dict(proto="udp", state="UNCONNECTED", pid=srv["pid"], fd=srv["udp"], local="10.147.17.2:7001",
             remote=None, bytesIn=200, bytesOut=300)],
}
ok = True
for node, rows in want.items():
    got = lists[node]
    if len(got) != len(rows):
        print(f"{node}: {len(got)} sockets listed, want {len(rows)}: {got}"); ok = False
    for w in rows:
        hits = [g for g in got if all(g.get(k) == v for k, v in w.items())]
        if len(hits) != 1:
            print(f"{node}: want exactly one {w}, got {got}"); ok = False
sys.exit(0 if ok else 1)
EOF
say "ok: JSON: pid, fd, addresses, state and bytes of every socket on both nodes"

# The table shows the same: the server's accepted connection, with its fd and byte counts.
srv_pid=$(json_get 's["pid"]' < "$TMP/server.json"); srv_conn=$(json_get 's["conn"]' < "$TMP/server.json")
cli_local=$(json_get 's["local"]' < "$TMP/client.json")
head -n 1 "$TMP/b.txt" | grep -qE '^ *PID +FD +PROGRAM +PROTO +STATE +LOCAL +REMOTE +RECV +SENT$' \
  || fail "table header: $(head -n 1 "$TMP/b.txt")"
grep -qE "^ *$srv_pid +$srv_conn +python3 +tcp +ESTABLISHED +10\.147\.17\.2:7000 +$cli_local +1000 +3000$" "$TMP/b.txt" \
  || fail "the table lacks the accepted connection (pid $srv_pid fd $srv_conn from $cli_local)"
grep -qE "^ *$srv_pid +[0-9]+ +python3 +udp +UNCONNECTED +10\.147\.17\.2:7001 +\* +200 +300$" "$TMP/b.txt" \
  || fail "the table lacks the server's UDP socket"
say "ok: table"
touch "$TMP/stop"

# A connection to our own address: one row per end, addresses and byte counts mirrored.
cat > "$TMP/own.py" <<'EOF'
import json, os, socket, sys, time
out, stop = sys.argv[1], sys.argv[2]
lst = socket.socket(); lst.bind(("10.147.17.1", 7100)); lst.listen()
c = socket.create_connection(("10.147.17.1", 7100), timeout=20)
a, _ = lst.accept()
c.sendall(b"x" * 11); assert a.recv(11) == b"x" * 11
a.sendall(b"y" * 22)
got = b""
while len(got) < 22: got += c.recv(22)
json.dump({"pid": os.getpid(), "client": c.fileno(), "server": a.fileno(), "local": "%s:%d" % c.getsockname()},
          open(out + ".tmp", "w"))
os.rename(out + ".tmp", out)
while not os.path.exists(stop): time.sleep(0.1)
EOF
background a python3 "$TMP/own.py" "$TMP/own.json" "$TMP/stop-own"
wait_for 20 test -f "$TMP/own.json" || fail "the own-address program did not finish its exchange"
"$STATUS" -H "$(home_of a)" --json sockets > "$TMP/own-list.json" || fail "ztstatus sockets failed"
python3 - "$TMP" <<'EOF' || fail "the own-address connection is not listed as two mirrored ends"
import json, sys
tmp = sys.argv[1]
own = json.load(open(f"{tmp}/own.json"))
rows = json.load(open(f"{tmp}/own-list.json"))["sockets"]
want = [dict(proto="tcp", state="ESTABLISHED", pid=own["pid"], fd=own["client"], local=own["local"],
             remote="10.147.17.1:7100", bytesIn=22, bytesOut=11),
        dict(proto="tcp", state="ESTABLISHED", pid=own["pid"], fd=own["server"], local="10.147.17.1:7100",
             remote=own["local"], bytesIn=11, bytesOut=22)]
bad = [w for w in want if sum(all(r.get(k) == v for k, v in w.items()) for r in rows) != 1]
for w in bad: print("want exactly one", w, "in", rows)
sys.exit(1 if bad else 0)
EOF
touch "$TMP/stop-own"
say "ok: a connection to our own address: both ends, mirrored"

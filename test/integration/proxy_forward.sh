#!/usr/bin/env bash
# The ways in without the preload: node A serves a SOCKS5 proxy, an HTTP proxy, a forward and an
# expose (tools/ztnode/proxy/), started with no wrapped program at all. Unwrapped curl, nc and
# python reach a wrapped http.server on node B through them; a wrapped curl on B reaches an
# unwrapped kernel server on A's loopback through the expose. Checks contents (sha256), the
# refusals (outside targets, closed ports, bad SOCKS messages, missing credentials, oversized
# heads) with their SOCKS codes and HTTP statuses, and the listener counters in the status.
#
#   curl --socks5 / -x / forward --> [node A :PA] ==UDP== [node B :PB]--shim--[http.server :8080]
#   [kernel http.server 127.0.0.1:KP] <-- expose 10.147.17.1:2222 <-- [curl under B's shim]
source "$(dirname "$0")/lib.sh"

NWID=c41b8868ac000001
PA=$((20000 + RANDOM % 20000)); PB=$((PA + 1))
SP=$((PB + 1)); HP=$((PB + 2)); FP=$((PB + 3)); KP=$((PB + 4)); PC=$((PB + 5)); CSP=$((PB + 6)); CSP_HTTP=$((PB + 7))
UFP=$((PB + 8)); UKP=$((PB + 9))   # UDP: A's forward port, the kernel echo server A exposes
SSHP=$((PB + 10))                  # a kernel sshd on A's loopback, exposed as 10.147.17.1:22
FP2=$((PB + 11))                   # a forward to a closed virtual port
make_home a >/dev/null; make_home b >/dev/null; make_home c >/dev/null
configure a $PA $NWID 10.147.17.1/24 "$(public_of b)@127.0.0.1/$PB" "$(address_of c)@127.0.0.1/$PC"
configure b $PB $NWID 10.147.17.2/24 "$(address_of a)@127.0.0.1/$PA" "$(address_of c)@127.0.0.1/$PC"
# C: a SOCKS proxy without authentication, and a node that would linger only 1 s.
LINGER=1 configure c $PC $NWID 10.147.17.3/24 "$(public_of b)@127.0.0.1/$PB" "$(public_of a)@127.0.0.1/$PA"
# C also lets its proxies reach outside the networks (proxy_outside): through the kernel.
printf 'socks = %s\nhttp_proxy = %s\nproxy_outside = true\n' $CSP $CSP_HTTP >> "$(home_of c)/ztintercept.conf"
cat >> "$(home_of a)/ztintercept.conf" <<CONF
socks = 127.0.0.1:$SP
http_proxy = 127.0.0.1:$HP
proxy_auth = alice:s3cret
forward = tcp 127.0.0.1:$FP 10.147.17.2:8080
expose = tcp 10.147.17.1:2222 127.0.0.1:$KP
forward = udp 127.0.0.1:$UFP 10.147.17.2:7007
expose = udp 10.147.17.1:5353 127.0.0.1:$UKP
expose = tcp 10.147.17.1:22 127.0.0.1:$SSHP
forward = tcp 127.0.0.1:$FP2 10.147.17.2:1
CONF

www=$TMP/www; mkdir -p "$www"
head -c 3000000 /dev/urandom > "$www/file.bin"
want=$(sha256sum < "$www/file.bin" | cut -d' ' -f1)
kwww=$TMP/kwww; mkdir -p "$kwww"; echo "kernel side $RANDOM" > "$kwww/hello.txt"

(cd "$www" && exec env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" python3 -m http.server 8080 --bind 0.0.0.0) \
  >"$TMP/server.log" 2>&1 &
BG_PIDS+=($!)
(cd "$kwww" && exec python3 -m http.server $KP --bind 127.0.0.1) >"$TMP/kserver.log" 2>&1 &
BG_PIDS+=($!)
# UDP echo servers: wrapped on B (10.147.17.2:7007), and a kernel one on A's loopback.
cat > "$TMP/echo.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(b"echo:" + d, a)
PY
ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" python3 "$TMP/echo.py" 0.0.0.0 7007 >"$TMP/echo-b.log" 2>&1 &
BG_PIDS+=($!)
# A wrapped HTTP server on B that answers a POST with the sha256 of its body.
cat > "$TMP/post_sha.py" <<'PY'
import hashlib, http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        out = hashlib.sha256(body).hexdigest().encode()
        self.send_response(200); self.send_header("Content-Length", str(len(out))); self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a): pass
http.server.HTTPServer(("0.0.0.0", 8081), H).serve_forever()
PY
ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" python3 "$TMP/post_sha.py" >"$TMP/post-b.log" 2>&1 &
BG_PIDS+=($!)
python3 "$TMP/echo.py" 127.0.0.1 $UKP >"$TMP/echo-k.log" 2>&1 &
BG_PIDS+=($!)
ZT_HOME="$(home_of a)" "$NODE" --foreground >"$TMP/node-a.out" 2>&1 &
BG_PIDS+=($!)
ZT_HOME="$(home_of c)" "$NODE" --foreground >"$TMP/node-c.out" 2>&1 &
BG_PIDS+=($!)

wait_for 30 curl -sf -o /dev/null --max-time 2 --socks5 127.0.0.1:$SP --proxy-user alice:s3cret \
    http://10.147.17.2:8080/ || { cat "$TMP/node-a.out" "$TMP/server.log"; tail -20 "$(home_of a)/node.log"; fail "nothing through the SOCKS proxy"; }
say "ok: the SOCKS proxy answers"

sha() { sha256sum < "$1" | cut -d' ' -f1; }
check_file() {  # check_file WHAT curl-args...
  local what=$1; shift
  rm -f "$TMP/got.bin"
  curl -sS --max-time 60 -o "$TMP/got.bin" "$@" || fail "$what: curl failed"
  [ "$(sha "$TMP/got.bin")" = "$want" ] || fail "$what: sha256 mismatch"
  say "ok: $what: 3 MB, sha256 matches"
}
check_file "socks5, IPv4 target" --socks5 127.0.0.1:$SP --proxy-user alice:s3cret http://10.147.17.2:8080/file.bin
check_file "socks5h, the target as a name" --socks5-hostname 127.0.0.1:$SP --proxy-user alice:s3cret \
  http://10.147.17.2:8080/file.bin
check_file "http proxy, absolute form" -x http://alice:s3cret@127.0.0.1:$HP http://10.147.17.2:8080/file.bin
check_file "http proxy, CONNECT tunnel" -p -x http://alice:s3cret@127.0.0.1:$HP http://10.147.17.2:8080/file.bin
check_file "forward 127.0.0.1:$FP" http://127.0.0.1:$FP/file.bin
# A body sent right behind the head: the proxy passes the rewritten head and what already
# arrived of the body (over 64 KiB together) ahead of the rest.
head -c 300000 /dev/urandom > "$TMP/post.bin"
got=$(curl -sS --max-time 30 -H "Expect:" -x http://alice:s3cret@127.0.0.1:$HP --data-binary @"$TMP/post.bin" \
      http://10.147.17.2:8081/) || fail "POST through the HTTP proxy"
[ "$got" = "$(sha "$TMP/post.bin")" ] || fail "POST through the HTTP proxy: the server got a different body"
say "ok: a 300 KB POST through the HTTP proxy (absolute form): the server's sha256 matches"

# nc as an ssh ProxyCommand uses it (ProxyCommand nc -X 5 -x proxy %h %p), here carrying an HTTP
# request. OpenBSD nc speaks SOCKS5 without authentication only: node C's proxy.
got=""
for _ in $(seq 30); do  # C finds B on its own first
  got=$(printf 'GET /file.bin HTTP/1.0\r\n\r\n' | timeout 10 nc -X 5 -x 127.0.0.1:$CSP 10.147.17.2 8080 \
        | head -c 12) || true
  [ "$got" = "HTTP/1.0 200" ] && break
  sleep 1
done
[ "$got" = "HTTP/1.0 200" ] || fail "nc -X 5 through C's proxy: got '$got'"
say "ok: nc -X 5 -x 127.0.0.1:$CSP 10.147.17.2 8080: $got"

# ssh through the SOCKS proxy, as users configure it (ProxyCommand nc -X 5), to an unwrapped
# sshd that node A exposes on the network: ssh -> nc -> C's proxy -> network -> A -> sshd.
if [ "$(id -u)" = 0 ] && [ -x /usr/sbin/sshd ]; then
  mkdir -p "$TMP/ssh" /run/sshd; chmod 700 "$TMP/ssh"
  ssh-keygen -q -t ed25519 -N '' -f "$TMP/ssh/host" && ssh-keygen -q -t ed25519 -N '' -f "$TMP/ssh/client"
  cp "$TMP/ssh/client.pub" "$TMP/ssh/authorized_keys"
  cat > "$TMP/ssh/sshd_config" <<SSHD
Port $SSHP
ListenAddress 127.0.0.1
HostKey $TMP/ssh/host
AuthorizedKeysFile $TMP/ssh/authorized_keys
PidFile $TMP/ssh/sshd.pid
UsePAM no
StrictModes no
PasswordAuthentication no
SSHD
  /usr/sbin/sshd -D -e -f "$TMP/ssh/sshd_config" 2>"$TMP/ssh/sshd.log" &
  BG_PIDS+=($!)
  ssh_over_socks() {
    ssh -i "$TMP/ssh/client" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
      -o ConnectTimeout=10 -o LogLevel=ERROR -o ProxyCommand="nc -X 5 -x 127.0.0.1:$CSP %h %p" \
      "$(id -un)@10.147.17.1" echo "over ssh: \$(hostname)"
  }
  wait_for 20 ssh_over_socks || fail "ssh through the SOCKS proxy: $(ssh_over_socks 2>&1; tail -5 "$TMP/ssh/sshd.log")"
  say "ok: ssh -o ProxyCommand='nc -X 5 -x 127.0.0.1:$CSP %h %p' 10.147.17.1 (sshd exposed by A): $(ssh_over_socks)"
else
  say "SKIPPED (loudly): ssh through the SOCKS proxy needs root and /usr/sbin/sshd (openssh-server)"
fi

# A statically linked client (what the preload cannot reach), through the HTTP proxy.
gcc -static -O1 -o "$TMP/static_http_get" "$(dirname "$0")/static_http_get.c" 2>"$TMP/gcc.log" \
  || fail "cannot build the static client: $(cat "$TMP/gcc.log")"
file "$TMP/static_http_get" | grep -q "statically linked" || fail "not static: $(file "$TMP/static_http_get")"
HTTP_PROXY=http://127.0.0.1:$HP LD_PRELOAD=$LIB "$TMP/static_http_get" http://10.147.17.2:8080/file.bin \
  > "$TMP/static.bin" 2>"$TMP/static.err" && fail "the client sent no credentials and still got through"
grep -q "407" "$TMP/static.err" || fail "static client without credentials: $(cat "$TMP/static.err")"
# (the client sends no Proxy-Authorization: node C's proxy needs none, and C reaches B too)
HTTP_PROXY=http://127.0.0.1:$CSP_HTTP LD_PRELOAD=$LIB "$TMP/static_http_get" http://10.147.17.2:8080/file.bin \
  > "$TMP/static.bin" || fail "static client through C's HTTP proxy: $(cat "$TMP/static.err")"
[ "$(sha "$TMP/static.bin")" = "$want" ] || fail "static client: sha256 mismatch"
say "ok: a statically linked client (file: statically linked) fetched 3 MB through the HTTP proxy"
# ztrun gives a static program the proxy variables itself, and says so.
"$BUILD/tools/ztrun/ztrun" -H "$(home_of c)" --http-proxy $CSP_HTTP -- "$TMP/static_http_get" \
  http://10.147.17.2:8080/file.bin > "$TMP/static2.bin" 2>"$TMP/ztrun.err" || fail "ztrun static: $(cat "$TMP/ztrun.err")"
[ "$(sha "$TMP/static2.bin")" = "$want" ] || fail "ztrun static: sha256 mismatch"
grep -q "statically linked.*given the node's proxy" "$TMP/ztrun.err" || fail "ztrun did not say: $(cat "$TMP/ztrun.err")"
say "ok: ztrun --http-proxy ... -- <static program>: $(cat "$TMP/ztrun.err")"


# The expose: a wrapped curl on B reaches the kernel server on A's loopback.
got=$(in_home b curl -sS --max-time 20 http://10.147.17.1:2222/hello.txt) || fail "expose: curl failed"
[ "$got" = "$(cat "$kwww/hello.txt")" ] || fail "expose: got '$got'"
say "ok: expose 10.147.17.1:2222 -> 127.0.0.1:$KP: '$got'"

# UDP both ways: an unwrapped client through A's UDP forward to B's wrapped echo server, and a
# wrapped client on B through A's UDP expose to the kernel echo server; two clients each keep
# their own mapping.
cat > "$TMP/udp_client.py" <<'PY'
import socket, sys
host, port, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
for s in socks:
    s.settimeout(2)
for attempt in range(10):
    try:
        for i, s in enumerate(socks):
            msg = ("%s-%d-%d" % (tag, i, attempt)).encode()
            s.sendto(msg, (host, port))
            d, _ = s.recvfrom(65535)
            assert d == b"echo:" + msg, d
        big = b"x" * 8000
        socks[0].sendto(big, (host, port))
        d, _ = socks[0].recvfrom(65535)
        assert d == b"echo:" + big, len(d)
        print("ok")
        sys.exit(0)
    except socket.timeout:
        continue
sys.exit(1)
PY
python3 "$TMP/udp_client.py" 127.0.0.1 $UFP fwd | grep -qx ok || fail "UDP through the forward"
say "ok: udp forward 127.0.0.1:$UFP -> 10.147.17.2:7007: two clients and an 8000-byte datagram echoed"
in_home b python3 "$TMP/udp_client.py" 10.147.17.1 5353 exp | grep -qx ok || fail "UDP through the expose"
say "ok: udp expose 10.147.17.1:5353 -> 127.0.0.1:$UKP: a wrapped client on B echoed by a kernel server"

# proxy_outside on C: a target outside the networks (A's loopback kernel server) is reached
# through the kernel, by SOCKS and by the HTTP proxy.
got=$(curl -sS --max-time 10 --socks5 127.0.0.1:$CSP http://127.0.0.1:$KP/hello.txt) || fail "socks5 outside with proxy_outside"
[ "$got" = "$(cat "$kwww/hello.txt")" ] || fail "proxy_outside socks: got '$got'"
got=$(curl -sS --max-time 10 -x http://127.0.0.1:$CSP_HTTP http://127.0.0.1:$KP/hello.txt) || fail "http proxy outside"
[ "$got" = "$(cat "$kwww/hello.txt")" ] || fail "proxy_outside http: got '$got'"
got=$(curl -sS --max-time 10 -p -x http://127.0.0.1:$CSP_HTTP http://127.0.0.1:$KP/hello.txt) || fail "CONNECT outside"
[ "$got" = "$(cat "$kwww/hello.txt")" ] || fail "proxy_outside CONNECT: got '$got'"
got=$(curl -sS --max-time 10 --socks5-hostname 127.0.0.1:$CSP http://localhost:$KP/hello.txt) \
  || fail "socks5h to a name outside the networks with proxy_outside"
[ "$got" = "$(cat "$kwww/hello.txt")" ] || fail "proxy_outside socks5h localhost: got '$got'"
got=$(curl -sS --max-time 10 -x http://127.0.0.1:$CSP_HTTP http://localhost:$KP/hello.txt) || fail "http proxy, outside name"
[ "$got" = "$(cat "$kwww/hello.txt")" ] || fail "proxy_outside http localhost: got '$got'"
expect_curl_c() { curl -sS --max-time 10 -o /dev/null --socks5 127.0.0.1:$CSP "$@" 2>&1 || true; }
out=$(expect_curl_c http://127.0.0.1:1/)
grep -q "(5)" <<<"$out" || fail "proxy_outside to a closed kernel port: $out"
say "ok: proxy_outside: socks5, http and CONNECT reach 127.0.0.1:$KP through the kernel, names (localhost) through the system's resolver; a closed port is reply 5"

# A forward whose virtual target refuses: the local client gets a reset, as from a closed port.
python3 - "$FP2" <<'PY' || fail "forward to a closed virtual port"
import socket, sys
try:
    # Under load the reset can come before create_connection has looked at SO_ERROR.
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    d = s.recv(100)
    raise SystemExit("read %r instead of a reset" % d)
except ConnectionResetError:
    print("reset")
PY
say "ok: forward to 10.147.17.2:1 (closed): the local client gets ECONNRESET"

# ---- refusals, each with its code ----
expect_curl() {  # expect_curl EXIT PATTERN WHAT curl-args...
  local want_rc=$1 pattern=$2 what=$3; shift 3
  local out rc=0
  out=$(curl -sS --max-time 20 -o /dev/null "$@" 2>&1) || rc=$?
  [ "$rc" = "$want_rc" ] || fail "$what: curl exit $rc (want $want_rc): $out"
  echo "$out" | grep -qiE "$pattern" || fail "$what: '$out' lacks '$pattern'"
  say "ok: $what: $out"
}
S=(--socks5 127.0.0.1:$SP --proxy-user alice:s3cret)
X=(-x http://alice:s3cret@127.0.0.1:$HP)
expect_curl 97 "not allowed|\\(2\\)" "socks5 outside the networks (reply 2)" "${S[@]}" http://192.0.2.1/
expect_curl 22 "403" "http proxy outside the networks (403)" -f "${X[@]}" http://192.0.2.1/
expect_curl 97 "refused|\\(5\\)" "socks5 to a closed virtual port (reply 5)" "${S[@]}" http://10.147.17.2:1/
expect_curl 22 "502" "http proxy to a closed virtual port (502)" -f "${X[@]}" http://10.147.17.2:1/
expect_curl 97 "unreachable|\\(4\\)" "socks5h with an unknown name (reply 4)" \
  --socks5-hostname 127.0.0.1:$SP --proxy-user alice:s3cret http://nosuchhost.invalid/
expect_curl 97 "rejected|auth" "socks5 with a wrong password" --socks5 127.0.0.1:$SP --proxy-user alice:wrong \
  http://10.147.17.2:8080/
expect_curl 97 "method|rejected|auth" "socks5 without credentials" --socks5 127.0.0.1:$SP http://10.147.17.2:8080/
expect_curl 22 "407" "http proxy without credentials (407)" -f -x http://127.0.0.1:$HP http://10.147.17.2:8080/

# Raw protocol errors: wrong versions, unknown commands and address types, truncated and
# oversized requests. Each gets its reply (or a close), and the node keeps serving.
python3 - "$SP" "$HP" "$FP" <<'PY' || fail "raw proxy checks"
import socket, struct, sys, time
sp, hp, fp = (int(x) for x in sys.argv[1:4])

def conn(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s

def recv_all(s, n=4096):
    out = b""
    try:
        while True:
            d = s.recv(n)
            if not d:
                break
            out += d
    except (ConnectionResetError, socket.timeout):
        pass
    return out

def socks_session(request):
    s = conn(sp)
    s.sendall(b"\x05\x01\x02")
    assert s.recv(2) == b"\x05\x02"
    s.sendall(b"\x01\x05alice\x06s3cret")
    assert s.recv(2) == b"\x01\x00"
    s.sendall(request)
    return s

# SOCKS4 greeting: closed without a reply.
s = conn(sp); s.sendall(b"\x04\x01\x00\x50\x0a\x93\x11\x02\x00"); r = recv_all(s)
assert r == b"", r
# Only "no authentication" offered while the proxy wants a password: 05 FF.
s = conn(sp); s.sendall(b"\x05\x01\x00"); r = recv_all(s)
assert r == b"\x05\xff", r
# BIND: command not supported (7).
s = socks_session(b"\x05\x02\x00\x01\x0a\x93\x11\x02\x00\x50"); r = recv_all(s)
assert r[:2] == b"\x05\x07", r
# Address type 9: not supported (8).
s = socks_session(b"\x05\x01\x00\x09\x0a\x93\x11\x02\x00\x50"); r = recv_all(s)
assert r[:2] == b"\x05\x08", r
# A truncated request, then the client leaves: nothing is sent, nothing breaks.
s = socks_session(b"\x05\x01\x00\x03\x20abc"); s.close()
# Bytes sent right behind the request (no wait for the reply) reach the server first.
s = socks_session(b"\x05\x01\x00\x01\x0a\x93\x11\x02\x1f\x90" + b"GET /file.bin HTTP/1.0\r\n\r\n")
r = recv_all(s, 65536)
assert r[:2] == b"\x05\x00", r[:10]
assert b" 200 " in r[:200], r[:200]
# A request head and 100 KB of body in one send: the proxy reads up to 64 KiB before it parses,
# so what goes ahead of the rest (the rewritten head and that much body) exceeds 65,535 bytes.
import hashlib
body = bytes(range(256)) * 400
for _ in range(3):
    s = conn(hp)
    s.sendall(b"POST http://10.147.17.2:8081/ HTTP/1.1\r\nProxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body)
    r = recv_all(s, 65536)
    assert r.startswith(b"HTTP/1.0 200") and r.endswith(hashlib.sha256(body).hexdigest().encode()), r[-100:]
# HTTP: a head larger than 16 KiB gets 431, a request in origin form 405.
s = conn(hp); s.sendall(b"GET http://10.147.17.2:8080/ HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n")
r = recv_all(s); assert r.startswith(b"HTTP/1.1 431 "), r[:40]
s = conn(hp); s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"); r = recv_all(s)
assert r.startswith(b"HTTP/1.1 405 "), r[:40]
# HTTP/2 preface: 505 or 400, never a hang.
s = conn(hp); s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"); r = recv_all(s)
assert r.startswith(b"HTTP/1.1 505 ") or r.startswith(b"HTTP/1.1 400 "), r[:40]
# Half-close through the forward: the client shuts its side after the request, the reply still
# arrives whole.
s = conn(fp); s.sendall(b"GET /file.bin HTTP/1.0\r\n\r\n"); s.shutdown(socket.SHUT_WR)
r = recv_all(s, 65536); assert b" 200 " in r[:100] and len(r) > 3000000, len(r)
# UDP ASSOCIATE: datagrams through the relay port to B's wrapped echo server, answers with
# the SOCKS header naming the source; a datagram for outside the networks goes nowhere; the
# association ends with its TCP connection.
ctl = socks_session(b"\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00")
r = ctl.recv(10)
assert r[:2] == b"\x05\x00" and r[3] == 1, r
relay = (socket.inet_ntoa(r[4:8]), struct.unpack(">H", r[8:10])[0])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
hdr = b"\x00\x00\x00\x01" + socket.inet_aton("10.147.17.2") + struct.pack(">H", 7007)
for attempt in range(10):
    u.sendto(hdr + b"via-socks-%d" % attempt, relay)
    try:
        d, _ = u.recvfrom(65535)
        break
    except socket.timeout:
        continue
else:
    raise SystemExit("no answer through UDP ASSOCIATE")
assert d.startswith(hdr) and d[len(hdr):].startswith(b"echo:via-socks-"), d
u.sendto(b"\x00\x00\x00\x01" + socket.inet_aton("192.0.2.1") + struct.pack(">H", 7) + b"out", relay)
u.sendto(b"\x00\x00\x01\x01" + socket.inet_aton("10.147.17.2") + struct.pack(">H", 7007) + b"frag", relay)
try:
    d, _ = u.recvfrom(65535)
    raise SystemExit("an answer to a dropped datagram: %r" % d)
except socket.timeout:
    pass
ctl.close(); time.sleep(0.5)
u.sendto(hdr + b"after-close", relay)
try:
    d, _ = u.recvfrom(65535)
    raise SystemExit("the association outlived its TCP connection")
except (socket.timeout, ConnectionRefusedError):
    pass
print("raw checks passed")
PY
say "ok: raw SOCKS and HTTP-proxy protocol errors answered as they should be"

# The status lists the listeners with their counters.
st=$(status_json a)
echo "$st" | json_get '"\n".join("%s %s %s %s %d %d %d %d" % (l["kind"], l["proto"], l["listen"], l["target"], l["accepted"], l["connected"], l["failed"], l["refused"]) for l in s["listeners"])' \
  > "$TMP/listeners.txt"
cat "$TMP/listeners.txt"
grep -q "^socks tcp 127.0.0.1:$SP " "$TMP/listeners.txt" || fail "status: no socks listener"
grep -q "^expose tcp 10.147.17.1:2222 127.0.0.1:$KP" "$TMP/listeners.txt" || fail "status: no expose"
grep -q "^forward udp 127.0.0.1:$UFP 10.147.17.2:7007 2 " "$TMP/listeners.txt" || fail "status: UDP forward flows"
echo "$st" | json_get 'all(l["accepted"] >= 1 for l in s["listeners"] if l["kind"] != "expose" or l["proto"] == "udp")' | grep -qx True \
  || fail "status: a listener counted nothing"
echo "$st" | json_get '[l for l in s["listeners"] if l["kind"] == "socks"][0]["refused"] >= 5' | grep -qx True \
  || fail "status: socks refusals not counted"
echo "$st" | json_get '[l for l in s["listeners"] if l["kind"] == "http_proxy"][0]["connected"] >= 2' | grep -qx True \
  || fail "status: http proxy connections not counted"
say "ok: status shows the listeners and their counters"

# A node that serves a proxy stays up with no program (C lingers 1 s otherwise).
sleep 2.5
[ -n "$(node_pids "$(home_of c)")" ] || fail "node C exited although it serves a SOCKS proxy"
say "ok: node C still up, serving its proxy, with linger = 1"

#!/usr/bin/env bash
# UDP that goes through libc's syscall() (libuv 1.44's sendmmsg/recvmmsg), each end wrapped:
# a libuv UDP echo (uv_udp_echo.cpp: unconnected and connected client handles), then dig (BIND
# 9.18, built on libuv) against dnsmasq over UDP and over TCP (+tcp).
#   home a (10.147.17.1): uv_udp_echo client, dig
#   home b (10.147.17.2): uv_udp_echo server, dnsmasq --listen-address=10.147.17.2
#   libuv_dig.sh UV_UDP_ECHO_BINARY
source "$(dirname "$0")/lib.sh"
uvecho=${1:-}
[ -n "$uvecho" ] || { say "SKIP: built without libuv (libuv1-dev, scripts/install-deps.sh)"; exit 77; }
need dig dnsmasq
two_nodes
PORT=$((8000 + RANDOM % 1000))
DNS_PORT=$((PORT + 1000))

background b "$uvecho" server 0.0.0.0 $PORT > "$TMP/uv-server.log" 2>&1
wait_for 30 grep -q listening "$TMP/uv-server.log" || { cat "$TMP/uv-server.log"; fail "libuv echo server did not start"; }
if ! in_home a timeout 60 "$uvecho" client $B_IP $PORT 20 > "$TMP/uv-client.log" 2>&1; then
  cat "$TMP/uv-client.log"; tail -n 20 "$TMP/uv-server.log"; dump_logs; fail "libuv UDP echo"
fi
cat "$TMP/uv-client.log"
grep -q "^from $A_IP:" "$TMP/uv-server.log" || fail "the libuv server saw no datagram from $A_IP"
say "ok: libuv UDP echo through sendmmsg/recvmmsg, 2 x 20 datagrams, the server saw $A_IP"

# dnsmasq answers example.zt itself (no upstream, no hosts file); it runs as the current user,
# in the foreground, with its pid file and log in $TMP.
background b dnsmasq --no-daemon --conf-file=/dev/null --user="$(id -un)" --group="$(id -gn)" \
  --pid-file="$TMP/dnsmasq.pid" --log-facility="$TMP/dnsmasq.log" --log-queries \
  --port=$DNS_PORT --listen-address=$B_IP --bind-interfaces --no-resolv --no-hosts \
  --address=/example.zt/10.1.2.3 2> "$TMP/dnsmasq.err"
wait_for 30 grep -q "started" "$TMP/dnsmasq.log" || { cat "$TMP/dnsmasq.log"; fail "dnsmasq did not start"; }

# dig_a PROTO [dig options...]: one lookup of example.zt over PROTO (UDP or TCP); the answer
# section must hold exactly the A record, from the server over that protocol.
dig_a() {
  local proto=$1 out=$TMP/dig-$1.out; shift
  if ! in_home a timeout 30 dig -4 @$B_IP -p $DNS_PORT example.zt A +time=2 +tries=3 "$@" > "$out" 2>&1; then
    cat "$out"; cat "$TMP/dnsmasq.log"; dump_logs; fail "dig over $proto failed"
  fi
  grep -qE "^example\.zt\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+10\.1\.2\.3$" "$out" \
    || { cat "$out"; fail "dig over $proto: no A record 10.1.2.3 in the answer"; }
  grep -q "status: NOERROR" "$out" && grep -q "ANSWER: 1," "$out" || { cat "$out"; fail "dig over $proto: bad header"; }
  grep -qF "SERVER: $B_IP#$DNS_PORT($B_IP) ($proto)" "$out" || { cat "$out"; fail "dig over $proto: not answered by $B_IP over $proto"; }
  say "ok: dig over $proto: $(grep -E '^example\.zt\.' "$out" | awk '{$1 = $1} 1')"
}
dig_a UDP
dig_a TCP +tcp
[ "$(grep -c "query\[A\] example.zt from $A_IP" "$TMP/dnsmasq.log")" -ge 2 ] \
  || { cat "$TMP/dnsmasq.log"; fail "dnsmasq did not log both queries from $A_IP"; }
say "ok: dnsmasq answered both queries from $A_IP"

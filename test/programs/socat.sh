#!/usr/bin/env bash
# socat `TCP-LISTEN:P,fork EXEC:cat`: one forked child per connection, and each child forks and
# execs cat with the accepted virtual socket on its stdin/stdout. Clients: socat and nc send
# 10 MB (3 at once for socat) and compare the echo (sha256); socat's UDP too.
source "$(dirname "$0")/lib.sh"
need socat nc
two_nodes
PORT=$((7000 + RANDOM % 1000))

head -c 10000000 /dev/urandom > "$TMP/in.bin"
want=$(sha "$TMP/in.bin")

background b socat TCP-LISTEN:$PORT,reuseaddr,fork EXEC:cat
server=${BG_PIDS[-1]}
wait_for 30 bash -c "echo hi | ZT_HOME=$(home_of a) LD_PRELOAD=$LIB socat -T 2 - TCP:$B_IP:$PORT | grep -q hi" \
  || { dump_logs; fail "socat echo server not reachable"; }

pids=()
for i in 1 2 3; do
  ( in_home a socat -t 30 -T 60 - TCP:$B_IP:$PORT < "$TMP/in.bin" > "$TMP/socat.$i" ) & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a socat client failed"; done
for i in 1 2 3; do
  [ "$(sha "$TMP/socat.$i")" = "$want" ] || fail "socat client $i: echo differs ($(stat -c %s "$TMP/socat.$i") bytes)"
done
say "ok: 3 socat clients at once, 10 MB each echoed by fork+exec'd cat, sha256 match"

in_home a nc -N $B_IP $PORT < "$TMP/in.bin" > "$TMP/nc.out" || fail "nc client failed"
[ "$(sha "$TMP/nc.out")" = "$want" ] || fail "nc client: echo differs ($(stat -c %s "$TMP/nc.out") bytes)"
say "ok: nc -N client, 10 MB echoed, sha256 matches"

# The per-connection children are gone once their clients are: only the listener is left.
wait_for 10 bash -c "[ -z \"\$(pgrep -P $server)\" ]" || fail "socat children left: $(pgrep -P $server | tr '\n' ' ')"
kill $server; gone 5 $server || fail "socat listener did not stop"
say "ok: no socat child left behind"

# UDP: socat UDP-RECVFROM,fork echoes each datagram back to its source through a forked child.
background b socat UDP4-RECVFROM:$PORT,fork EXEC:cat
userver=${BG_PIDS[-1]}
got=""
for i in $(seq 20); do
  got=$(echo "datagram $i" | in_home a socat -T 1 - UDP4-SENDTO:$B_IP:$PORT 2>/dev/null || true)
  [ -n "$got" ] && break
done
[ "$got" = "datagram $i" ] || fail "UDP echo: got '$got'"
say "ok: socat UDP-RECVFROM,fork echo: '$got'"
kill $userver 2>/dev/null || true

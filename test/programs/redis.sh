#!/usr/bin/env bash
# redis-server under the shim: its default listeners (`*` and `::`, one socket each, the IPv6
# one v6-only), then `--bind 0.0.0.0` and `--bind <virtual address>`. redis-cli SET/GET of a
# 1 MB value (sha256), and redis-benchmark (numbers printed, not asserted).
source "$(dirname "$0")/lib.sh"
need redis-server redis-cli redis-benchmark
two_nodes
PORT=$((6000 + RANDOM % 1000))

val=$TMP/value
head -c 786432 /dev/urandom | base64 -w0 > "$val"   # 1 MiB of text, no newline
want=$( { cat "$val"; echo; } | sha256sum | cut -d' ' -f1)

cli() { in_home a redis-cli -h $B_IP -p $PORT "$@"; }

run_variant() {
  local name=$1; shift
  local log=$TMP/redis-$name.log
  ZT_HOME=$(home_of b) LD_PRELOAD=$LIB redis-server --port $PORT --save "" --appendonly no \
    --daemonize no --dir "$TMP" --logfile "$log" --protected-mode no "$@" &
  local pid=$!
  BG_PIDS+=($pid)
  wait_for 30 cli ping || { tail "$log"; dump_logs; fail "$name: redis not reachable over the virtual network"; }
  r=$(cli -x set big < "$val" 2>&1) || true; [ "$r" = OK ] || { tail "$log"; dump_logs; fail "$name: SET: $r"; }
  local got; got=$(cli --raw get big | sha256sum | cut -d' ' -f1)
  [ "$got" = "$want" ] || fail "$name: GET returned other bytes"
  [ "$(cli strlen big)" = 1048576 ] || fail "$name: STRLEN"
  say "ok: $name: SET/GET of 1 MB, sha256 matches"
  # The client's address as redis sees it is the client node's virtual address.
  cli client list | grep -q "addr=$A_IP:" || fail "$name: CLIENT LIST does not show $A_IP"
  kill $pid; gone 10 $pid || fail "$name: redis did not stop"
}

# Protected mode (no password, default bind): redis must see the client as remote, as it would
# over a real network, and refuse it.
ZT_HOME=$(home_of b) LD_PRELOAD=$LIB redis-server --port $PORT --save "" --appendonly no \
  --daemonize no --dir "$TMP" --logfile "$TMP/redis-protected.log" &
pid=$!; BG_PIDS+=($pid)
wait_for 30 cli ping || fail "protected: redis not reachable over the virtual network"
cli set k v | grep -q '^DENIED Redis is running in protected mode' || fail "protected mode did not refuse a remote client"
say "ok: protected mode refuses the virtual (non-loopback) client"
kill $pid; gone 10 $pid || fail "redis did not stop"

run_variant default
run_variant bind-any --bind 0.0.0.0
run_variant bind-virtual --bind $B_IP

# redis-benchmark against the default (dual-stack) listeners.
ZT_HOME=$(home_of b) LD_PRELOAD=$LIB redis-server --port $PORT --save "" --appendonly no \
  --daemonize no --dir "$TMP" --logfile "$TMP/redis-bench.log" --protected-mode no &
pid=$!; BG_PIDS+=($pid)
wait_for 30 cli ping || fail "bench: redis not reachable"
out=$(in_home a redis-benchmark -h $B_IP -p $PORT -q -n 20000 -c 20 -t set,get,incr,lpush,lpop 2>&1 | tr '\r' '\n' | grep 'requests per second')
echo "$out" | sed 's/^/  /'
[ "$(echo "$out" | wc -l)" = 5 ] || fail "redis-benchmark did not finish every test"
say "ok: redis-benchmark -n 20000 -c 20"
kill $pid; gone 10 $pid || fail "redis did not stop"

#!/usr/bin/env bash
# The node of a server's home dies (SIGKILL: a crash) while unmodified servers listen on the
# virtual network, and a new node starts for the home: it takes their listeners over (it
# finds the apps' 'L' sockets through sock_diag), so peers reach the same servers again
# without restarting them. One server listens on the wildcard, one on the node's address.
source "$(dirname "$0")/lib.sh"
need python3 curl
two_nodes
P1=$((PBASE + 100)); P2=$((PBASE + 101))
www=$TMP/www; mkdir -p "$www"; echo "same server" > "$www/index.txt"
(cd "$www" && exec env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" python3 -m http.server $P1 --bind 0.0.0.0) \
  >"$TMP/s1.log" 2>&1 &
S1=$!; BG_PIDS+=($S1)
(cd "$www" && exec env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" python3 -m http.server $P2 --bind $B_IP) \
  >"$TMP/s2.log" 2>&1 &
S2=$!; BG_PIDS+=($S2)
fetch() { in_home a curl -sf --max-time "${2:-5}" "http://$B_IP:$1/index.txt" | grep -qx "same server"; }
wait_for 30 fetch $P1 || fail "server 1 not reachable"
wait_for 10 fetch $P2 || fail "server 2 not reachable"
say "ok: both servers answer"

old=$(node_pids "$(home_of b)")
[ -n "$old" ] || fail "no node for home b"
kill -KILL $old
gone 10 $old || fail "the node did not die"
fetch $P1 2 && fail "server 1 answered with its node dead"
say "ok: node $old killed; the servers are unreachable ($SECONDS s)"

ZT_HOME=$(home_of b) "$NODE" --foreground >"$TMP/node-b2.log" 2>&1 &
BG_PIDS+=($!)
wait_for 30 fetch $P1 || { cat "$(home_of b)/ztnode.log" | tail -20; fail "server 1 not reachable through the new node"; }
wait_for 10 fetch $P2 || fail "server 2 not reachable through the new node"
alive $S1 && alive $S2 || fail "a server died"
grep -q "took over 2 listener" "$(home_of b)/ztnode.log" || fail "the new node did not report taking over 2 listeners"
say "ok: a new node took both listeners over; the same server processes answer again ($SECONDS s)"

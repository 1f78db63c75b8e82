#!/usr/bin/env bash
# Issue: peer layer (b), (c), (d) with real NATs, in network namespaces.
#
#   host A: curl + node A, host B: http.server + node B, server: ztroot (nat_lib.sh draws it).
#
# (b) traffic starts through the root and moves to a direct path through both NATs,
#     checked in A's path table and in the root's relay counter;
# (d) B's node restarts with the same identity and A reaches it again within seconds;
# (c) the root is stopped and the direct path carries on.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/nat_lib.sh"

NWID=c41b8868ac000001
planet_and_leaves nat $NWID 203.0.113.1/9993 9993 ip netns exec $NS_R

www=$TMP/www; mkdir -p "$www"; head -c 4000000 /dev/urandom > "$www/f.bin"
want=$(sha256sum < "$www/f.bin" | cut -d' ' -f1)
start_server() {
  (cd "$www" && exec ip netns exec $NS_B env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" \
     python3 -m http.server 8080 --bind 0.0.0.0) >>"$TMP/server.log" 2>&1 &
  SERVER=$!
  BG_PIDS+=($SERVER)
}
fetch() {  # fetch OUT: A fetches the file; true if it arrived intact
  ip netns exec $NS_A env ZT_HOME="$(home_of a)" LD_PRELOAD="$LIB" \
    curl -sf --max-time 20 -o "$1" http://10.147.17.2:8080/f.bin &&
    [ "$(sha256sum < "$1" | cut -d' ' -f1)" = "$want" ]
}
a_path_to_b() { path_of $NS_A a b; }  # the confirmed path A uses to reach B, if any
b_path_to_a() { path_of $NS_B b a; }  # and the one B uses to reach A (the file flows from B to A)

start_server
wait_for 40 ip netns exec $NS_A env ZT_HOME="$(home_of a)" LD_PRELOAD="$LIB" \
  curl -sf -o /dev/null --max-time 3 http://10.147.17.2:8080/ || { cat "$TMP/server.log"; fail "B not reachable"; }
r0=$(root_relayed)
[ "$r0" -gt 0 ] || fail "the first packets did not go through the root"
say "ok (b): first contact through the root ($r0 datagrams relayed)"

wait_for 30 direct_to $NS_A a b 203.0.113.12 || true
path=$(a_path_to_b)
case "$path" in
  203.0.113.12/*) say "ok (b): A's direct path to B goes through NAT2's public address: $path" ;;
  *) st $NS_A "$(home_of a)"; fail "no direct path from A to B through the NATs (path: '$path')" ;;
esac
# The file flows from B to A: B must have confirmed its own direct path to A (through NAT1)
# too, or B's side still goes through the root however settled A's side is.
wait_for 30 direct_to $NS_B b a 203.0.113.11 || { st $NS_B "$(home_of b)"; fail "no direct path from B to A through the NATs (path: '$(b_path_to_a)')"; }
n=$(relayed_during fetch "$TMP/got1") || fail "transfer over the direct path failed"
[ "$n" -lt 20 ] || fail "4 MB went through the root ($n datagrams relayed)"
say "ok (b): 4 MB direct through both NATs; the root relayed $n datagrams meanwhile"

# (d) B's node restarts with the same identity.
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
stop_nodes "$(home_of b)"
wait_for 10 ns_empty $NS_B || fail "B's node did not stop"
t0=$SECONDS
start_server
wait_for 30 fetch "$TMP/got2" || fail "A could not reach B after B restarted"
say "ok (d): B restarted with the same identity; A reached it again after $((SECONDS - t0)) s"

# (c) the root goes away; the direct path carries on.
ip netns pids $NS_R | xargs -r kill
wait_for 10 ns_empty $NS_R || fail "the root did not stop"
fetch "$TMP/got3" || fail "transfer failed after the root stopped"
say "ok (c): 4 MB after the root stopped"

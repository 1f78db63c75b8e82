#!/usr/bin/env bash
# Issue: peer layer, world files. A private root serves revision 2 of its planet; a leaf
# started with revision 1 gets revision 2 in the root's OK(HELLO), checks that revision 1's
# update key signed it, keeps it in <home>/planet (byte for byte what mkworld wrote) and uses
# it after a restart. A revision signed with another key is refused and counted.
source "$(dirname "$0")/lib.sh"

PR=$((20000 + RANDOM % 20000)); PA=$((PR + 1))
ROOT=$TMP/root; mkdir -p "$ROOT"; chmod 700 "$ROOT"
"$IDTOOL" generate "$ROOT/identity.secret" "$ROOT/identity.public" >/dev/null
for k in key1 key2 stranger; do "$IDTOOL" genkeypair "$TMP/$k.c25519" >/dev/null; done
ID=$((0x7a740000 + RANDOM))
mkworld() {  # mkworld OUT TIMESTAMP SIGNING_KEY NEXT_KEY ENDPOINTS
  "$IDTOOL" mkworld --type planet --id $ID --timestamp "$2" --key "$TMP/$3.c25519" --next-key "$TMP/$4.c25519" \
    --root "$ROOT/identity.public=$5" --out "$1" >/dev/null
}
mkworld "$TMP/v1.planet" 1700000000000 key1 key1 "127.0.0.1/$PR"
# Revision 2: one more stable endpoint and a new update key, signed with revision 1's key.
mkworld "$TMP/v2.planet" 1700000100000 key1 key2 "127.0.0.1/$PR,127.0.0.2/$PR"
# A "revision 3" signed with a key revision 2 does not name.
mkworld "$TMP/v3-forged.planet" 1700000200000 stranger stranger "127.0.0.1/$PR"

start_root "$ROOT" $PR "$TMP/v2.planet"
ROOT_PID=${BG_PIDS[-1]}
make_home a >/dev/null
configure a $PA c41b8868ac000001 10.147.17.1/24
start_leaf() {
  ZT_HOME=$(home_of a) ZT_PLANET=$TMP/v1.planet "$NODE" --foreground --no-linger-exit >>"$TMP/leaf.log" 2>&1 &
  BG_PIDS+=($!)
  LEAF_PID=$!
}
planet_ts() { status_json a | json_get 's["planet"]["timestamp"]'; }
planet_is() { [ "$(planet_ts)" = "$1" ]; }

start_leaf
wait_for 20 test -f "$(home_of a)/planet" || fail "the leaf kept no planet from the root"
cmp -s "$(home_of a)/planet" "$TMP/v2.planet" || fail "the kept planet is not revision 2 as mkworld wrote it"
wait_for 5 planet_is 1700000100000 || fail "the leaf's status shows planet revision $(planet_ts), not 1700000100000"
say "ok: the leaf took revision 2 from the root and kept it in its home"

# Restart with ZT_PLANET still naming revision 1: the kept revision 2 wins (a valid update).
kill "$LEAF_PID"; wait "$LEAF_PID" 2>/dev/null || true
start_leaf
wait_for 10 status_json a || fail "the leaf did not restart"
[ "$(planet_ts)" = 1700000100000 ] || fail "after a restart the leaf uses revision $(planet_ts)"
say "ok: after a restart the leaf starts from revision 2"

# The root now serves a forged revision 3: the leaf refuses it, counts it and stays online.
kill "$ROOT_PID"; wait "$ROOT_PID" 2>/dev/null || true
start_root "$ROOT" $PR "$TMP/v3-forged.planet"
kill "$LEAF_PID"; wait "$LEAF_PID" 2>/dev/null || true
start_leaf  # its first HELLO announces revision 2 (a running leaf would on its next keepalive)
bad() { [ "$(status_json a | json_get 's["counters"]["drops"].get("bad_world", 0)')" -gt 0 ]; }
wait_for 30 bad || fail "the forged revision was not counted as bad_world"
[ "$(planet_ts)" = 1700000100000 ] || fail "the leaf took the forged planet ($(planet_ts))"
cmp -s "$(home_of a)/planet" "$TMP/v2.planet" || fail "the forged planet overwrote the kept one"
status_json a | json_get 's["online"]' | grep -qx True || fail "the leaf is not online with the root"
say "ok: a revision signed with another key is refused and counted; the leaf keeps revision 2"

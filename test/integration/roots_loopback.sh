#!/usr/bin/env bash
# Issue: peer layer (a) and (c) on loopback. A private root (ztroot) and two leaves that
# know each other only by ZeroTier address: they find each other through the root (WHOIS),
# talk through its relay first, move to a direct path (RENDEZVOUS), and keep talking after
# the root is stopped.
#
#   [curl]--[leaf A]--.               .--[leaf B]--[http.server]
#                      `--[ztroot R]--'
#        (relay first, then A <-> B direct; all on 127.0.0.1, or ::1 with argument "6")
source "$(dirname "$0")/lib.sh"
LOOP=127.0.0.1; [ "${1:-4}" = 6 ] && LOOP="[::1]"

NWID=c41b8868ac000001
PR=$((20000 + RANDOM % 20000)); PA=$((PR + 1)); PB=$((PR + 2))
planet=$(make_planet test "$TMP/root" "$LOOP/$PR")
export ZT_PLANET=$planet
start_root "$TMP/root" $PR "$planet"
make_home a >/dev/null; make_home b >/dev/null
configure a $PA $NWID 10.147.17.1/24 "$(address_of b)"
configure b $PB $NWID 10.147.17.2/24 "$(address_of a)"

www=$TMP/www; mkdir -p "$www"; head -c 3000000 /dev/urandom > "$www/f.bin"
(cd "$www" && exec env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" python3 -m http.server 8080 --bind 0.0.0.0) \
  >"$TMP/server.log" 2>&1 &
BG_PIDS+=($!)
wait_for 30 in_home a curl -sf -o /dev/null --max-time 3 http://10.147.17.2:8080/ \
  || fail "leaf B not reachable by address through the root"
say "ok: A reached B knowing only its ZeroTier address"

rootstat() { "$BUILD/tools/ztstatus/ztstatus" -H "$TMP/root" --json; }
relayed=$(rootstat | json_get 's["counters"]["relayed"]')
[ "$relayed" -gt 0 ] || fail "the root relayed nothing ($relayed)"
say "ok: the root relayed $relayed datagrams at first"

direct() {  # direct NAME PEER_ADDRESS: a confirmed path that is not the root's endpoint
  status_json "$1" | json_get "any(pa['confirmed'] for p in s['peers'] if p['address']=='$2' for pa in p['paths'])" | grep -qx True
}
wait_for 20 direct a "$(address_of b)" || fail "no direct path A -> B"
wait_for 20 direct b "$(address_of a)" || fail "no direct path B -> A"
used=$(status_json a | json_get "' '.join(pa['address'] for p in s['peers'] if p['address']=='$(address_of b)' for pa in p['paths'] if pa['preferred'])")
# B's own port on one of this machine's addresses: loopback (from RENDEZVOUS) or an interface
# address B advertised (PUSH_DIRECT_PATHS); either is direct, never the root's endpoint.
case "$used" in
  */$PB) ;;
  *) fail "A uses path '$used' to B, expected a direct one to B's port $PB" ;;
esac
say "ok: direct path A <-> B over $used"

want=$(sha256sum < "$www/f.bin" | cut -d' ' -f1)
before=$(rootstat | json_get 's["counters"]["relayed"]')
in_home a curl -sS --max-time 30 -o "$TMP/got" http://10.147.17.2:8080/f.bin
[ "$(sha256sum < "$TMP/got" | cut -d' ' -f1)" = "$want" ] || fail "sha256 mismatch"
after=$(rootstat | json_get 's["counters"]["relayed"]')
[ $((after - before)) -lt 20 ] || fail "3 MB went through the root ($before -> $after relayed)"
say "ok: 3 MB direct (root relayed $((after - before)) datagrams meanwhile)"

# (c) stop the root: the direct path carries on.
kill "${BG_PIDS[0]}"; wait "${BG_PIDS[0]}" 2>/dev/null || true
in_home a curl -sS --max-time 30 -o "$TMP/got2" http://10.147.17.2:8080/f.bin
[ "$(sha256sum < "$TMP/got2" | cut -d' ' -f1)" = "$want" ] || fail "transfer after the root stopped failed"
say "ok: transfer after the root stopped"

#!/usr/bin/env bash
# The demo (README): installs dependencies, builds, then on this machine's loopback only:
#   1. makes a private planet with one root and starts the root server (ztroot);
#   2. serves a file with an unmodified `python3 -m http.server` on virtual host 10.147.17.2;
#   3. fetches it with an unmodified `curl` on virtual host 10.147.17.1, both under ztrun;
#   4. shows how the two nodes found each other: through the root first, then direct.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

scripts/install-deps.sh
if [ ! -f build/build.ninja ]; then meson setup build >/dev/null; fi
meson compile -C build >/dev/null
B=$top/build
IDTOOL=$B/tools/zt-idtool/zt-idtool
ZTRUN=$B/tools/ztrun/ztrun
ZTSTATUS=$B/tools/ztstatus/ztstatus

work=$(mktemp -d /tmp/ztdemo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for h in "$work"/host-a "$work"/host-b; do
    for p in /proc/[0-9]*; do
      [ "$(cat "$p/comm" 2>/dev/null)" = ztnode ] || continue
      { tr '\0' '\n' < "$p/environ"; } 2>/dev/null | grep -qx "ZT_HOME=$h" && kill "$(basename "$p")" 2>/dev/null
    done
  done
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

NWID=c41b8868ac000001
PR=$((30000 + RANDOM % 20000))

step "A private planet: one root on 127.0.0.1/$PR"
mkdir -m 700 "$work/root" "$work/host-a" "$work/host-b"
run "$IDTOOL" generate "$work/root/identity.secret" "$work/root/identity.public"
run "$IDTOOL" genkeypair "$work/world.c25519" >/dev/null
run "$IDTOOL" mkworld --type planet --id 0x7a74726d --key "$work/world.c25519" \
  --root "$work/root/identity.public=127.0.0.1/$PR" --out "$work/planet"
"$B/tools/ztroot/ztroot" --home "$work/root" --port "$PR" --planet "$work/planet" >/dev/null &
pids+=($!)
export ZT_PLANET=$work/planet

step "Two hosts on network $NWID, each knowing only the other's ZeroTier address"
"$IDTOOL" generate "$work/host-a/identity.secret" "$work/host-a/identity.public" >/dev/null 2>&1
"$IDTOOL" generate "$work/host-b/identity.secret" "$work/host-b/identity.public" >/dev/null 2>&1
A=$(cut -d: -f1 "$work/host-a/identity.public"); Bz=$(cut -d: -f1 "$work/host-b/identity.public")
printf 'port = 0\nnetwork = %s 10.147.17.1/24\npeer = %s\n' $NWID "$Bz" > "$work/host-a/ztintercept.conf"
printf 'port = 0\nnetwork = %s 10.147.17.2/24\npeer = %s\n' $NWID "$A" > "$work/host-b/ztintercept.conf"
echo "host A = $A (10.147.17.1), host B = $Bz (10.147.17.2)"

step "Host B: an unmodified python3 -m http.server, under ztrun"
mkdir "$work/www"; head -c 5000000 /dev/urandom > "$work/www/demo.bin"
echo "\$ ztrun -H host-b -- python3 -m http.server 8080"
(cd "$work/www" && exec "$ZTRUN" -H "$work/host-b" -- python3 -m http.server 8080) >"$work/server.log" 2>&1 &
pids+=($!)

step "Host A: an unmodified curl, under ztrun"
echo "\$ ztrun -H host-a -- curl -o demo.bin http://10.147.17.2:8080/demo.bin"
ok=0
for _ in $(seq 1 100); do
  if "$ZTRUN" -H "$work/host-a" -- curl -sf --max-time 3 -o "$work/got.bin" http://10.147.17.2:8080/demo.bin; then ok=1; break; fi
  sleep 0.2
done
[ $ok = 1 ] || { echo "the fetch failed"; cat "$work/server.log"; exit 1; }
want=$(sha256sum < "$work/www/demo.bin" | cut -d' ' -f1); got=$(sha256sum < "$work/got.bin" | cut -d' ' -f1)
echo "sent     sha256 $want"
echo "received sha256 $got"
[ "$want" = "$got" ] && echo "identical: 5 MB over the ZeroTier virtual network" || { echo MISMATCH; exit 1; }

step "Again, to see the direct path in use"
sleep 2
"$ZTRUN" -H "$work/host-a" -- curl -s -o /dev/null -w 'HTTP %{http_code}, %{size_download} bytes in %{time_total} s\n' \
  http://10.147.17.2:8080/demo.bin

step "How host A sees its peers (ztstatus -H host-a)"
"$ZTSTATUS" -H "$work/host-a"
step "The root (ztstatus -H root)"
"$ZTSTATUS" -H "$work/root"
echo
echo "Everything ran on 127.0.0.1: nodes, root and apps. Nothing was needed but the two"
echo "ZeroTier homes; the apps were not modified and ran without root privileges."

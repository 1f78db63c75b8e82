#!/usr/bin/env bash
# The demo (README): installs dependencies, builds, then on this machine's loopback only:
#   1. makes a private planet with one root, which is also the network controller (ztroot
#      --controller), and creates a private network through the controller's HTTP API;
#   2. authorizes two hosts, which join with ztrun -n and get their addresses from the pool;
#   3. serves a file with an unmodified `python3 -m http.server` on host B and fetches it with
#      an unmodified `curl` on host A;
#   4. shows the network and the peers as host A sees them, and the members as the controller
#      records them.
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

PR=$((30000 + RANDOM % 20000)); API=$((PR + 1))

step "A private planet: one root on 127.0.0.1/$PR, which is also the network controller"
mkdir -m 700 "$work/root" "$work/host-a" "$work/host-b"
run "$IDTOOL" generate "$work/root/identity.secret" "$work/root/identity.public"
run "$IDTOOL" genkeypair "$work/world.c25519" >/dev/null
run "$IDTOOL" mkworld --type planet --id 0x7a74726d --key "$work/world.c25519" \
  --root "$work/root/identity.public=127.0.0.1/$PR" --out "$work/planet"
echo "\$ ztroot --home root --port $PR --planet planet --controller --api-port $API"
"$B/tools/ztroot/ztroot" --home "$work/root" --port "$PR" --planet "$work/planet" --controller --api-port "$API" \
  >"$work/root.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do grep -q "controller API" "$work/root.out" && break; sleep 0.1; done
cat "$work/root.out"
export ZT_PLANET=$work/planet
CTL=$(cut -d: -f1 "$work/root/identity.public")
TOKEN=$(cat "$work/root/authtoken.secret")
api() {  # api METHOD PATH [JSON]: ZeroTier One's controller API, as its users script it
  curl -sS -X "$1" -H "X-ZT1-Auth: $TOKEN" ${3:+-d "$3"} "http://127.0.0.1:$API/controller$2"
}

step "A network, created through the controller's HTTP API"
echo "\$ curl -X POST -H \"X-ZT1-Auth: \$TOKEN\" http://127.0.0.1:$API/controller/network/${CTL}______ -d '{...}'"
NWID=$(api POST "/network/${CTL}______" '{"name": "demo", "private": true, "v4AssignMode": {"zt": true},
  "ipAssignmentPools": [{"ipRangeStart": "10.147.17.1", "ipRangeEnd": "10.147.17.254"}],
  "routes": [{"target": "10.147.17.0/24", "via": null}]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo "network $NWID (private: members need the controller's authorization)"

step "Two hosts, each with its own identity, authorized on the network"
"$IDTOOL" generate "$work/host-a/identity.secret" "$work/host-a/identity.public" >/dev/null 2>&1
"$IDTOOL" generate "$work/host-b/identity.secret" "$work/host-b/identity.public" >/dev/null 2>&1
A=$(cut -d: -f1 "$work/host-a/identity.public"); Bz=$(cut -d: -f1 "$work/host-b/identity.public")
for h in host-a host-b; do printf 'port = 0\n' > "$work/$h/ztintercept.conf"; done
for m in "$A" "$Bz"; do
  echo "\$ curl -X POST ... /controller/network/$NWID/member/$m -d '{\"authorized\": true}'"
  api POST "/network/$NWID/member/$m" '{"authorized": true}' >/dev/null
done
echo "host A = $A, host B = $Bz; neither knows the other: the addresses come from the controller"

step "Host B: an unmodified python3 -m http.server, under ztrun (it joins, then starts the server)"
mkdir "$work/www"; head -c 5000000 /dev/urandom > "$work/www/demo.bin"
echo "\$ ztrun -H host-b -n $NWID -- python3 -m http.server 8080"
(cd "$work/www" && exec "$ZTRUN" -H "$work/host-b" -n "$NWID" -- python3 -m http.server 8080) >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  IP_B=$("$ZTSTATUS" -H "$work/host-b" network "$NWID" 2>/dev/null | python3 -c \
    'import json,sys; a=json.load(sys.stdin)["assignedAddresses"]; print(a[0].split("/")[0] if a else "")' 2>/dev/null) || true
  [ -n "$IP_B" ] && break
  sleep 0.1
done
[ -n "$IP_B" ] || { echo "host B got no address"; cat "$work/server.log"; exit 1; }
echo "host B joined as $IP_B"

step "Host A: an unmodified curl, under ztrun"
echo "\$ ztrun -H host-a -n $NWID -- curl -o demo.bin http://$IP_B:8080/demo.bin"
ok=0
for _ in $(seq 1 100); do
  if "$ZTRUN" -H "$work/host-a" -n "$NWID" -- curl -sf --max-time 3 -o "$work/got.bin" "http://$IP_B:8080/demo.bin"; then ok=1; break; fi
  sleep 0.2
done
[ $ok = 1 ] || { echo "the fetch failed"; cat "$work/server.log"; exit 1; }
want=$(sha256sum < "$work/www/demo.bin" | cut -d' ' -f1); got=$(sha256sum < "$work/got.bin" | cut -d' ' -f1)
echo "sent     sha256 $want"
echo "received sha256 $got"
[ "$want" = "$got" ] && echo "identical: 5 MB over the ZeroTier virtual network" || { echo MISMATCH; exit 1; }

step "Again, to see the direct path in use"
sleep 2
"$ZTRUN" -H "$work/host-a" -n "$NWID" -- curl -s -o /dev/null -w 'HTTP %{http_code}, %{size_download} bytes in %{time_total} s\n' \
  "http://$IP_B:8080/demo.bin"

step "How host A sees its network and peers (ztstatus -H host-a)"
"$ZTSTATUS" -H "$work/host-a"
step "The members as the controller records them (GET /controller/network/$NWID/member/...)"
for m in "$A" "$Bz"; do
  api GET "/network/$NWID/member/$m" | python3 -c \
    'import json,sys; m=json.load(sys.stdin); print(m["address"], "authorized" if m["authorized"] else "-", m["ipAssignments"])'
done
echo
echo "Everything ran on 127.0.0.1: root, controller, nodes and apps. The hosts were given only"
echo "the network id; the controller authorized them and gave their addresses. The apps were not"
echo "modified and ran without root privileges."

#!/usr/bin/env bash
# A broken identity, planet or config file stops the node with one clear line naming the
# file and the problem (exit 1), and the app's kernel sockets keep working regardless.
source "$(dirname "$0")/lib.sh"

home=$(make_home x)
configure x 0 c41b8868ac000001 10.147.17.1/24

expect_one_line() {  # expect_one_line WHAT FILE: ztnode fails with one line naming FILE
  local out rc=0
  out=$(ZT_HOME=$home timeout 20 "$NODE" --foreground 2>&1 >/dev/null) || rc=$?
  [ $rc = 1 ] || fail "$1: ztnode exited $rc, expected 1 (output: $out)"
  [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "$1: expected one line, got: $out"
  case "$out" in *"$2"*) ;; *) fail "$1: the message does not name $2: $out" ;; esac
  say "ok: $1: $out"
}

cp "$home/identity.secret" "$TMP/good.secret"
echo "0123456789:0:nothex" > "$home/identity.secret"
expect_one_line "garbage identity" "$home/identity.secret"
sed 's/^\(..........\)/ffffffffff/' "$TMP/good.secret" > "$home/identity.secret"
expect_one_line "identity with a reserved address" "$home/identity.secret"
cp "$TMP/good.secret" "$home/identity.secret"

head -c 100 /dev/urandom > "$TMP/bad.planet"
ZT_PLANET=$TMP/bad.planet expect_one_line "corrupt planet" "$TMP/bad.planet"
ZT_PLANET=$TMP/missing.planet expect_one_line "missing planet" "$TMP/missing.planet"

printf 'port = 0\nnetwork = nothex\n' > "$home/ztintercept.conf"
expect_one_line "bad config" "$home/ztintercept.conf"

# The app keeps its kernel sockets: a loopback server and client under the shim with this
# broken home still talk.
mkdir -p "$TMP/www"; echo hello > "$TMP/www/x"
(cd "$TMP/www" && exec python3 -m http.server 18765 --bind 127.0.0.1) >/dev/null 2>&1 &
BG_PIDS+=($!)
wait_for 10 curl -sf -o /dev/null http://127.0.0.1:18765/x
got=$(ZT_HOME=$home LD_PRELOAD=$LIB curl -sf http://127.0.0.1:18765/x)
[ "$got" = hello ] || fail "kernel loopback broke under the shim with a broken home: '$got'"
say "ok: kernel sockets keep working with a broken home"

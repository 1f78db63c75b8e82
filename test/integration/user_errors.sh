#!/usr/bin/env bash
# Errors a user can act on (issue 8, item 8): each way the virtual network can fail to come up is
# one line on stderr under ztrun, with a non-zero exit (2: arguments or configuration, checked
# before anything starts; 1: the node or a network failed), the node's own reason carried
# through. Under a bare LD_PRELOAD the shim says nothing, and with ZT_VERBOSE=1 one
# "ztintercept: cannot start the node: ..." line.
#
#   malformed -n, --port, -p; bad values in ztintercept.conf      ztrun, exit 2, no node started
#   a peer by address alone without roots (ZT_PLANET=none)        ztrun exit 2; the node logs a warning
#   corrupt identity.secret, a home that is not writable, no node binary,
#   a UDP port in use, a planet that does not verify              ztrun exit 1 with the node's reason
#   ACCESS_DENIED from our controller                             ztrun exit 1, program not run
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/controller_lib.sh"
ZTRUN=$BUILD/tools/ztrun/ztrun
N=c41b8868ac000001
STATIC=$N=10.147.17.1/24

# expect NAME RC LINE cmd...: cmd exits RC and its stderr is exactly LINE (stdout is dropped).
expect() {
  local name=$1 want_rc=$2 want=$3 err rc=0; shift 3
  err=$("$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" = "$want_rc" ] || fail "$name: exit $rc, expected $want_rc (stderr: $err)"
  [ "$err" = "$want" ] || fail "$name: stderr is not the one expected line:
  got:  $err
  want: $want"
  say "ok: $name: $err"
}

# no_node HOME: no node was started for it.
no_node() { [ -z "$(node_pids "$1")" ] || fail "a node was started for $1"; }

# bare HOME [VAR=value...]: curl into the static network under a bare LD_PRELOAD (its own
# output silenced: -s), as the user AS_USER (a command prefix) says; prints its stderr.
AS_USER=()
BARE_LIB=$LIB
bare() {
  local home=$1; shift
  "${AS_USER[@]}" env -u ZT_VERBOSE "$@" ZT_HOME="$home" ZT_NETWORKS="$STATIC" LD_PRELOAD="$BARE_LIB" \
    curl -s -m 2 -o /dev/null http://10.147.17.2/ 2>&1 || true
}

# expect_bare NAME HOME LINE [VAR=value...]: nothing on stderr without ZT_VERBOSE, and exactly
# "ztintercept: LINE" with ZT_VERBOSE=1.
expect_bare() {
  local name=$1 home=$2 want="ztintercept: $3" err; shift 3
  err=$(bare "$home" "$@")
  [ -z "$err" ] || fail "$name: a bare LD_PRELOAD printed: $err"
  err=$(bare "$home" "$@" ZT_VERBOSE=1)
  [ "$err" = "$want" ] || fail "$name: with ZT_VERBOSE=1:
  got:  $err
  want: $want"
  say "ok: $name, bare LD_PRELOAD: silent; with ZT_VERBOSE=1: $err"
}

# 1. Arguments and configuration: checked before anything starts.
H=$(make_home args)
expect "-n nothex" 2 "ztrun: -n nothex: 'nothex' is not a network id (16 hex digits)" \
  "$ZTRUN" -H "$H" -n nothex -- true
expect "-n with a loopback address" 2 \
  "ztrun: -n $N=127.0.0.1/8: address '127.0.0.1/8' cannot be assigned to a network" \
  "$ZTRUN" -H "$H" -n "$N=127.0.0.1/8" -- true
expect "--port 70000" 2 "ztrun: --port takes a UDP port (0..65535; 0: any)" "$ZTRUN" -H "$H" --port 70000 -- true
expect "-p garbage" 2 "ztrun: -p 01234zz: bad peer '01234zz' (10-hex address or identity.public 'address:0:hex' expected)" \
  "$ZTRUN" -H "$H" -p 01234zz -- true
printf 'port = 99999\n' > "$H/ztintercept.conf"
expect "port = 99999" 2 "ztrun: $H/ztintercept.conf:1: port must be 0..65535, got '99999'" \
  "$ZTRUN" -H "$H" -n "$STATIC" --wait 5 -- true
expect_bare "port = 99999" "$H" "cannot start the node: $H/ztintercept.conf:1: port must be 0..65535, got '99999'"
printf '# a comment\nnetwork = nothex\n' > "$H/ztintercept.conf"
expect "network = nothex" 2 "ztrun: $H/ztintercept.conf:2: bad network id 'nothex' (16 hex digits expected)" \
  "$ZTRUN" -H "$H" -- true
rm "$H/ztintercept.conf"
expect "ZT_LOG_LEVEL=loud" 2 \
  "ztrun: ZT_LOG_LEVEL: log_level must be one of trace debug info warn error critical off, got 'loud'" \
  env ZT_LOG_LEVEL=loud "$ZTRUN" -H "$H" -- true
no_node "$H"

# 2. A peer by address alone, and no roots to look it up.
expect "-p address, no roots" 2 \
  "ztrun: -p 0123456789: no endpoint, and without roots (ZT_PLANET=none) nothing can find it: give it as 0123456789@IP/PORT" \
  "$ZTRUN" -H "$H" -n "$STATIC" -p 0123456789 -- true
printf 'peer = 0123456789\n' > "$H/ztintercept.conf"
expect "peer = address, no roots" 2 \
  "ztrun: $H/ztintercept.conf: peer 0123456789: no endpoint, and without roots (ZT_PLANET=none) nothing can find it: give it as 'peer = 0123456789 IP/PORT'" \
  "$ZTRUN" -H "$H" -- true
no_node "$H"
# The node, started by a bare LD_PRELOAD with the same configuration, says it in its log.
[ -z "$(bare "$H" ZT_PORT=0)" ] || fail "a bare LD_PRELOAD printed something"
wait_for 10 grep -q "warning: peer 0123456789: no endpoint, and no roots to find it" "$H/ztnode.log" ||
  fail "the node did not warn about the peer it cannot find: $(cat "$H/ztnode.log")"
say "ok: the node warns: $(grep -o "peer 0123456789: no endpoint.*" "$H/ztnode.log" | head -n 1)"
stop_nodes "$H"
rm "$H/ztintercept.conf"

# 3. A corrupt identity.secret: truncated, then garbage.
H=$(make_home ident)
head -c 60 "$H/identity.secret" > "$TMP/cut"; mv "$TMP/cut" "$H/identity.secret"
expect "truncated identity.secret" 1 \
  "ztrun: cannot start the node: $H/identity.secret: not a valid identity (expected address:0:public:secret)" \
  "$ZTRUN" -H "$H" -n "$STATIC" --wait 5 -- true
echo "hello" > "$H/identity.secret"
expect "garbage identity.secret" 1 \
  "ztrun: cannot start the node: $H/identity.secret: not a valid identity (expected address:0:public:secret)" \
  "$ZTRUN" -H "$H" -n "$STATIC" --wait 5 -- true
expect_bare "garbage identity.secret" "$H" \
  "cannot start the node: $H/identity.secret: not a valid identity (expected address:0:public:secret)" ZT_PORT=0

# 4. No node binary: ZT_NODE_BIN names none, or none is found.
H=$(make_home nobin)
expect "ZT_NODE_BIN=/nonexistent" 1 "ztrun: cannot start the node: /nonexistent (ZT_NODE_BIN): No such file or directory" \
  env ZT_NODE_BIN=/nonexistent "$ZTRUN" -H "$H" -n "$STATIC" --wait 5 -- true
expect_bare "ZT_NODE_BIN=/nonexistent" "$H" "cannot start the node: /nonexistent (ZT_NODE_BIN): No such file or directory" \
  ZT_NODE_BIN=/nonexistent
# ztrun and the library copied to a directory without ztnode, and none on PATH.
mkdir "$TMP/bin"; cp "$ZTRUN" "$LIB" "$TMP/bin/"
expect "no ztnode anywhere" 1 \
  "ztrun: cannot start the node: no ztnode beside libztintercept.so nor on PATH (set ZT_NODE_BIN)" \
  env PATH=/usr/bin:/bin "$TMP/bin/ztrun" -H "$H" -n "$STATIC" --wait 5 -- true
BARE_LIB=$TMP/bin/libztintercept.so
expect_bare "no ztnode anywhere" "$H" "cannot start the node: no ztnode beside libztintercept.so nor on PATH (set ZT_NODE_BIN)" \
  PATH=/usr/bin:/bin
BARE_LIB=$LIB
no_node "$H"

# 5. The node's UDP port is held by another program.
PORT=$((20000 + RANDOM % 20000))
python3 -c "import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', $PORT))
print('bound', flush=True); time.sleep(120)" > "$TMP/holder" &
BG_PIDS+=($!)
wait_for 10 grep -q bound "$TMP/holder" || fail "could not hold UDP port $PORT"
H=$(make_home port)
expect "UDP port in use" 1 "ztrun: cannot start the node: UDP port $PORT is in use by another program: choose another port (0: any)" \
  "$ZTRUN" -H "$H" --port "$PORT" -n "$STATIC" --wait 5 -- true
expect_bare "UDP port in use" "$H" "cannot start the node: UDP port $PORT is in use by another program: choose another port (0: any)" \
  ZT_PORT="$PORT"

# 6. A planet that does not verify: not a world at all, and a root whose key was altered.
H=$(make_home planet)
head -c 200 /dev/urandom > "$TMP/random.planet"
expect "random planet" 1 "ztrun: cannot start the node: $TMP/random.planet: not a valid planet (world) file" \
  env ZT_PLANET="$TMP/random.planet" "$ZTRUN" -H "$H" -n "$STATIC" --wait 5 -- true
good=$(make_planet good "$TMP/root-of-good" 127.0.0.1/9)
# The first root's identity begins after the world's fixed fields (178 bytes): its address (5),
# key type (1), then the public key; one bit of the key changed breaks the address derivation.
cp "$good" "$TMP/altered.planet"
b=$(od -An -tu1 -j 190 -N 1 "$good" | tr -d ' ')
printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$TMP/altered.planet" bs=1 seek=190 conv=notrunc 2>/dev/null
cmp -s "$good" "$TMP/altered.planet" && fail "the planet was not altered"
expect "altered planet" 1 "ztrun: cannot start the node: $TMP/altered.planet: a root identity fails validation" \
  env ZT_PLANET="$TMP/altered.planet" "$ZTRUN" -H "$H" -n "$STATIC" --wait 5 -- true
expect_bare "altered planet" "$H" "cannot start the node: $TMP/altered.planet: a root identity fails validation" \
  ZT_PLANET="$TMP/altered.planet" ZT_PORT=0

# 7. A home that is not writable: root's home, ztrun and the program as nobody (or, when not
# root, a home without write permission).
H=$(make_home ro)
if [ "$(id -u)" = 0 ]; then
  chmod 711 "$TMP"; chmod 755 "$H"
  AS_USER=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
  uid=$(id -u nobody)
else
  chmod 500 "$H"
  uid=$(id -u)
fi
if "${AS_USER[@]}" test -x "$ZTRUN" -a -r "$LIB"; then
  expect "home not writable" 1 "ztrun: cannot start the node: home $H: not writable by uid $uid: Permission denied" \
    "${AS_USER[@]}" "$ZTRUN" -H "$H" -n "$STATIC" --wait 5 -- true
  expect_bare "home not writable" "$H" "cannot start the node: home $H: not writable by uid $uid: Permission denied" ZT_PORT=0
else
  say "note: the build is not readable by nobody; the not-writable home is not staged"
fi
AS_USER=()
chmod 700 "$H" "$TMP"
no_node "$H"

# 8. ACCESS_DENIED: a private network of our controller that has not authorized the node.
start_infra
NWID=$(new_network '{"name": "denied", "private": true, "v4AssignMode": {"zt": true},
  "ipAssignmentPools": [{"ipRangeStart": "10.147.31.1", "ipRangeEnd": "10.147.31.254"}],
  "routes": [{"target": "10.147.31.0/24", "via": null}]}')
member c $((PR + 10))
C=$(home_of c)
denied="ztrun: network $NWID did not come up within 6 s: ACCESS_DENIED (controller $CTL has not authorized this node)"
expect "ACCESS_DENIED (-q)" 1 "$denied" "$ZTRUN" -H "$C" -n "$NWID" --wait 6 -q -- touch "$TMP/ran"
[ ! -e "$TMP/ran" ] || fail "ztrun ran the program on a network that refused it"
# Without -q, the states seen while waiting come first; the last line is the verdict.
err=$("$ZTRUN" -H "$C" -n "$NWID" --wait 6 -- touch "$TMP/ran" 2>&1) && fail "ztrun succeeded on a refused network"
[ "$(tail -n 1 <<<"$err")" = "$denied" ] || fail "ACCESS_DENIED: the last line is not the verdict: $err"
if grep -v "^ztrun: network $NWID" <<<"$err"; then fail "ACCESS_DENIED: a line about something else: $err"; fi
[ ! -e "$TMP/ran" ] || fail "ztrun ran the program on a network that refused it"
say "ok: ACCESS_DENIED without -q: the states seen, then the verdict:"; say "$err"
say "PASS"

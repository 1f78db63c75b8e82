# Helpers for the integration tests (sourced). Each test gets a private temp dir with one
# ZT home per simulated host; every node and background program is stopped on exit.
# Expects ZT_BUILD = the meson build directory.
set -euo pipefail

BUILD=${ZT_BUILD:?ZT_BUILD must name the build directory}
LIB=$BUILD/intercept/libztintercept.so
NODE=$BUILD/tools/ztnode/ztnode
IDTOOL=$BUILD/tools/zt-idtool/zt-idtool
TMP=$(mktemp -d /tmp/zti-test.XXXXXX)
# Static-configuration tests use no planet; tests with roots set ZT_PLANET to their own.
export ZT_PLANET=${ZT_PLANET:-none}
BG_PIDS=()

say() { printf '%s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }

# PIDs of ztnode processes serving a home (found by their environment).
node_pids() {
  local home=$1 p
  for p in /proc/[0-9]*; do
    [ "$(cat "$p/comm" 2>/dev/null)" = "ztnode" ] || continue
    { tr '\0' '\n' < "$p/environ"; } 2>/dev/null | grep -qx "ZT_HOME=$home" && basename "$p"
  done
  return 0
}

stop_nodes() {
  local home=$1 pid
  for pid in $(node_pids "$home"); do kill "$pid" 2>/dev/null || true; done
}

cleanup() {
  set +e  # from the EXIT trap: a failing command must not stop the cleanup
  local pid h
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for h in "$TMP"/home-*; do [ -d "$h" ] && stop_nodes "$h"; done
  if [ "${KEEP_TMP:-0}" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

# make_home NAME: a ZT home with a fresh identity.
make_home() {
  local home=$TMP/home-$1
  mkdir -p "$home"
  chmod 700 "$home"
  "$IDTOOL" generate "$home/identity.secret" "$home/identity.public" >/dev/null 2>&1
  echo "$home"
}
home_of() { echo "$TMP/home-$1"; }
public_of() { tr -d '\n' < "$(home_of "$1")/identity.public"; }
address_of() { public_of "$1" | cut -d: -f1; }

# configure NAME PORT NWID ADDR/LEN [PEER@ENDPOINT ...]: writes the static configuration.
configure() {
  local name=$1 port=$2 nwid=$3 addr=$4; shift 4
  local conf; conf="$(home_of "$name")/ztintercept.conf"
  {
    echo "port = $port"
    echo "network = $nwid $addr"
    echo "linger = ${LINGER:-60}"      # the node outlives short clients so tests can inspect it
    local p
    for p in "$@"; do
      case $p in *@*) echo "peer = ${p%@*} ${p#*@}" ;; *) echo "peer = $p" ;; esac
    done
  } > "$conf"
}

# in_home NAME cmd...: runs cmd under the shim with that home.
in_home() {
  local name=$1; shift
  ZT_HOME=$(home_of "$name") LD_PRELOAD=$LIB "$@"
}

# background NAME cmd...: like in_home, in the background; remembers the pid.
background() {
  local name=$1; shift
  ZT_HOME=$(home_of "$name") LD_PRELOAD=$LIB "$@" &
  BG_PIDS+=($!)
}

# wait_for SECONDS cmd...: retries cmd every 0.1 s until it succeeds.
wait_for() {
  local secs=$1; shift
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

# make_planet NAME ROOT_HOME ENDPOINT...: a private planet whose one root is the identity in
# ROOT_HOME (created if missing), signed with a fresh world key. Prints the planet path.
make_planet() {
  local name=$1 root_home=$2; shift 2
  mkdir -p "$root_home"; chmod 700 "$root_home"
  [ -f "$root_home/identity.secret" ] || \
    "$IDTOOL" generate "$root_home/identity.secret" "$root_home/identity.public" >/dev/null 2>&1
  local key=$TMP/$name.c25519 planet=$TMP/$name.planet eps
  "$IDTOOL" genkeypair "$key" >/dev/null 2>&1
  eps=$(IFS=,; echo "$*")
  "$IDTOOL" mkworld --type planet --id $((0x7a740000 + RANDOM)) --key "$key" \
    --root "$root_home/identity.public=$eps" --out "$planet" >/dev/null
  echo "$planet"
}

# start_root HOME PORT PLANET [ip netns prefix...]: runs ztroot in the background.
start_root() {
  local home=$1 port=$2 planet=$3; shift 3
  "$@" "$BUILD/tools/ztroot/ztroot" --home "$home" --port "$port" --planet "$planet" >"$home/stdout" 2>&1 &
  BG_PIDS+=($!)
}

# planet_and_leaves NAME NWID ROOT_ENDPOINT ROOT_PORT [ip netns prefix...]: a private planet
# whose root runs at ROOT_ENDPOINT (in the namespace the prefix enters, if any), exported as
# ZT_PLANET, and homes a (10.147.17.1) and b (10.147.17.2) on NWID, port 9993, each naming the
# other by ZeroTier address only.
planet_and_leaves() {
  local name=$1 nwid=$2 root_ep=$3 root_port=$4; shift 4
  local planet
  planet=$(make_planet "$name" "$TMP/root" "$root_ep")
  export ZT_PLANET=$planet
  start_root "$TMP/root" "$root_port" "$planet" "$@"
  make_home a >/dev/null; make_home b >/dev/null
  configure a 9993 "$nwid" 10.147.17.1/24 "$(address_of b)"
  configure b 9993 "$nwid" 10.147.17.2/24 "$(address_of a)"
}

# status_json NAME: the node's status (ztstatus --json).
status_json() { "$BUILD/tools/ztstatus/ztstatus" -H "$(home_of "$1")" --json; }

# json_get EXPR: evaluates a Python expression over the JSON on stdin (bound to `s`).
json_get() { python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"; }

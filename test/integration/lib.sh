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
    local p
    for p in "$@"; do echo "peer = ${p%@*} ${p#*@}"; done
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

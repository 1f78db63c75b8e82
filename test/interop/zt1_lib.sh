# Helpers for the tests against ZeroTier One itself (sourced after ../integration/lib.sh):
# network namespaces on one bridge, ZeroTier One 1.14.1 nodes (root, embedded controller,
# members with their kernel taps) and our wrapped nodes beside them.
#
# Needs root (namespaces, taps) and a zerotier-one binary ($ZT1_DIR, default
# /work/scratch/zt1; docs/DEVELOPERS.md says how to build one). Without either the test says
# SKIPPED loudly and exits 77, which meson reports as a skip.
ZT1_DIR=${ZT1_DIR:-/work/scratch/zt1}
ZT1=$ZT1_DIR/zerotier-one
ZT1_CLI=$ZT1_DIR/zerotier-cli

zt1_require() {
  if [ ! -x "$ZT1" ] || [ ! -x "$ZT1_CLI" ]; then
    echo "SKIPPED: no ZeroTier One binary at $ZT1 (set ZT1_DIR; see docs/DEVELOPERS.md): this test did NOT run"
    exit 77
  fi
  if [ "$(id -u)" != 0 ] || ! ip netns add "zti-probe-$$" 2>/dev/null; then
    echo "SKIPPED: needs root and network namespaces: this test did NOT run"
    exit 77
  fi
  ip netns del "zti-probe-$$"
  [ -c /dev/net/tun ] || { echo "SKIPPED: no /dev/net/tun for ZeroTier One's tap: this test did NOT run"; exit 77; }
}

NS_PREFIX=zti$$
NS_LIST=()
ZT1_HOMES=()

# netns_hub: a bridge in a namespace of its own; hosts plug into it with netns_host.
netns_hub() {
  ip netns add "${NS_PREFIX}hub"
  NS_LIST+=("${NS_PREFIX}hub")
  ip -n "${NS_PREFIX}hub" link add br0 type bridge
  ip -n "${NS_PREFIX}hub" link set br0 up
}

# netns_host NAME IP: a namespace NAME with IP/24 on a veth into the hub; prints its name.
netns_host() {
  local name=$NS_PREFIX$1 ip=$2
  ip netns add "$name"
  NS_LIST+=("$name")
  ip link add "v$$$1" type veth peer name "h$$$1"
  ip link set "v$$$1" netns "$name"
  ip link set "h$$$1" netns "${NS_PREFIX}hub"
  ip -n "${NS_PREFIX}hub" link set "h$$$1" master br0 up
  ip -n "$name" addr add "$ip/24" dev "v$$$1"
  ip -n "$name" link set "v$$$1" up
  ip -n "$name" link set lo up
}
ns() { echo "$NS_PREFIX$1"; }

# zt1_home NAME: a ZeroTier One home with a fresh identity, the planet and a local.conf
# without secondary ports, port mapping or the TCP relay.
zt1_home() {
  local home=$TMP/zt1-$1
  mkdir -p "$home"
  "$ZT1_DIR/zerotier-idtool" generate "$home/identity.secret" "$home/identity.public" >/dev/null
  echo '{"settings":{"allowSecondaryPort":false,"portMappingEnabled":false,"allowTcpFallbackRelay":false}}' \
    > "$home/local.conf"
  ZT1_HOMES+=("$home")
  echo "$home"
}

# zt1_start NAME: runs ZeroTier One of home NAME in namespace NAME (daemonized). Without
# meson's MALLOC_PERTURB_: with it, ZeroTier One 1.14.1 members stop answering our frames
# (fresh allocations filled with a pattern; reproduced with MALLOC_PERTURB_=49 on ZeroTier One
# alone, while our nodes, curl and python3 keep it).
zt1_start() {
  local home=$TMP/zt1-$1
  cp "$ZT_PLANET" "$home/planet"
  ip netns exec "$(ns "$1")" env -u MALLOC_PERTURB_ "$ZT1" -d "$home"
  wait_for 20 test -s "$home/zerotier-one.pid" || fail "ZeroTier One $1 did not start"
}
zt1_cli() { local n=$1; shift; ip netns exec "$(ns "$n")" "$ZT1_CLI" -D"$TMP/zt1-$n" "$@"; }
zt1_address() { cut -d: -f1 "$TMP/zt1-$1/identity.public"; }
# zt1_api NAME METHOD PATH [JSON]: ZeroTier One's local API (controller paths) in its namespace.
zt1_api() {
  local n=$1 method=$2 path=$3
  ip netns exec "$(ns "$n")" curl -sS --max-time 10 -X "$method" -H "X-ZT1-Auth: $(cat "$TMP/zt1-$n/authtoken.secret")" \
    ${4:+-d "$4"} "http://127.0.0.1:9993$path"
}
# zt1_dev NAME: the tap ZeroTier One made in namespace NAME.
zt1_dev() { ip -n "$(ns "$1")" -o link | grep -o 'zt[a-z0-9]*' | head -n 1; }
# zt1_ip NAME: its first IPv4 address on the tap.
zt1_ip() { ip -n "$(ns "$1")" -o -4 addr show dev "$(zt1_dev "$1")" 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n 1; }

# start_our_controller NAME HOME PLANET: our ztroot --controller (root and controller in one
# process) in namespace NAME, API on 127.0.0.1:9993 there; our_api NAME HOME METHOD PATH [JSON]
# calls its controller API.
start_our_controller() {
  local n=$1 home=$2 planet=$3
  ip netns exec "$(ns "$n")" "$BUILD/tools/ztroot/ztroot" --home "$home" --port 9993 --planet "$planet" \
    --controller --api-port 9993 >"$home/stdout" 2>&1 &
  BG_PIDS+=($!)
  wait_for 10 grep -q "controller API on" "$home/stdout" || fail "ztroot --controller did not start: $(cat "$home/stdout")"
}
# our_network NAME HOME ROOT_IP LABEL PREFIX: a planet naming HOME's identity at ROOT_IP/9993,
# our root+controller from HOME in namespace NAME, and a private network LABEL assigning from
# PREFIX.0/24 with its route. Sets OUR_PLANET, OUR_CTL and OUR_NW (not for $(...)).
our_network() {
  local n=$1 home=$2 ip=$3 label=$4 prefix=$5
  mkdir -p "$home"
  OUR_PLANET=$(make_planet "$label" "$home" "$ip/9993")
  start_our_controller "$n" "$home" "$OUR_PLANET"
  OUR_CTL=$(cut -d: -f1 "$home/identity.public")
  OUR_NW=$(our_api "$n" "$home" POST "/network/${OUR_CTL}______" "{\"name\":\"$label\",\"private\":true,
    \"v4AssignMode\":{\"zt\":true},\"ipAssignmentPools\":[{\"ipRangeStart\":\"$prefix.1\",\"ipRangeEnd\":\"$prefix.254\"}],
    \"routes\":[{\"target\":\"$prefix.0/24\",\"via\":null}]}" | json_get 's["id"]')
}
our_api() {
  local n=$1 home=$2 method=$3 path=$4
  ip netns exec "$(ns "$n")" curl -sS --max-time 10 -X "$method" -H "X-ZT1-Auth: $(cat "$home/authtoken.secret")" \
    ${5:+-d "$5"} "http://127.0.0.1:9993/controller$path"
}

# Runs from the EXIT trap: nothing in it may stop it (errexit is off), and every process in our
# namespaces must go, or meson waits on the output they hold open.
zt1_cleanup() {
  set +e
  local h n
  for h in "${ZT1_HOMES[@]}"; do
    [ -s "$h/zerotier-one.pid" ] && kill "$(cat "$h/zerotier-one.pid")" 2>/dev/null
  done
  sleep 0.5
  for n in "${NS_LIST[@]}"; do ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null; done
  for n in "${NS_LIST[@]}"; do ip netns del "$n" 2>/dev/null; done
  return 0
}

# Helpers for the tests of networks run by our controller (sourced after lib.sh): a private
# planet with one root (ztroot) and a controller (ztcontroller) on loopback, the controller's
# HTTP API through curl, and members that join with ztrun -n (no static configuration).
#
#   start_infra                  root + controller; sets ZT_PLANET, CTL (address), API, TOKEN
#                                (the root's endpoint in the planet: $ROOT_IP, default 127.0.0.1;
#                                both run under the command prefix INFRA_EXEC, e.g. ip netns exec)
#   api METHOD PATH [JSON]       the controller API (PATH after /controller); prints the body
#   new_network JSON             creates a network under the controller; prints its id
#   authorize NWID NAME [BOOL]   POST .../member/<address of NAME> {"authorized": BOOL}
#   member NAME PORT             a home with a fresh identity, UDP port PORT, nothing else
#   net_json NAME NWID           the node's view of the network (ztstatus network NWID)
#   ip_of NAME NWID [4|6]        its first assigned address of that family (no prefix length)

INFRA_EXEC=()
CTL_ARGS=()   # more ztcontroller options (names.sh: --dns)

start_infra() {
  PR=$((20000 + RANDOM % 20000)); PC=$((PR + 1)); API=$((PR + 2))
  ZT_PLANET=$(make_planet infra "$TMP/root" "${ROOT_IP:-127.0.0.1}/$PR")
  export ZT_PLANET
  start_root "$TMP/root" "$PR" "$ZT_PLANET" "${INFRA_EXEC[@]}"
  mkdir -p "$TMP/ctl"; chmod 700 "$TMP/ctl"
  "${INFRA_EXEC[@]}" "$BUILD/tools/ztcontroller/ztcontroller" --home "$TMP/ctl" --port "$PC" --planet "$ZT_PLANET" \
    --api-port "$API" --log-level debug "${CTL_ARGS[@]}" >"$TMP/ctl/stdout" 2>&1 &
  BG_PIDS+=($!)
  wait_for 10 grep -q "controller API on" "$TMP/ctl/stdout" || fail "ztcontroller did not start: $(cat "$TMP/ctl/stdout")"
  CTL=$(cut -d: -f1 "$TMP/ctl/identity.public")
  TOKEN=$(cat "$TMP/ctl/authtoken.secret")
}

api() {
  local method=$1 path=$2; shift 2
  "${INFRA_EXEC[@]}" curl -sS --max-time 10 -X "$method" -H "X-ZT1-Auth: $TOKEN" ${1:+-d "$1"} \
    "http://127.0.0.1:$API/controller$path"
}

new_network() { api POST "/network/${CTL}______" "$1" | json_get 's["id"]'; }

authorize() {
  local nwid=$1 name=$2 on=${3:-true}
  api POST "/network/$nwid/member/$(address_of "$name")" "{\"authorized\": $on}" >/dev/null
}

member() {
  local name=$1 port=$2
  make_home "$name" >/dev/null
  printf 'port = %s\nlinger = %s\n' "$port" "${LINGER:-60}" > "$(home_of "$name")/ztintercept.conf"
}

net_json() { "$BUILD/tools/ztstatus/ztstatus" -H "$(home_of "$1")" network "$2"; }

ip_of() {
  local fam=${3:-4}
  net_json "$1" "$2" | json_get "[a.split('/')[0] for a in s['assignedAddresses'] if (':' in a) == ($fam == 6)][0]"
}

# run_in NAME NWID cmd...: runs cmd under ztrun on NWID in NAME's home.
run_in() {
  local name=$1 nwid=$2; shift 2
  "$BUILD/tools/ztrun/ztrun" -H "$(home_of "$name")" -n "$nwid" --wait "${WAIT:-30}" -- "$@"
}

# serve_in NAME NWID PORT DIR [BIND]: python3 -m http.server on the virtual network, in the
# background (BIND :: for IPv6).
serve_in() {
  local name=$1 nwid=$2 port=$3 dir=$4 bind=${5:-0.0.0.0}
  (cd "$dir" && exec "$BUILD/tools/ztrun/ztrun" -H "$(home_of "$name")" -n "$nwid" --wait 30 -q -- \
     python3 -m http.server --bind "$bind" "$port") >"$TMP/http-$name.log" 2>&1 &
  BG_PIDS+=($!)
}

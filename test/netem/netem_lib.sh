# Helpers for the netem integration tests (sourced after ../integration/lib.sh).
#
# private_netns "$@": re-executes the calling script in a network namespace of its own with
# only loopback (unshare -n as root, unshare -rn otherwise), so that the nodes have no other
# interface to advertise and every datagram between them crosses the relay. Exits 77 when
# no namespace can be made. Call it before sourcing lib.sh.
private_netns() {
  if [ -z "${ZT_NETEM_NETNS:-}" ]; then
    local how=(-n)
    [ "$(id -u)" = 0 ] || how=(-r -n)
    if unshare "${how[@]}" true 2>/dev/null; then
      ZT_NETEM_NETNS=1 exec unshare "${how[@]}" -- "$0" "$@"
    fi
    echo "SKIP: cannot make a private network namespace (unshare ${how[*]})"
    exit 77
  fi
  ip link set lo up
}

RELAY_BIN=${ZT_NETEM_RELAY:-${ZT_BUILD:?}/test/netem/udp_relay}

# start_relay NAME LISTEN_PORT UPSTREAM_PORT TARGET_PORT [relay options...]: a udp_relay on
# loopback in the background; returns once both its sockets are bound. Its pid is in
# RELAY_PID_<NAME>, its output in $TMP/relay-NAME.out.
start_relay() {
  local name=$1 listen=$2 up=$3 target=$4; shift 4
  local ports=$TMP/relay-$name.ports
  "$RELAY_BIN" --listen "127.0.0.1:$listen" --upstream-port "$up" --target "127.0.0.1:$target" \
    --port-file "$ports" "$@" >"$TMP/relay-$name.out" 2>&1 &
  BG_PIDS+=($!)
  printf -v "RELAY_PID_$name" %s $!
  wait_for 5 test -s "$ports" || fail "relay $name did not start: $(cat "$TMP/relay-$name.out")"
}

# stop_relay NAME: stops it (SIGTERM) and prints its counters line. Called as $(stop_relay ..),
# the subshell cannot wait for the relay (not its child): it waits for the line instead.
stop_relay() {
  local var=RELAY_PID_$1
  kill -TERM "${!var}" 2>/dev/null || true
  wait "${!var}" 2>/dev/null || true
  wait_for 10 grep -q "_rx=" "$TMP/relay-$1.out" || true
  grep "_rx=" "$TMP/relay-$1.out" | tail -n 1
}

# relay_counter LINE KEY: one value out of a counters line.
relay_counter() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# now_s: a timestamp in seconds with milliseconds, for measured times.
now_s() { date +%s.%N | cut -c1-14; }

# Helpers for the real-program tests (sourced): the integration helpers, plus a two-node
# network on loopback with static peers. After `two_nodes`, home "a" is the client side
# (10.147.17.1) and home "b" the server side (10.147.17.2).
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

NWID=c41b8868ac000001
A_IP=10.147.17.1
B_IP=10.147.17.2

# A port base unique enough for parallel runs of different tests on one machine.
PBASE=$((20000 + RANDOM % 20000))

two_nodes() {
  make_home a >/dev/null; make_home b >/dev/null
  configure a $PBASE $NWID $A_IP/24 "$(public_of b)@127.0.0.1/$((PBASE + 1))"
  configure b $((PBASE + 1)) $NWID $B_IP/24 "$(address_of a)@127.0.0.1/$PBASE"
}

sha() { sha256sum < "$1" | cut -d' ' -f1; }

# need PROGRAM...: exits 77 (skipped) when a program is missing.
need() {
  local p
  for p in "$@"; do
    command -v "$p" >/dev/null 2>&1 || { say "SKIP: $p not installed (scripts/install-deps.sh)"; exit 77; }
  done
}

# alive PID: the process exists and is not a zombie.
alive() { [ -d /proc/$1 ] && ! grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; }

# gone SECONDS PID...: waits until none of the processes is alive.
gone() {
  local secs=$1; shift
  local deadline=$((SECONDS + secs)) p
  for p in "$@"; do
    while alive "$p"; do
      [ $SECONDS -lt $deadline ] || return 1
      sleep 0.05
    done
  done
}

# node_alive NAME: the home's node runs.
node_alive() { [ -n "$(node_pids "$(home_of "$1")")" ]; }

# dump_logs: the nodes' and shims' logs, for a failure.
dump_logs() {
  local h f
  for h in "$TMP"/home-*; do
    for f in "$h"/ztnode.log "$h"/intercept.log; do
      [ -f "$f" ] && { say "--- $f"; tail -n 40 "$f"; }
    done
  done
  return 0
}

# node_gone NAME: no node serves the home.
node_gone() { [ -z "$(node_pids "$(home_of "$1")")" ]; }

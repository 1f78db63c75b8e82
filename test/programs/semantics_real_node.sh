#!/usr/bin/env bash
# The differential semantics program (test/intercept/semantics.cpp) through the shim against
# the real node: run plainly over kernel loopback, then under libztintercept.so with the node's
# own virtual address as target (its listeners, clients and UDP peers all in one process:
# the node's local splice for TCP, its own-address delivery for UDP), then with listeners on
# the wildcard address. Every run must print the same check lines as the kernel run.
#   semantics_real_node.sh SEMANTICS_BINARY
source "$(dirname "$0")/lib.sh"
sem=${1:?usage: semantics_real_node.sh SEMANTICS_BINARY}
two_nodes

lines() { grep -E '^(ok|FAIL|skip)' "$1" | sed -E 's/:.*//' | sort; }

# --foreign: an address that is not ours (TEST-NET-1 for the kernel; one of the virtual subnet).
"$sem" --target 127.0.0.1 --foreign 192.0.2.99 > "$TMP/kernel.out" 2>&1 || { cat "$TMP/kernel.out"; fail "semantics fails over the kernel"; }
"$sem" --target 127.0.0.1 --bind 0.0.0.0 --foreign 192.0.2.99 > "$TMP/kernel-any.out" 2>&1 || { cat "$TMP/kernel-any.out"; fail "semantics fails over the kernel (wildcard)"; }

run() {  # run NAME ARGS...: under the shim in home a; same lines as the kernel run
  local name=$1 ref=$2; shift 2
  if ! ZT_LOG_LEVEL=debug in_home a timeout 60 "$sem" "$@" > "$TMP/$name.out" 2>&1; then
    cat "$TMP/$name.out"; dump_logs; fail "$name: semantics failed through the shim"
  fi
  if ! diff <(lines "$ref") <(lines "$TMP/$name.out") > "$TMP/$name.diff"; then
    cat "$TMP/$name.diff"; fail "$name: the checks differ from the kernel run"
  fi
  say "ok: $name: $(grep -c '^ok' "$TMP/$name.out") checks as over the kernel"
}
run virtual-target "$TMP/kernel.out" --target $A_IP --foreign 10.147.17.99
run wildcard-bind "$TMP/kernel-any.out" --target $A_IP --bind 0.0.0.0 --foreign 10.147.17.99

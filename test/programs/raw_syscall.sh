#!/usr/bin/env bash
# Socket calls made only through libc's syscall() (raw_syscall.cpp): every check over kernel
# loopback, then under the shim with node A's own virtual address (its own-address delivery for
# UDP, its local splice for TCP). Both runs must pass the same checks.
#   raw_syscall.sh RAW_SYSCALL_BINARY
source "$(dirname "$0")/lib.sh"
prog=${1:?usage: raw_syscall.sh RAW_SYSCALL_BINARY}
two_nodes

lines() { grep -E '^(ok|FAIL)' "$1" | sed -E 's/:.*//'; }

"$prog" 127.0.0.1 > "$TMP/kernel.out" 2>&1 || { cat "$TMP/kernel.out"; fail "raw_syscall fails over the kernel"; }
if ! ZT_LOG_LEVEL=debug in_home a timeout 60 "$prog" $A_IP > "$TMP/shim.out" 2>&1; then
  cat "$TMP/shim.out"; dump_logs; fail "raw_syscall failed through the shim"
fi
diff <(lines "$TMP/kernel.out") <(lines "$TMP/shim.out") || fail "the checks differ from the kernel run"
say "ok: $(grep -c '^ok' "$TMP/shim.out") checks through syscall() on virtual sockets, as over the kernel"

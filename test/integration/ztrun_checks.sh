#!/usr/bin/env bash
# ztrun warns, on its own stderr, about programs LD_PRELOAD cannot wrap: a statically linked
# ELF (Debian's ldconfig is static-pie) and a set-user-ID program owned by someone else. A
# dynamic program runs without a word, and exit codes pass through. Then ztrun's own exit codes,
# its progress (plain lines, or one line on a terminal) and -v.
source "$(dirname "$0")/lib.sh"
ZTRUN=$BUILD/tools/ztrun/ztrun
H=$TMP/home-run

err=$("$ZTRUN" -H "$H" -- /sbin/ldconfig -p 2>&1 >/dev/null) || fail "ldconfig -p failed under ztrun"
case $err in *"/sbin/ldconfig is statically linked"*) ;; *) fail "no warning for a static program: '$err'" ;; esac
say "ok: a statically linked program is named as unwrappable"

err=$("$ZTRUN" -H "$H" -- true 2>&1) || fail "true failed under ztrun"
[ -z "$err" ] || fail "ztrun printed something for a dynamic program: '$err'"
set +e; "$ZTRUN" -H "$H" -- sh -c 'exit 7'; rc=$?; set -e
[ "$rc" = 7 ] || fail "exit code $rc, want 7"
say "ok: a dynamic program runs silently; its exit code passes through"

if [ "$(id -u)" = 0 ]; then
  cp /bin/true "$TMP/suid-true"; chown nobody "$TMP/suid-true"; chmod u+s "$TMP/suid-true"
  err=$("$ZTRUN" -H "$H" -- "$TMP/suid-true" 2>&1) || fail "the set-user-ID program failed"
  case $err in *"set-user-ID"*) ;; *) fail "no warning for a set-user-ID program: '$err'" ;; esac
  say "ok: a set-user-ID program owned by another user is named as unwrappable"
else
  say "note: not root, the set-user-ID case is not staged"
fi

# Exit codes (ztrun --help and ztrun.1 list them): 2 for bad usage, 127 and 126 for a program that
# cannot run (before any node starts), 1 for a network that does not come up.
code() { set +e; "$@" >/dev/null 2>&1; echo $?; set -e; }
help=$("$ZTRUN" --help) && grep -q "^Exit status" <<<"$help" || fail "--help does not list the exit codes"
[ "$(code "$ZTRUN" --help)" = 0 ] || fail "--help did not exit 0"
for args in "--bogus true" "-H $H" "-n 8056c2e2 -- true" "-q -v true" "--wait x true" "--wait"; do
  # shellcheck disable=SC2086
  rc=$(code "$ZTRUN" $args); [ "$rc" = 2 ] || fail "ztrun $args: exit $rc, want 2"
done
rc=$(code "$ZTRUN" -H "$H" -- no-such-program-zti); [ "$rc" = 127 ] || fail "a missing program: exit $rc, want 127"
rc=$(code "$ZTRUN" -H "$H" -- "$TMP/nope/prog"); [ "$rc" = 127 ] || fail "a missing path: exit $rc, want 127"
printf '#!/bin/sh\n' > "$TMP/not-executable"; chmod 644 "$TMP/not-executable"
rc=$(code "$ZTRUN" -H "$H" -- "$TMP/not-executable"); [ "$rc" = 126 ] || fail "a file without x: exit $rc, want 126"
[ -z "$(node_pids "$H")" ] || fail "ztrun started a node for a program that cannot run"
say "ok: exit codes 2 (usage), 127 (not found), 126 (not executable), before any node starts"

# A network that never comes up (no planet, so no controller answers): exit 1 after --wait, with a
# line per change once a second has passed, since stderr is no terminal here.
HN=$TMP/home-wait; mkdir -p "$HN"; printf 'port = 0\nlinger = 60\n' > "$HN/ztintercept.conf"
set +e; err=$("$ZTRUN" -H "$HN" -n 8056c2e21c000001 --wait 2 -- true 2>&1); rc=$?; set -e
[ "$rc" = 1 ] || fail "a network that does not come up: exit $rc, want 1 ($err)"
grep -q "^ztrun: network 8056c2e21c000001: REQUESTING_CONFIGURATION (no configuration yet from controller 8056c2e21c)$" <<<"$err" \
  || fail "no state line when stderr is not a terminal: '$err'"
grep -q "^ztrun: network 8056c2e21c000001 did not come up within 2 s: REQUESTING_CONFIGURATION" <<<"$err" \
  || fail "no failure line: '$err'"
case $err in *$'\r'*) fail "carriage returns when stderr is not a terminal" ;; esac
say "ok: not up within --wait: exit 1; not a terminal: plain lines ($(tail -n 1 <<<"$err"))"

# On a terminal (script gives ztrun a pty): one line rewritten in place while it waits.
tty_out=$(LC_ALL=C.UTF-8 script -qec "'$ZTRUN' -H '$HN' -n 8056c2e21c000001 --wait 2 -- true" /dev/null) && rc=0 || rc=$?
[ "$rc" = 1 ] || fail "on a terminal: exit $rc, want 1"
ell=$'\xe2\x80\xa6'  # U+2026 in UTF-8
grep -qF $'\rztrun: ' <<<"$tty_out" && grep -qF "joining 8056c2e21c000001$ell requesting configuration$ell"$'\e[K' <<<"$tty_out" \
  || fail "no progress line on a terminal: $(printf '%q' "$tty_out")"
grep -q "did not come up within 2 s" <<<"$tty_out" || fail "no failure line on a terminal"
say "ok: on a terminal: 'joining 8056c2e21c000001… requesting configuration…' on one line"

# -v tells every step, timed; a network that is up at once says nothing, on a terminal too (the
# node runs by then: starting one may take over 250 ms on a busy machine).
HS=$TMP/home-static; mkdir -p "$HS"; printf 'port = 0\nlinger = 60\n' > "$HS/ztintercept.conf"
err=$("$ZTRUN" -v -H "$HS" -n c41b8868ac000001=10.147.17.1/24 -- true 2>&1) || fail "-v failed: $err"
for want in "library $LIB, node $NODE" "no node serves the home: starting $NODE" \
            "node $(cut -d: -f1 < "$HS/identity.public") on UDP port" \
            "network c41b8868ac000001: OK 10.147.17.1/24" "running [^ ]*/true with ZT_ROUTES=10.147.17.1/24"; do
  grep -qE "^ztrun: \[\+[0-9]+\.[0-9]{3}s\] .*$want" <<<"$err" || fail "-v lacks '$want': $err"
done
tty_out=$(LC_ALL=C.UTF-8 script -qec "'$ZTRUN' -H '$HS' -n c41b8868ac000001=10.147.17.1/24 -- true" /dev/null) \
  || fail "a static network failed on a terminal"
[ -z "$tty_out" ] || fail "ztrun printed something for a network up at once: $(printf '%q' "$tty_out")"
say "ok: -v shows library, node start, address, state and program with times; quiet when up at once"

#!/usr/bin/env bash
# ztrun warns, on its own stderr, about programs LD_PRELOAD cannot wrap: a statically linked
# ELF (Debian's ldconfig is static-pie) and a set-user-ID program owned by someone else. A
# dynamic program runs without a word, and exit codes pass through.
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

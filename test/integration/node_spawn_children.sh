#!/usr/bin/env bash
# The node a program starts is never a child the program can see (issue 8). Each case starts
# from a home whose node is not running, with a static network (own address 10.147.17.1):
#   1. wait_children (test/intercept) connects to 10.147.17.9, so the shim starts the node; it
#      forks a child that exits with 7 and wait() must return that child and 7, with exactly one
#      SIGCHLD, and a second wait() must fail with ECHILD at once.
#   2. bash starts the node itself (a /dev/tcp redirection on a builtin), then `(exit 7) & wait $!`
#      must give 7, `sleep 0.2 & wait` must return 0 promptly, its CHLD trap must run once for
#      each child it started, and neither `jobs -p` nor the kernel's list of the shell's children
#      may name anything the shell did not start.
#   3. ztrun, itself a child subreaper, starts the node; the program it becomes has no child.
# (An app that is itself a child subreaper or pid 1 gets the daemon as its child when the shim
# starts the node: a documented limit, docs/ARCHITECTURE.md "The node's life".)
source "$(dirname "$0")/lib.sh"
PROG=${1:?usage: node_spawn_children.sh path/to/wait_children}
ZTRUN=$BUILD/tools/ztrun/ztrun
NWID=c41b8868ac000001
SELF=10.147.17.1
PBASE=$((20000 + RANDOM % 20000))
homes=0

# fresh_home NAME: a home with the static network on a port of its own, and no node.
fresh_home() {
  make_home "$1" >/dev/null
  configure "$1" $((PBASE + homes)) $NWID $SELF/24
  homes=$((homes + 1))
  [ -z "$(node_pids "$(home_of "$1")")" ] || fail "a node already serves $1"
}

# node_serves NAME: a node runs for the home and answers on its status socket.
node_serves() { [ -n "$(node_pids "$(home_of "$1")")" ] && status_json "$1" >/dev/null 2>&1; }

show_logs() {
  local f
  for f in "$(home_of "$1")"/intercept.log "$(home_of "$1")"/ztnode.stderr; do
    [ -s "$f" ] && { say "--- $f"; tail -n 20 "$f"; }
  done
  return 0
}

# 1. A C program that forks and waits.
fresh_home c
out=$TMP/c.out
if ! ZT_LOG_LEVEL=debug in_home c timeout 60 "$PROG" 10.147.17.9 80 >"$out" 2>&1; then
  cat "$out"; show_logs c; fail "wait_children"
fi
cat "$out"
node_serves c || { show_logs c; fail "wait_children did not start the node"; }
grep -q "spawned" "$(home_of c)/intercept.log" || fail "no spawn in the shim's log"
say "ok: the program started the node and waited for its own child only"

# 2. A shell that starts the node, then runs jobs and waits.
fresh_home sh
out=$TMP/sh.out
# shellcheck disable=SC2016  # expanded by the inner bash
script='
  chld=0; trap "chld=\$((chld + 1))" CHLD
  { : 3<>/dev/tcp/'$SELF'/9; } 2>/dev/null  # refused by the node, which this shell starts
  echo "shell=$$"
  read -r kids < /proc/$$/task/$$/children || true
  echo "children=[$kids]"
  sleep 0.3; echo "chld_spawn=$chld"
  (exit 7) & wait $!; echo "job=$?"
  t0=${EPOCHREALTIME/./}
  sleep 0.2 & wait; rc=$?
  echo "plain=$rc ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))"
  wait; echo "again=$?"
  echo "chld=$chld"
  echo "jobs=[$(jobs -p)]"
  read -r kids < /proc/$$/task/$$/children || true
  echo "children_after=[$kids]"'
ZT_LOG_LEVEL=debug in_home sh timeout 60 bash -c "$script" >"$out" 2>&1 || { cat "$out"; fail "the shell failed"; }
cat "$out"
node_serves sh || { show_logs sh; fail "the shell did not start the node"; }
shell_pid=$(sed -n 's/^shell=//p' "$out")
grep -q "^$shell_pid .*spawned" "$(home_of sh)/intercept.log" || { show_logs sh; fail "the node was not started by the shell itself"; }
grep -qx "children=\[\]" "$out" || fail "the shell has a child it did not start"
grep -qx "chld_spawn=1" "$out" || fail "the CHLD trap ran for something else than the shell's sleep"
grep -qx "job=7" "$out" || fail "wait \$! did not give the job's status 7"
grep -q "^plain=0 " "$out" || fail "a plain wait did not return 0"
ms=$(sed -n 's/^plain=0 ms=//p' "$out")
[ "$ms" -lt 2000 ] || fail "a plain wait took $ms ms for a 0.2 s job"
grep -qx "again=0" "$out" || fail "a wait with no jobs left did not return 0"
grep -qx "chld=3" "$out" || fail "the CHLD trap did not run exactly once for each of the shell's 3 children"
grep -qx "jobs=\[\]" "$out" || fail "jobs -p names a process after every job ended"
grep -qx "children_after=\[\]" "$out" || fail "the shell has a child it did not start"
say "ok: a shell that started the node waits for its own jobs only"

# 3. ztrun, a child subreaper (the flag survives exec), starts the node and becomes the program.
fresh_home run
out=$TMP/run.out
if ! ZT_HOME=$(home_of run) timeout 60 "$PROG" --subreaper-exec "$ZTRUN" -H "$(home_of run)" -q \
      -n $NWID=$SELF/24 -- "$PROG" 10.147.17.9 80 >"$out" 2>&1; then
  cat "$out"; show_logs run; fail "wait_children under ztrun"
fi
cat "$out"
grep -q "a child subreaper" "$out" || fail "the program under ztrun is not a child subreaper"
node_serves run || fail "ztrun did not start the node"
say "ok: ztrun as a child subreaper: the program it runs has no child it did not start"

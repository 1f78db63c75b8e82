#!/usr/bin/env bash
# Process models and event loops on virtual sockets (interposition-anchors §4.2), with
# py_processes.py: prefork workers accepting on one listener, a daemon that closes every fd
# (loop and close_range) before using the network, exec of a child that inherits a connected
# socket, SCM_RIGHTS of a connected socket and of a listener, epoll EPOLLET/EPOLLONESHOT,
# select/poll over kernel and virtual fds at once.
source "$(dirname "$0")/lib.sh"
need python3
py=$(cd "$(dirname "$0")" && pwd)/py_processes.py
two_nodes
PORT=$((4000 + RANDOM % 500))
ECHO=$PORT PREFORK=$((PORT + 1)) SCM=$((PORT + 2))

background b python3 -u "$py" echo-server 0.0.0.0 $ECHO > "$TMP/echo.log" 2>&1
background b python3 -u "$py" prefork-server 0.0.0.0 $PREFORK 4 > "$TMP/prefork.log" 2>&1
prefork_pid=${BG_PIDS[-1]}
wait_for 30 grep -q listening "$TMP/echo.log" || fail "echo server did not start"
wait_for 30 grep -q listening "$TMP/prefork.log" || fail "prefork server did not start"
workers=$(sed -n 's/^listening //p' "$TMP/prefork.log")
BG_PIDS+=($workers)  # stopped on exit even when a check fails

client() { in_home a timeout 60 python3 "$py" "$@" || { dump_logs; fail "$1"; }; }

client prefork-client $B_IP $PREFORK 40
client exec-client $B_IP $ECHO
client scm-client $B_IP $ECHO
client epoll-client $B_IP $ECHO
client select-client $B_IP $ECHO $A_IP

# The daemon reports through a file (its stdout is gone); the launcher exits at once.
client daemon-client $B_IP $ECHO "$TMP/daemon.out"
wait_for 30 test -f "$TMP/daemon.out" || fail "the daemon never reported"
cat "$TMP/daemon.out"
grep -q '^ok daemon' "$TMP/daemon.out" || fail "daemon"

# Socket activation: the listener reaches the service process only by SCM_RIGHTS.
background b python3 -u "$py" scm-listener 0.0.0.0 $SCM > "$TMP/scm.log" 2>&1
scm_pid=${BG_PIDS[-1]}
wait_for 30 grep -q listening "$TMP/scm.log" || fail "scm-listener did not start"
head -c 1000000 /dev/urandom > "$TMP/blob"
in_home a timeout 30 python3 -c "
import socket, sys, threading
d = open('$TMP/blob', 'rb').read()
s = socket.create_connection(('$B_IP', $SCM), timeout=10)
def send():
    s.sendall(d)
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send); t.start()
got = b''
while (c := s.recv(65536)): got += c
t.join()
sys.exit(0 if got == d else 'echo differs')" || { cat "$TMP/scm.log"; fail "scm listener"; }
wait $scm_pid || fail "the service that got the listener failed"
say "ok scm_rights: a listener passed to another process accepts there"

# Stop the prefork server and its workers by pid.
kill $prefork_pid $workers; gone 10 $prefork_pid $workers || fail "prefork workers left"
say "ok: all processes cases"

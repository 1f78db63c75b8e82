#!/usr/bin/env bash
# nginx as users run it: `master_process on; worker_processes 2; daemon on;` started as root
# (workers drop to `nobody` after the listener is bound), `sendfile on`. The master daemonizes
# after binding; the node must outlive the process that started it. Checks: a 50 MB file by
# curl (sha256), wrk and 10 parallel curls all correct, a binary upgrade (SIGUSR2 + SIGQUIT),
# `nginx -s stop` leaves no process, and the node, with nothing left to serve, exits.
#
#   [curl, wrk]--[node A]  ==UDP/loopback==  [node B]--[nginx master + 2 workers :8080]
source "$(dirname "$0")/lib.sh"
need nginx curl
two_nodes
LINGER=2 configure b $((PBASE + 1)) $NWID $B_IP/24 "$(address_of a)@127.0.0.1/$PBASE"
PORT=$((8000 + RANDOM % 1000))

# Workers run as nobody: they must be able to read the files.
chmod 755 "$TMP"
www=$TMP/www; mkdir -p "$www"; chmod 755 "$www"
head -c 50000000 /dev/urandom > "$www/big.bin"
head -c 4000000 /dev/urandom > "$www/mid.bin"
echo hello > "$www/index.html"
chmod 644 "$www"/*

conf=$TMP/nginx.conf
cat > "$conf" <<EOC
master_process on;
worker_processes 2;
daemon on;
pid $TMP/nginx.pid;
error_log $TMP/error.log info;
events { worker_connections 512; }
http {
  access_log $TMP/access.log;
  sendfile on;
  keepalive_timeout 5;
  client_body_temp_path $TMP/cbt; proxy_temp_path $TMP/pt; fastcgi_temp_path $TMP/ft;
  uwsgi_temp_path $TMP/ut; scgi_temp_path $TMP/st;
  server { listen $PORT; root $www; }
}
EOC

on_fail() { say "--- nginx error.log"; tail -n 30 "$TMP/error.log" 2>/dev/null; dump_logs; }
trap 'rc=$?; [ $rc = 0 ] || on_fail; cleanup' EXIT

# By its full path: the binary upgrade below re-executes argv[0].
in_home b "$(command -v nginx)" -c "$conf" -e "$TMP/error.log" || fail "nginx did not start"
master=$(cat "$TMP/nginx.pid")
BG_PIDS+=("$master")
children_are() { [ "$(pgrep -P "$1" | wc -l)" = "$2" ]; }
wait_for 15 children_are "$master" 2 || fail "expected 2 workers, got '$(pgrep -P "$master" | tr '\n' ' ')'"
workers=$(pgrep -P "$master" | tr '\n' ' ')
say "ok: nginx daemonized: master $master, workers $workers"

url=http://$B_IP:$PORT
wait_for 30 in_home a curl -sf -o /dev/null --max-time 2 "$url/" || fail "nginx not reachable over the virtual network"
node_alive b || fail "node B died when nginx daemonized"
[ "$(in_home a curl -sS --max-time 5 "$url/")" = hello ] || fail "index.html"

t0=$(date +%s.%N)
in_home a curl -sS --max-time 120 -o "$TMP/got.bin" "$url/big.bin"
t1=$(date +%s.%N)
[ "$(sha "$TMP/got.bin")" = "$(sha "$www/big.bin")" ] || fail "50 MB: sha256 mismatch"
say "ok: 50 MB by sendfile, sha256 matches ($(python3 -c "print(f'{50/($t1-$t0):.0f} MB/s')"))"

# 10 curls at once, each with its own connection.
want=$(sha "$www/mid.bin")
pids=()
for i in $(seq 10); do
  in_home a curl -sS --max-time 60 -o "$TMP/par.$i" "$url/mid.bin" & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a parallel curl failed"; done
for i in $(seq 10); do [ "$(sha "$TMP/par.$i")" = "$want" ] || fail "parallel curl $i: sha256 mismatch"; done
say "ok: 10 parallel curls of 4 MB, all sha256 match"

if command -v wrk >/dev/null; then
  in_home a wrk -t2 -c20 -d3s "$url/index.html" > "$TMP/wrk.out" 2>&1 || { cat "$TMP/wrk.out"; fail "wrk failed"; }
  grep -q -e 'Socket errors' -e 'Non-2xx' "$TMP/wrk.out" && { cat "$TMP/wrk.out"; fail "wrk saw errors"; }
  reqs=$(awk '/^Requests\/sec/ {print $2}' "$TMP/wrk.out")
  total=$(awk '/requests in/ {print $1}' "$TMP/wrk.out")
  [ "${total:-0}" -gt 100 ] || { cat "$TMP/wrk.out"; fail "wrk: only ${total:-0} requests"; }
  say "ok: wrk -t2 -c20 3 s: $total requests, $reqs req/s, no errors"
fi
grep -q ' 200 ' "$TMP/access.log" || fail "access.log has no 200"

# Binary upgrade (SIGUSR2): the master execs a new nginx with the listener inherited (fd number
# in $NGINX) and an environment of its own making, without LD_PRELOAD or ZT_HOME; the shim puts
# them back, the new master recognises the inherited listener. Then SIGQUIT ends the old one.
kill -USR2 "$master"
wait_for 15 test -f "$TMP/nginx.pid.oldbin" || fail "no binary upgrade"
new_pid() { local p; p=$(cat "$TMP/nginx.pid" 2>/dev/null) && [ -n "$p" ] && [ "$p" != "$master" ]; }
wait_for 15 new_pid || fail "no new master after SIGUSR2"
new_master=$(cat "$TMP/nginx.pid")
BG_PIDS+=("$new_master")
wait_for 15 children_are "$new_master" 2 || { tail "$TMP/error.log"; fail "the new master has no workers"; }
kill -QUIT "$master"
gone 15 "$master" $workers || fail "the old master and its workers did not exit"
for i in 1 2 3 4; do
  [ "$(in_home a curl -sS --max-time 5 "$url/")" = hello ] || { tail "$TMP/error.log"; fail "after the upgrade"; }
done
in_home a curl -sS --max-time 60 -o "$TMP/got.bin" "$url/mid.bin"
[ "$(sha "$TMP/got.bin")" = "$want" ] || fail "after the upgrade: sha256 mismatch"
grep -q 'emerg\|alert' "$TMP/error.log" && { grep 'emerg\|alert' "$TMP/error.log"; fail "errors in the log"; }
say "ok: binary upgrade (USR2, then QUIT to the old master): new master $new_master serves"
master=$new_master
workers=$(pgrep -P "$master" | tr '\n' ' ')

in_home b nginx -c "$conf" -s stop 2>/dev/null
gone 15 "$master" $workers || fail "nginx processes left after -s stop"
say "ok: nginx -s stop: master and workers gone"
# Nothing holds a virtual socket any more: the node exits after its linger.
wait_for 20 node_gone b \
  || fail "node B still running 20 s after nginx stopped"
say "ok: node B exited once nginx was gone"

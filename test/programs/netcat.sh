#!/usr/bin/env bash
# netcat-openbsd both ways with half-close (-N) and 10 MB transfers:
#  1. upload and download at once: `nc -N` client and `nc -l -N` server each send 10 MB and
#     shut down their write side at EOF (the server first); both receive everything and exit.
#  2. the same with the server in home A and the client in home B (the other direction).
#  3. half-close then reply: the server (socat) reads the client's 10 MB to EOF, only then
#     sends its reply; nc, whose write side is shut, still receives it all.
# Regression (3): nc's non-blocking connect is never confirmed by a second connect(); its
# shutdown(SHUT_WR) came while the carrier's buffer was full (no POLLOUT), so the shim took the
# socket for still connecting and answered ENOTCONN: no FIN, both sides hung.
source "$(dirname "$0")/lib.sh"
need nc
two_nodes
PORT=$((9000 + RANDOM % 500))

head -c 10000000 /dev/urandom > "$TMP/up.bin"
head -c 10000000 /dev/urandom > "$TMP/down.bin"

listening() {  # listening HOME PORT: the node has a listener for the port (its log says so)
  grep -q "tcp listen .*:$2 " "$(home_of "$1")/ztnode.log" 2>/dev/null
}

size_is() { [ "$(stat -c %s "$1" 2>/dev/null)" = "$2" ]; }

both_ways() {  # both_ways SERVER_HOME CLIENT_HOME SERVER_IP PORT
  local s=$1 c=$2 ip=$3 port=$4
  ZT_HOME=$(home_of $s) LD_PRELOAD=$LIB timeout 60 nc -l -N $ip $port < "$TMP/down.bin" > "$TMP/srv.out" &
  local spid=$!
  BG_PIDS+=($spid)
  wait_for 30 listening $s $port || fail "nc -l did not listen"
  # The client's input ends only once the whole download is in: `nc -l` quits at EOF from the
  # network even with input left to send (over the kernel too), so the upload must end last.
  rm -f "$TMP/cli.out"
  { cat "$TMP/up.bin"; wait_for 60 size_is "$TMP/cli.out" 10000000; } \
    | ZT_HOME=$(home_of $c) LD_PRELOAD=$LIB timeout 60 nc -N $ip $port > "$TMP/cli.out" \
    || fail "nc client $c -> $s failed or hung (status ${PIPESTATUS[*]}, got $(stat -c %s "$TMP/cli.out") bytes)"
  wait $spid || fail "nc server in $s failed or hung (status $?)"
  [ "$(sha "$TMP/srv.out")" = "$(sha "$TMP/up.bin")" ] || fail "$c -> $s: upload differs"
  [ "$(sha "$TMP/cli.out")" = "$(sha "$TMP/down.bin")" ] || fail "$s -> $c: download differs ($(stat -c %s "$TMP/cli.out") bytes)"
}

both_ways b a $B_IP $PORT
say "ok: nc -N A -> nc -l -N B: 10 MB each way at once, both exit, sha256 match"
both_ways a b $A_IP $((PORT + 1))
say "ok: nc -N B -> nc -l -N A: 10 MB each way at once, both exit, sha256 match"

# Half-close, then the reply: a server that reads to EOF and only then sends 10 MB (nc -l
# itself exits at EOF from the network, over the kernel too, so socat plays the server).
if command -v socat >/dev/null; then
  port=$((PORT + 2))
  ZT_HOME=$(home_of b) LD_PRELOAD=$LIB timeout 60 socat -t 30 TCP-LISTEN:$port,bind=$B_IP \
    SYSTEM:"cat > '$TMP/srv.out'; cat '$TMP/down.bin'" &
  spid=$!
  BG_PIDS+=($spid)
  wait_for 30 listening b $port || fail "socat did not listen"
  in_home a timeout 60 nc -N $B_IP $port < "$TMP/up.bin" > "$TMP/cli.out" || fail "nc client hung after its half-close"
  wait $spid || fail "socat server failed (status $?)"
  [ "$(sha "$TMP/srv.out")" = "$(sha "$TMP/up.bin")" ] || fail "half-close: upload differs"
  [ "$(sha "$TMP/cli.out")" = "$(sha "$TMP/down.bin")" ] || fail "half-close: reply after EOF differs"
  say "ok: nc -N half-closes after 10 MB; the 10 MB reply sent after EOF arrives whole"
fi

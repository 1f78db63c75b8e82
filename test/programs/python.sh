#!/usr/bin/env bash
# Python under the shim: an asyncio TCP echo server and 20 concurrent asyncio clients (1 MB
# each, uneven writes, half-close; sha256), and UDP sendto/recvfrom with source addresses,
# connected UDP and shutdown(SHUT_WR) (py_asyncio_echo.py, py_udp.py).
source "$(dirname "$0")/lib.sh"
need python3
here=$(cd "$(dirname "$0")" && pwd)
two_nodes
PORT=$((6500 + RANDOM % 400))

background b python3 -u "$here/py_asyncio_echo.py" server 0.0.0.0 $PORT > "$TMP/echo.log" 2>&1
wait_for 30 grep -q listening "$TMP/echo.log" || fail "asyncio server did not start"
in_home a timeout 150 python3 "$here/py_asyncio_echo.py" client $B_IP $PORT 20 1000000 \
  || { cat "$TMP/echo.log"; dump_logs; fail "asyncio clients"; }
[ "$(grep -c "served $A_IP" "$TMP/echo.log")" = 20 ] || fail "the server did not see 20 clients from $A_IP"
say "ok: asyncio echo: 20 concurrent clients x 1 MB, sha256 match, peers seen as $A_IP"

background b python3 -u "$here/py_udp.py" server $B_IP $PORT > "$TMP/udp.log" 2>&1
wait_for 30 grep -q listening "$TMP/udp.log" || fail "UDP server did not start"
in_home a timeout 60 python3 "$here/py_udp.py" client $B_IP $PORT $A_IP || { cat "$TMP/udp.log"; fail "UDP client"; }
# Datagrams up to 65400 bytes came in as up to 48 IP fragments each: the node put them back
# together itself (lwIP alone holds 10 fragments, ~13 KB).
reassembled=$(status_json b | json_get 's["stack"]["ipReassembled"]')
[ "$reassembled" -ge 5 ] || fail "node B reassembled $reassembled datagrams, expected the large ones"
say "ok: python UDP (datagrams up to 65400 bytes; node B reassembled $reassembled)"

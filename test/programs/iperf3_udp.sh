#!/usr/bin/env bash
# iperf3 UDP under the shim: the server (home B) receives -u -b 200M -l 1400 for 5 s from the
# client (home A), then the same with -R (the server sends, the client receives). iperf3's
# control connection is TCP; the data stream is virtual UDP on both ends. Checks: the test
# completes, the receiver counted datagrams, the loss is printed (and must stay below 50%:
# the link is loopback, loss comes only from a full socket buffer on the way).
source "$(dirname "$0")/lib.sh"
need iperf3
two_nodes
PORT=$((5300 + RANDOM % 500))

background b iperf3 -s -p $PORT --logfile "$TMP/server.log"
wait_for 30 in_home a iperf3 -c $B_IP -p $PORT -n 1K || { dump_logs; fail "iperf3 server not reachable"; }

report() {  # report NAME JSON: prints rate and loss from the receiver's summary, checks them
  python3 - "$1" "$2" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
d = json.load(open(path))
if "error" in d:
    sys.exit(f"{name}: iperf3 error: {d['error']}")
s = d["end"]["sum"]
sent = d["end"].get("sum_sent", s)
print(f"  {name}: {s['bits_per_second']/1e6:.1f} Mbit/s, {s['packets']} datagrams, "
      f"lost {s['lost_packets']} ({s['lost_percent']:.2f}%), jitter {s['jitter_ms']:.3f} ms")
if s["packets"] <= 0 or s["packets"] - s["lost_packets"] <= 0:
    sys.exit(f"{name}: the receiver got nothing")
if s["lost_percent"] >= 50:
    sys.exit(f"{name}: loss {s['lost_percent']:.1f}%")
PY
}

in_home a iperf3 -c $B_IP -p $PORT -u -b 200M -l 1400 -t 5 -J > "$TMP/fwd.json" || { cat "$TMP/fwd.json"; fail "iperf3 -u failed"; }
report "A -> B (server receives)" "$TMP/fwd.json" || fail "iperf3 -u"
in_home a iperf3 -c $B_IP -p $PORT -u -b 200M -l 1400 -t 5 -R -J > "$TMP/rev.json" || { cat "$TMP/rev.json"; fail "iperf3 -u -R failed"; }
report "B -> A (-R, client receives)" "$TMP/rev.json" || fail "iperf3 -u -R"
say "ok: iperf3 UDP both directions"

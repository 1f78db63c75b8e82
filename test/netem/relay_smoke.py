#!/usr/bin/env python3
"""udp_relay end to end on loopback: a client talks to an echo server through the relay.

1. clean link: every datagram comes back once, in order, after ~2 x delay; SIGUSR1 and
   SIGTERM print counters that add up; datagrams from strangers to the upstream socket
   are dropped.
2. 20% loss + 20% duplication + 20% reordering: what comes back is a subset of what was
   sent (no corruption), some arrive twice, some out of order, and the counters agree with
   what the client saw.
usage: relay_smoke.py RELAY_BINARY
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def counters(line):
    return {k: int(v) for k, v in (kv.split("=") for kv in line.split())}


def start_relay(binary, tmp, target_port, *extra):
    port_file = os.path.join(tmp, "ports")
    if os.path.exists(port_file):
        os.unlink(port_file)
    p = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--target", f"127.0.0.1:{target_port}",
                          "--port-file", port_file, *extra], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 5
    while not os.path.exists(port_file):
        if p.poll() is not None or time.monotonic() > deadline:
            fail("relay did not start")
        time.sleep(0.01)
    listen, upstream = map(int, open(port_file).read().split())
    return p, listen, upstream


def stop(p):
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=5)
    if p.returncode != 0:
        fail(f"relay exited with {p.returncode}")
    return counters(out.strip().splitlines()[-1])


def echo_server():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.setblocking(False)
    return s


def pump(client, server, relay_port, n, gap=0.0005, settle=0.5):
    """Sends n numbered datagrams through the relay; the server echoes them. Returns the
    sequence numbers the client got back, in arrival order, and the times."""
    got, sent_at, rtts = [], {}, []
    client.setblocking(False)

    def drain():
        while True:
            try:
                d, a = server.recvfrom(2048)
                server.sendto(d, a)
            except BlockingIOError:
                break
        while True:
            try:
                d = client.recv(2048)
            except BlockingIOError:
                break
            seq = int.from_bytes(d[:4], "big")
            if d[4:] != bytes((seq + i) & 0xFF for i in range(len(d) - 4)):
                fail(f"datagram {seq} corrupted")
            got.append(seq)
            rtts.append(time.monotonic() - sent_at[seq])

    for seq in range(n):
        body = bytes((seq + i) & 0xFF for i in range(100 + seq % 700))
        sent_at[seq] = time.monotonic()
        client.sendto(seq.to_bytes(4, "big") + body, ("127.0.0.1", relay_port))
        drain()
        time.sleep(gap)
    end = time.monotonic() + settle
    while time.monotonic() < end:
        drain()
        time.sleep(0.002)
    return got, rtts


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        # 1. clean link, 10 ms each way
        server = echo_server()
        relay, port, upstream = start_relay(binary, tmp, server.getsockname()[1], "--delay", "10")
        client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        stranger.sendto(b"not the target", ("127.0.0.1", upstream))
        got, rtts = pump(client, server, port, 200)
        if got != list(range(200)):
            fail(f"clean link: got {len(got)} datagrams, in order: {got == sorted(got)}")
        if min(rtts) < 0.019:
            fail(f"clean link: round trip {min(rtts) * 1000:.1f} ms < 2 x 10 ms")
        relay.send_signal(signal.SIGUSR1)
        line = relay.stdout.readline()
        if counters(line)["c2t_rx"] != 200:
            fail(f"SIGUSR1 counters: {line}")
        c = stop(relay)
        want = {"c2t_rx": 200, "c2t_tx": 200, "t2c_rx": 200, "t2c_tx": 200, "c2t_lost": 0, "t2c_dup": 0, "stranger": 1}
        for k, v in want.items():
            if c[k] != v:
                fail(f"clean link: {k}={c[k]}, want {v} ({c})")
        print(f"ok: clean link: 200/200 in order, min rtt {min(rtts) * 1000:.1f} ms, counters {c}")

        # 2. a bad link
        server = echo_server()
        relay, port, _ = start_relay(binary, tmp, server.getsockname()[1], "--delay", "5", "--loss", "20",
                                     "--dup", "20", "--reorder", "20", "--seed", "7")
        client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        got, _ = pump(client, server, port, 1000)
        c = stop(relay)
        if c["c2t_rx"] != 1000 or c["t2c_rx"] != c["c2t_tx"] or c["t2c_tx"] != len(got):
            fail(f"bad link: counters do not add up with {len(got)} received: {c}")
        for d in ("c2t", "t2c"):
            if c[f"{d}_tx"] != c[f"{d}_rx"] - c[f"{d}_lost"] + c[f"{d}_dup"]:
                fail(f"bad link: {d} tx != rx - lost + dup: {c}")
        dups = len(got) - len(set(got))
        out_of_order = sum(1 for x, y in zip(got, got[1:]) if y < x)
        if not (250 < c["c2t_lost"] + c["t2c_lost"] < 500 and dups > 100 and out_of_order > 50):
            fail(f"bad link: lost {c['c2t_lost'] + c['t2c_lost']}, dup {dups}, out of order {out_of_order}")
        print(f"ok: bad link: {len(set(got))} distinct of 1000 back, {dups} duplicates, {out_of_order} out of order")


if __name__ == "__main__":
    main()

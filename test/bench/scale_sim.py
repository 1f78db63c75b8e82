#!/usr/bin/env python3
"""A discrete-event simulation of a split node (docs/PERFORMANCE.md, "Using more than one core").

Frames of one bulk TCP flow (or many) go through a node in two stages: the loop (lwIP, the
app-side pump and the unix-socket hop: what cannot leave the stack's thread) and the armor +
underlay (encryption, MAC, sendmmsg/recvmmsg and GSO batching), which a multi-threaded node
would run on k worker threads, each owning the peers that hash to it (per-peer order is kept).
The threads share C cores with the apps and the kernel: processor sharing, so a thread runs at
min(1, free cores / runnable threads). Service times come from a benchmark run's measured CPU
per GiB (test/bench/results/*.json) and the profile shares in PERFORMANCE.md.

    test/bench/scale_sim.py [results.json]   # prints Gbit/s for cores x workers x peers
"""
import heapq
import json
import os
import sys

FRAME = 1394                  # bytes of TCP payload per frame (MTU 1394, see PERFORMANCE.md)
SHARE_WORKER = 0.41           # armor 26 % + underlay 15 % of a node's per-byte CPU
NODE_SHARE = 0.46             # of the machine's CPU per GiB, the part in one node (profile)
APP_SHARE = 0.08              # the app (iperf3) and its kernel socket work, per node side


def service_times(results):
    """Seconds of CPU per frame: (loop, worker, app), from the veth 1-stream run."""
    runs = [r for r in results["tcp"] if r["link"] == "veth" and r["streams"] == 1]
    cpu_per_gib = sum(r["zt"]["cpu_s_per_gib"] for r in runs) / len(runs)
    per_frame = cpu_per_gib * FRAME / 2**30
    node = per_frame * NODE_SHARE
    return node * (1 - SHARE_WORKER), node * SHARE_WORKER, per_frame * APP_SHARE


def scaled(t_loop, t_work, t_app, frame):
    """Service times for frames of `frame` bytes instead of FRAME. Assumed: half of the loop's
    cost is per frame (lwIP per segment, syscalls per batch) and half per byte (the copies to and
    from the app); armor is per byte, the underlay per frame (GSO runs); the app per byte."""
    k = frame / FRAME
    armor, underlay = t_work * 26 / 41, t_work * 15 / 41
    return t_loop * (0.5 + 0.5 * k), armor * k + underlay, t_app * k


def simulate(cores, workers, peers, t_loop, t_work, t_app, frame=FRAME, loops=1, frames=20000):
    """Payload Gbit/s through one node's side of saturating flows (64 frames in flight per
    loop, as lwIP's window allows). `loops`: stack threads (one per network, item 3), the flows
    spread over them; `peers`: how many peers the frames go to (a worker owns whole peers)."""
    # Threads: 0 = app, 1..loops = stack loops, then the workers (none: each loop armors itself).
    nthreads = 1 + loops + max(workers, 0)
    queue = [[] for _ in range(nthreads)]    # per thread: frames waiting (remaining CPU seconds)
    now, done, inflight, next_frame = 0.0, 0, 0, 0
    window = 64

    def loop_of(f):
        return 1 + f % loops

    def worker_of(f):
        return loop_of(f) if workers == 0 else 1 + loops + (f % peers) % workers

    def admit():
        nonlocal next_frame, inflight
        while inflight < window * loops and next_frame < frames:
            queue[0].append([t_app, next_frame, 0])   # stage 0: app writes it
            next_frame += 1
            inflight += 1
    admit()
    while done < frames:
        runnable = [i for i in range(nthreads) if queue[i]]
        rate = min(1.0, cores / len(runnable))
        # The thread whose head frame finishes first.
        dt, who = min((queue[i][0][0] / rate, i) for i in runnable)
        now += dt
        for i in runnable:
            queue[i][0][0] -= dt * rate
        item = queue[who].pop(0)
        _, f, stage = item
        if stage == 0:
            queue[loop_of(f)].append([t_loop, f, 1])
        elif stage == 1:
            w = worker_of(f)
            queue[w].append([t_work, f, 2])
        else:
            done += 1
            inflight -= 1
            admit()
    return done * frame * 8 / now / 1e9


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "results", "2026-12-04-b.json")
    with open(path) as f:
        results = json.load(f)
    t_loop, t_work, t_app = service_times(results)
    print("service times per frame: loop %.2f us, armor+underlay %.2f us, app %.2f us (from %s)"
          % (t_loop * 1e6, t_work * 1e6, t_app * 1e6, os.path.basename(path)))
    print("one node side, Gbit/s of payload; rows: cores, columns: armor worker threads "
          "(k=0: today's node, the loop armors itself)")
    ks = (0, 1, 2, 4)
    cases = [
        ("today's frames (1394 B), one network, 1 peer", dict(peers=1)),
        ("today's frames, one network, 16 peers", dict(peers=16)),
        ("2754-byte frames (MSS from the 2800 MTU), one network, 1 peer", dict(peers=1, frame=2754)),
        ("2754-byte frames, one network, 16 peers", dict(peers=16, frame=2754)),
        ("today's frames, two networks (one stack loop each), 16 peers", dict(peers=16, loops=2)),
    ]
    for title, kw in cases:
        frame = kw.get("frame", FRAME)
        tl, tw, ta = scaled(t_loop, t_work, t_app, frame)
        print("\n" + title)
        print("  cores " + "".join("%8s" % ("k=%d" % k) for k in ks))
        for cores in (1, 2, 4, 8):
            row = [simulate(cores, k, kw.get("peers", 1), tl, tw, ta, frame, kw.get("loops", 1)) for k in ks]
            print("  %5d " % cores + "".join("%8.2f" % g for g in row))


if __name__ == "__main__":
    main()

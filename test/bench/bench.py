#!/usr/bin/env python3
"""The benchmark suite (not a test; scripts/bench.sh runs it).

Every figure is measured against its kernel baseline in the same run, and the CPU spent is
the whole machine's busy time (/proc/stat) during the measurement, so the machine must be
otherwise idle. Prints a table and writes JSON (test/bench/results/<date>.json by default).

Setups, each two wrapped nodes with static peers (no root or controller in the way):
  loopback  nodes a (10.147.17.1) and b (10.147.17.2) talking over 127.0.0.1;
  veth      nodes c and d in network namespaces joined by a veth pair (10.201.0.1/.2),
            against the kernel's TCP over that same veth (needs root; skipped otherwise).
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HZ = os.sysconf("SC_CLK_TCK")
NWID = "c41b8868ac000001"
HERE = os.path.dirname(os.path.abspath(__file__))
GIB = float(1 << 30)


def busy_seconds():
    """CPU seconds the whole machine spent busy so far (all cores)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return (sum(v[:8]) - idle) / HZ


class Cpu:
    """with Cpu() as c: ...; c.seconds is the machine's busy CPU time in the block."""

    def __enter__(self):
        self.t0 = busy_seconds()
        self.w0 = time.monotonic()
        return self

    def __exit__(self, *exc):
        self.seconds = busy_seconds() - self.t0
        self.wall = time.monotonic() - self.w0


def proc_cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def proc_run_seconds(pid):
    """CPU time the process's threads have run, from the scheduler (ns; not tick-sampled)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total / 1e9


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Bench:
    def __init__(self, build, secs):
        self.build = os.path.abspath(build)
        self.lib = os.path.join(self.build, "intercept/libztintercept.so")
        self.idtool = os.path.join(self.build, "tools/zt-idtool/zt-idtool")
        self.ztrun = os.path.join(self.build, "tools/ztrun/ztrun")
        self.rtt_bin = os.path.join(self.build, "test/bench/tcp_rtt")
        self.secs = secs
        self.tmp = tempfile.mkdtemp(prefix="zti-bench.")
        os.chmod(self.tmp, 0o755)
        self.procs = []
        self.netns = []
        self.homes = {}
        self.base = 20000 + random.randrange(20000)


    # --- processes -------------------------------------------------------------------------
    # A side is where a program runs: (home name or None for unwrapped, netns or None).
    def env(self, side):
        e = dict(os.environ)
        e.pop("LD_PRELOAD", None)
        if side[0]:
            e.update(ZT_HOME=self.homes[side[0]], LD_PRELOAD=self.lib)
        return e

    @staticmethod
    def argv(argv, side):
        return (["ip", "netns", "exec", side[1]] if side[1] else []) + [str(a) for a in argv]

    def spawn(self, argv, side, **kw):
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        p = subprocess.Popen(self.argv(argv, side), env=self.env(side), start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def run(self, argv, side, timeout=120, check=True, **kw):
        kw.setdefault("capture_output", True)
        r = subprocess.run(self.argv(argv, side), env=self.env(side), text=True, timeout=timeout, **kw)
        if check and r.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (" ".join(map(str, argv)), r.returncode,
                                                        (r.stderr or "").strip()[-400:]))
        return r

    @staticmethod
    def wait_for(fn, secs, what):
        deadline = time.monotonic() + secs
        while time.monotonic() < deadline:
            try:
                if fn():
                    return
            except (OSError, RuntimeError, subprocess.SubprocessError, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError("timed out: " + what)

    def node_pids(self, home):
        want = ("ZT_HOME=" + self.homes[home]).encode()
        out = []
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                with open("/proc/%s/comm" % p) as f:
                    if f.read().strip() != "ztnode":
                        continue
                with open("/proc/%s/environ" % p, "rb") as f:
                    if want in f.read().split(b"\0"):
                        out.append(int(p))
            except OSError:
                pass
        return out

    def node_pid(self, home):
        pids = self.node_pids(home)
        if not pids:
            raise RuntimeError("no node for home " + home)
        return pids[0]

    def stop_node(self, home):
        for pid in self.node_pids(home):
            os.kill(pid, signal.SIGTERM)
        self.wait_for(lambda: not self.node_pids(home), 15, "the node of %s to stop" % home)

    def cleanup(self):
        for p in self.procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except OSError:
                pass
        for home in self.homes:
            for pid in self.node_pids(home):
                try:
                    os.kill(pid, signal.SIGTERM)
                except OSError:
                    pass
        time.sleep(0.5)
        for ns in self.netns:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- homes and namespaces --------------------------------------------------------------
    def make_home(self, name):
        home = os.path.join(self.tmp, "home-" + name)
        os.makedirs(home, mode=0o700)
        subprocess.run([self.idtool, "generate", home + "/identity.secret", home + "/identity.public"],
                       check=True, capture_output=True)
        self.homes[name] = home

    def public(self, name):
        with open(self.homes[name] + "/identity.public") as f:
            return f.read().strip()

    def pair(self, a, b, a_ip, b_ip, a_ep, b_ep):
        """Homes a and b on NWID with static addresses, each naming the other's endpoint."""
        pa, pb = self.base, self.base + 1
        self.base += 2
        for name in (a, b):
            self.make_home(name)
        for name, port, ip, peer, ep, pport in ((a, pa, a_ip, b, b_ep, pb), (b, pb, b_ip, a, a_ep, pa)):
            with open(self.homes[name] + "/ztintercept.conf", "w") as f:
                f.write("port = %d\nnetwork = %s %s/24\nlinger = 3600\npeer = %s %s/%d\n"
                        % (port, NWID, ip, self.public(peer), ep, pport))

    def make_veth(self):
        s = str(os.getpid())
        na, nb = "zbA" + s, "zbB" + s
        for ns in (na, nb):
            subprocess.run(["ip", "netns", "add", ns], check=True)
            self.netns.append(ns)
            subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        subprocess.run(["ip", "link", "add", "vbA" + s, "netns", na, "type", "veth", "peer", "name", "vbB" + s,
                        "netns", nb], check=True)
        for ns, dev, ip in ((na, "vbA" + s, "10.201.0.1/24"), (nb, "vbB" + s, "10.201.0.2/24")):
            subprocess.run(["ip", "-n", ns, "addr", "add", ip, "dev", dev], check=True)
            subprocess.run(["ip", "-n", ns, "link", "set", dev, "up"], check=True)
        return na, nb

    def port(self):
        self.base += 1
        return self.base

    # --- measurements ----------------------------------------------------------------------
    def iperf_server(self, setup):
        """Starts iperf3 -s on the setup's server side; returns its port once a client gets through."""
        port = self.port()
        self.spawn(["iperf3", "-s", "-p", port], setup["server"])
        self.wait_for(lambda: self.run(["iperf3", "-c", setup["host"], "-p", port, "-t", 1], setup["client"],
                                       timeout=30, check=False).returncode == 0,
                      60, "iperf3 server of %s" % setup["name"])
        return port

    def iperf(self, setup, port, streams=1, reverse=False, udp_rate=None):
        argv = ["iperf3", "-c", setup["host"], "-p", port, "-t", self.secs, "-J", "-P", streams]
        if reverse:
            argv.append("-R")
        if udp_rate:
            argv += ["-u", "-b", udp_rate, "-l", 1400]
        with Cpu() as c:
            r = self.run(argv, setup["client"], timeout=self.secs + 60)
        end = json.loads(r.stdout)["end"]
        if udp_rate:
            s = end["sum"]
            lost = s.get("lost_percent", 0.0)
            got = s["bytes"] * (1 - lost / 100.0)
            return {"gbps": s["bits_per_second"] * (1 - lost / 100.0) / 1e9, "lost_percent": lost,
                    "cpu_s": c.seconds, "cpu_s_per_gib": c.seconds / max(got / GIB, 1e-9)}
        s = end["sum_received"]
        return {"gbps": s["bits_per_second"] / 1e9, "cpu_s": c.seconds,
                "cpu_s_per_gib": c.seconds / max(s["bytes"] / GIB, 1e-9)}

    def rtt(self, setup, count):
        port = self.port()
        self.spawn([self.rtt_bin, "server", port], setup["server"])
        out = {}
        self.wait_for(lambda: out.setdefault("r", json.loads(self.run(
            [self.rtt_bin, "client", setup["host"], port, count], setup["client"], timeout=120).stdout)),
            60, "tcp_rtt of %s" % setup["name"])
        return out["r"]

    def nginx(self, setup, www):
        port = self.port()
        conf = os.path.join(self.tmp, "nginx-%d.conf" % port)
        with open(conf, "w") as f:
            f.write("""master_process on; worker_processes 1; daemon off; pid %(t)s/nginx-%(p)d.pid;
error_log %(t)s/nginx-%(p)d.err; events { worker_connections 1024; }
http { access_log off; keepalive_timeout 5; client_body_temp_path %(t)s/cbt%(p)d;
  proxy_temp_path %(t)s/pt%(p)d; fastcgi_temp_path %(t)s/ft%(p)d; uwsgi_temp_path %(t)s/ut%(p)d;
  scgi_temp_path %(t)s/st%(p)d; server { listen %(p)d; root %(w)s; } }
""" % {"t": self.tmp, "p": port, "w": www})
        self.spawn(["nginx", "-c", conf], setup["server"])
        url = "http://%s:%d/index.html" % (setup["host"], port)
        self.wait_for(lambda: self.run(["curl", "-sf", "--max-time", 5, "-o", "/dev/null", url],
                                       setup["client"], check=False).returncode == 0, 60, "nginx of " + setup["name"])
        return url

    def wrk(self, setup, url):
        with Cpu() as c:
            r = self.run(["wrk", "-t", 1, "-c", 16, "-d", "%ds" % self.secs, "-H", "Connection: close", url],
                         setup["client"], timeout=self.secs + 60)
        m = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
        errors = re.search(r"Socket errors: (.*)", r.stdout)
        return {"rps": float(m.group(1)) if m else 0.0, "cpu_s": c.seconds,
                "socket_errors": errors.group(1).strip() if errors else ""}

    def hold(self, setup, port, n):
        """n connections from the client side to conn_hold.py's server; node RSS and liveness."""
        c = self.spawn([sys.executable, os.path.join(HERE, "conn_hold.py"), "client", setup["host"], port, n],
                       setup["client"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = c.stdout.readline().strip()
        while line.startswith("error"):
            print("    " + line, flush=True)
            line = c.stdout.readline().strip()
        opened = int(line.split()[1]) if line.startswith("open") else 0
        time.sleep(1)
        rss = {h: rss_kib(self.node_pid(h)) for h in (setup["client"][0], setup["server"][0])}
        c.stdin.write("go\n")
        c.stdin.flush()
        line = c.stdout.readline().strip()
        alive = int(line.split()[1]) if line.startswith("alive") else 0
        c.wait(timeout=120)
        return {"connections": n, "opened": opened, "alive": alive,
                "rss_kib_client_node": rss[setup["client"][0]], "rss_kib_server_node": rss[setup["server"][0]]}


def ratio(a, b):
    return a / b if b else float("nan")


def table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for k, r in enumerate(rows):
        print("  " + "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            print("  " + "  ".join("-" * w for w in widths))


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cpus": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB, 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(HERE, "../../build"))
    ap.add_argument("--seconds", type=int, default=10, help="length of each throughput run (default 10)")
    ap.add_argument("--out", help="JSON file (default test/bench/results/<date>.json)")
    ap.add_argument("--quick", action="store_true", help="3 s runs, 1,000 held connections, 256 MiB transfer")
    ap.add_argument("--only", help="comma-separated sections: tcp,udp,rtt,cps,startup,idle,rss,big,zt1")
    args = ap.parse_args()
    secs = 3 if args.quick else args.seconds
    b = Bench(args.build, secs)
    res = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
           "seconds_per_run": secs}
    try:
        res["git"] = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                                    text=True).stdout.strip()
    except OSError:
        pass
    try:
        run_all(b, res, args)
    finally:
        b.cleanup()
    out = args.out or os.path.join(HERE, "results", res["date"][:10] + ".json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    print("\nwrote " + out)


def run_all(b, res, args):
    n_hold = [1000] if args.quick else [1000, 10000]
    big = (256 if args.quick else 1024) << 20
    www = os.path.join(b.tmp, "www")
    os.makedirs(www)
    os.chmod(www, 0o755)
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("hello\n")
    print("making the %d MiB file..." % (big >> 20), flush=True)
    h = hashlib.sha256()
    with open(os.path.join(www, "big.bin"), "wb") as f:
        left = big
        while left:
            chunk = os.urandom(min(left, 1 << 22))
            h.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    big_sha = h.hexdigest()
    for name in os.listdir(www):
        os.chmod(os.path.join(www, name), 0o644)

    b.pair("a", "b", "10.147.17.1", "10.147.17.2", "127.0.0.1", "127.0.0.1")
    setups = {
        "zt-loopback": {"name": "zt-loopback", "client": ("a", None), "server": ("b", None), "host": "10.147.17.2"},
        "kernel-loopback": {"name": "kernel-loopback", "client": (None, None), "server": (None, None),
                            "host": "127.0.0.1"},
    }
    if os.geteuid() == 0 and shutil.which("ip"):
        na, nb = b.make_veth()
        b.pair("c", "d", "10.147.18.1", "10.147.18.2", "10.201.0.1", "10.201.0.2")
        setups["zt-veth"] = {"name": "zt-veth", "client": ("c", na), "server": ("d", nb), "host": "10.147.18.2"}
        setups["kernel-veth"] = {"name": "kernel-veth", "client": (None, na), "server": (None, nb), "host": "10.201.0.2"}
    else:
        print("veth setup skipped: network namespaces need root")

    want = lambda k: not args.only or k in args.only.split(",")
    ports = {}
    url = None

    # Bulk TCP.
    if want("tcp") or want("udp"):
        print("\n== bulk TCP (iperf3, %d s each)" % b.secs, flush=True)
        ports = {k: b.iperf_server(s) for k, s in setups.items()}
    if want("tcp"):
        res["tcp"] = []
        rows = [["link / streams / direction", "ztintercept Gbit/s", "kernel Gbit/s", "ratio", "zt CPU s/GiB",
                 "kernel CPU s/GiB"]]
        for link in ("loopback", "veth"):
            if "zt-" + link not in setups:
                continue
            for streams in (1, 4):
                for reverse in (False, True):
                    zt = b.iperf(setups["zt-" + link], ports["zt-" + link], streams, reverse)
                    k = b.iperf(setups["kernel-" + link], ports["kernel-" + link], streams, reverse)
                    label = "%s / %d / %s" % (link, streams, "b->a" if reverse else "a->b")
                    res["tcp"].append({"link": link, "streams": streams, "reverse": reverse, "zt": zt, "kernel": k,
                                       "ratio": ratio(zt["gbps"], k["gbps"])})
                    rows.append([label, "%.3f" % zt["gbps"], "%.2f" % k["gbps"], "%.3f" % ratio(zt["gbps"], k["gbps"]),
                                 "%.2f" % zt["cpu_s_per_gib"], "%.2f" % k["cpu_s_per_gib"]])
                    print("  " + " | ".join(rows[-1]), flush=True)
        table(rows)

    # UDP.
    if want("udp"):
        print("\n== UDP (iperf3 -u, 1400-byte datagrams, %d s each)" % b.secs, flush=True)
        res["udp"] = []
        rows = [["link / offered", "zt Gbit/s", "zt loss %", "kernel Gbit/s", "kernel loss %", "zt CPU s/GiB"]]
        for link in ("loopback", "veth"):
            if "zt-" + link not in setups:
                continue
            for rate in ("100M", "500M", "1G"):
                zt = b.iperf(setups["zt-" + link], ports["zt-" + link], udp_rate=rate)
                k = b.iperf(setups["kernel-" + link], ports["kernel-" + link], udp_rate=rate)
                res["udp"].append({"link": link, "rate": rate, "zt": zt, "kernel": k})
                rows.append(["%s / %s" % (link, rate), "%.3f" % zt["gbps"], "%.2f" % zt["lost_percent"],
                             "%.3f" % k["gbps"], "%.2f" % k["lost_percent"], "%.2f" % zt["cpu_s_per_gib"]])
        table(rows)

    # Latency.
    if want("rtt"):
        print("\n== 1-byte TCP ping-pong (20,000 round trips)", flush=True)
        zt = b.rtt(setups["zt-loopback"], 20000)
        k = b.rtt(setups["kernel-loopback"], 20000)
        res["rtt"] = {"zt": zt, "kernel": k, "ratio_p50": ratio(zt["p50_us"], k["p50_us"])}
        table([["", "p50 us", "p99 us", "mean us"],
               ["ztintercept (loopback)", zt["p50_us"], zt["p99_us"], zt["mean_us"]],
               ["kernel loopback", k["p50_us"], k["p99_us"], k["mean_us"]],
               ["ratio", "%.2f" % ratio(zt["p50_us"], k["p50_us"]), "%.2f" % ratio(zt["p99_us"], k["p99_us"]), ""]])

    # Connections per second.
    if want("cps"):
        print("\n== connections per second (wrk, 16 connections, Connection: close, nginx)", flush=True)
        zt = b.wrk(setups["zt-loopback"], b.nginx(setups["zt-loopback"], www))
        k = b.wrk(setups["kernel-loopback"], b.nginx(setups["kernel-loopback"], www))
        res["cps"] = {"zt": zt, "kernel": k, "ratio": ratio(zt["rps"], k["rps"])}
        table([["", "requests/s", "CPU s", "socket errors"],
               ["ztintercept (loopback)", "%.0f" % zt["rps"], "%.1f" % zt["cpu_s"], zt["socket_errors"] or "none"],
               ["kernel loopback", "%.0f" % k["rps"], "%.1f" % k["cpu_s"], k["socket_errors"] or "none"]])

    # Start-up: ztrun to the first byte.
    if want("startup"):
        print("\n== ztrun start to first byte (curl of a 6-byte file from the nginx on b)", flush=True)
        url = b.nginx(setups["zt-loopback"], www)

        def timed():
            t0 = time.monotonic()
            r = b.run([b.ztrun, "-H", b.homes["a"], "-q", "--", "curl", "-sf", "--max-time", 10, url], (None, None),
                      timeout=60)
            if r.stdout != "hello\n":
                raise RuntimeError("ztrun curl got %r" % r.stdout)
            return (time.monotonic() - t0) * 1000

        warm = [timed() for _ in range(5)]
        cold = []
        for _ in range(3):
            b.stop_node("a")
            cold.append(timed())
        res["startup_ms"] = {"warm_node": statistics.median(warm), "cold_node": statistics.median(cold),
                             "warm_all": warm, "cold_all": cold}
        table([["", "median ms", "runs"],
               ["warm node (already running)", "%.1f" % statistics.median(warm), " ".join("%.0f" % x for x in warm)],
               ["cold node (started by the shim)", "%.1f" % statistics.median(cold), " ".join("%.0f" % x for x in cold)]])

    # Idle CPU.
    if want("idle"):
        # Run time from the scheduler (schedstat, in ns): the tick-sampled utime+stime of
        # /proc/<pid>/stat charges a whole 10 ms tick to whoever runs when it fires.
        print("\n== node CPU while idle (10 s)", flush=True)
        time.sleep(2)
        idle = {}
        for h in ("a", "b"):
            pid = b.node_pid(h)
            idle[h] = (pid, proc_run_seconds(pid), proc_cpu_seconds(pid))
        time.sleep(10)
        res["idle_cpu_percent"] = {h: (proc_run_seconds(pid) - t) / 10 * 100 for h, (pid, t, _) in idle.items()}
        res["idle_cpu_percent_ticks"] = {h: (proc_cpu_seconds(pid) - t) / 10 * 100 for h, (pid, _, t) in idle.items()}
        table([["node", "CPU % of one core (schedstat)", "(ticks)"]] +
              [[h, "%.3f" % v, "%.1f" % res["idle_cpu_percent_ticks"][h]] for h, v in res["idle_cpu_percent"].items()])

    # Memory and many connections.
    if want("rss"):
        print("\n== node RSS: idle, and with many connections held (conn_hold.py)", flush=True)
        port = b.port()
        b.spawn([sys.executable, os.path.join(HERE, "conn_hold.py"), "server", port], setups["zt-loopback"]["server"])
        time.sleep(1)
        res["rss"] = {"idle_kib": {h: rss_kib(b.node_pid(h)) for h in ("a", "b")}, "held": []}
        rows = [["connections", "opened", "alive at the end", "client node RSS MiB", "server node RSS MiB"],
                ["0 (idle)", "", "", "%.1f" % (res["rss"]["idle_kib"]["a"] / 1024), "%.1f" % (res["rss"]["idle_kib"]["b"] / 1024)]]
        for n in n_hold:
            r = b.hold(setups["zt-loopback"], port, n)
            res["rss"]["held"].append(r)
            rows.append([n, r["opened"], r["alive"], "%.1f" % (r["rss_kib_client_node"] / 1024),
                         "%.1f" % (r["rss_kib_server_node"] / 1024)])
            time.sleep(2)
        table(rows)

    # A big transfer, checked.
    if want("big"):
        print("\n== %d MiB over HTTP (nginx on b, curl on a), sha256 checked" % (big >> 20), flush=True)
        url = url or b.nginx(setups["zt-loopback"], www)
        with Cpu() as c:
            r = subprocess.run(b.argv(["curl", "-sf", "--max-time", 600, url.replace("index.html", "big.bin")],
                                      setups["zt-loopback"]["client"]), env=b.env(setups["zt-loopback"]["client"]),
                               capture_output=True, timeout=700)
        got = hashlib.sha256(r.stdout).hexdigest()
        res["big_transfer"] = {"bytes": len(r.stdout), "sha256_match": got == big_sha, "seconds": c.wall,
                               "gbps": len(r.stdout) * 8 / c.wall / 1e9, "cpu_s_per_gib": c.seconds / (big / GIB)}
        table([["bytes", "sha256", "seconds", "Gbit/s", "CPU s/GiB"],
               [len(r.stdout), "match" if got == big_sha else "DIFFERS", "%.1f" % c.wall,
                "%.3f" % res["big_transfer"]["gbps"], "%.2f" % res["big_transfer"]["cpu_s_per_gib"]]])

    # ZeroTier One, when there is one: the same iperf3 pair between two of its members.
    if want("zt1"):
        zt1_side_by_side(b, res)


def zt1_side_by_side(b, res):
    exe = shutil.which("zerotier-one")
    zt1_dir = os.environ.get("ZT1_DIR") or (os.path.dirname(os.path.realpath(exe)) if exe else "")
    if not zt1_dir or not os.access(os.path.join(zt1_dir, "zerotier-one"), os.X_OK):
        print("\nZeroTier One: SKIPPED (no zerotier-one on PATH and no ZT1_DIR)")
        res["zerotier_one"] = "skipped: no zerotier-one on PATH or in ZT1_DIR"
        return
    if os.geteuid() != 0:
        print("\nZeroTier One: SKIPPED (its members need root for namespaces and taps)")
        res["zerotier_one"] = "skipped: not root"
        return
    print("\n== ZeroTier One 1.x side by side (two members with kernel taps, namespaces on a bridge, "
          "our root and controller; iperf3 1 stream, %d s each way)" % b.secs, flush=True)
    env = dict(os.environ, ZT_BUILD=b.build, ZT1_DIR=zt1_dir)
    env.pop("LD_PRELOAD", None)
    r = subprocess.run([os.path.join(HERE, "zt1_pair.sh"), str(b.secs)], env=env, capture_output=True, text=True,
                       timeout=b.secs * 2 + 240)
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    if r.returncode != 0 or len(lines) != 2:
        print("  failed: " + (r.stdout + r.stderr).strip()[-600:])
        res["zerotier_one"] = {"error": (r.stdout + r.stderr).strip()[-600:]}
        return
    out = {"dir": zt1_dir, "m1->m2_gbps": lines[0]["gbps"], "m2->m1_gbps": lines[1]["gbps"]}
    rows = [["", "a->b Gbit/s", "b->a Gbit/s"],
            ["ZeroTier One (members, taps)", "%.3f" % lines[0]["gbps"], "%.3f" % lines[1]["gbps"]]]
    veth = {r["reverse"]: r for r in res.get("tcp", []) if r["link"] == "veth" and r["streams"] == 1}
    if len(veth) == 2:
        zt = [veth[False]["zt"]["gbps"], veth[True]["zt"]["gbps"]]
        k = [veth[False]["kernel"]["gbps"], veth[True]["kernel"]["gbps"]]
        out.update(ztintercept_gbps=zt, kernel_gbps=k,
                   zt1_to_kernel=[ratio(lines[0]["gbps"], k[0]), ratio(lines[1]["gbps"], k[1])],
                   ztintercept_to_zt1=[ratio(zt[0], lines[0]["gbps"]), ratio(zt[1], lines[1]["gbps"])])
        rows += [["ztintercept (veth, this run)", "%.3f" % zt[0], "%.3f" % zt[1]],
                 ["kernel (veth, this run)", "%.2f" % k[0], "%.2f" % k[1]],
                 ["ZeroTier One / kernel", "%.3f" % out["zt1_to_kernel"][0], "%.3f" % out["zt1_to_kernel"][1]],
                 ["ztintercept / ZeroTier One", "%.2f" % out["ztintercept_to_zt1"][0],
                  "%.2f" % out["ztintercept_to_zt1"][1]]]
    else:
        print("  (run with the tcp section for the ratios against the kernel and ztintercept)")
    res["zerotier_one"] = out
    table(rows)


if __name__ == "__main__":
    main()

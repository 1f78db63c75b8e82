#!/usr/bin/env bash
# The node that a program spawns (it daemonizes: fork, setsid, fork) ends at once on SIGTERM,
# SIGINT and SIGHUP, as users and the test helpers expect. Regression: the node made its
# signalfd before daemonizing; epoll watches a signalfd on the wait queue of the process that
# registered it, so once that process was reaped the daemon never woke for a signal and ran
# until its linger expired. The driver below is a child subreaper: the daemon's forking
# ancestors are reparented to it and reaped before the signal, so the test is deterministic.
source "$(dirname "$0")/lib.sh"
need python3
two_nodes

for sig in TERM INT HUP; do
  ZT_HOME=$(home_of a) LIB=$LIB SIG=$sig A_IP=$A_IP timeout 30 python3 - <<'PY' || fail "SIG$sig"
import ctypes, os, signal, subprocess, sys, time
PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
env = dict(os.environ, LD_PRELOAD=os.environ["LIB"])
# A program binds a virtual UDP port: that spawns the node; the program then exits.
subprocess.run([sys.executable, "-c", "import socket; s = socket.socket(socket.AF_INET, "
                "socket.SOCK_DGRAM); s.bind(('%s', 0))" % os.environ["A_IP"]], env=env, check=True)
home = os.environ["ZT_HOME"]

def nodes():
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            if open(f"/proc/{p}/comm").read().strip() != "ztnode":
                continue
            if f"ZT_HOME={home}".encode() in open(f"/proc/{p}/environ", "rb").read().split(b"\0"):
                out.append(int(p))
        except OSError:
            pass
    return out

# Reap every exited ancestor of the daemon (they are our orphans now) until only it is left.
deadline = time.monotonic() + 10
while True:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass
    live = nodes()
    # The daemon: the only node left, an orphan reparented to us, not a zombie.
    if len(live) == 1 and open(f"/proc/{live[0]}/stat").read().rsplit(")", 1)[1].split()[:2] == ["S", str(os.getpid())]:
        break
    if time.monotonic() > deadline:
        sys.exit(f"no single daemonized node: {live}")
    time.sleep(0.05)
pid = live[0]
time.sleep(0.2)  # let the daemon's loop settle into epoll_wait after the reaping
os.kill(pid, getattr(signal, "SIG" + os.environ["SIG"]))
deadline = time.monotonic() + 5
while time.monotonic() < deadline:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    if not os.path.exists(f"/proc/{pid}"):
        sys.exit(0)
    time.sleep(0.05)
os.kill(pid, signal.SIGKILL)
sys.exit(f"node {pid} still running 5 s after SIG{os.environ['SIG']}")
PY
  grep -q "signal $(kill -l $sig): exiting" "$(home_of a)/ztnode.log" || fail "no exit line for SIG$sig in the log"
  say "ok: SIG$sig ends the daemonized node"
done

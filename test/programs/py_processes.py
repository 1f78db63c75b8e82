#!/usr/bin/env python3
"""Process-model and event-loop cases of interposition-anchors §4.2 on virtual sockets, for
test/programs/processes.sh. Each client case prints "ok <case>" or exits non-zero.

  py_processes.py echo-server HOST PORT            threaded echo server (one thread per conn)
  py_processes.py prefork-server HOST PORT N       listen, then fork N workers that accept;
                                                   each answers "<pid>\\n" and closes
  py_processes.py prefork-client HOST PORT CONNS   CONNS connections; all answered
  py_processes.py daemon-client HOST PORT OUT      double fork + setsid, close fds 3..1024 and
                                                   close_range(3, ~0), then echo through a new
                                                   virtual socket; writes the result to OUT
  py_processes.py exec-client HOST PORT            connect, exec a child that inherits the
                                                   socket and keeps using it
  py_processes.py inherited-child FD HOST PORT     (the exec'd child)
  py_processes.py scm-client HOST PORT             pass a connected socket with SCM_RIGHTS to
                                                   an unrelated process, which uses it
  py_processes.py scm-receiver UNIXPATH HOST PORT  (that process)
  py_processes.py scm-listener HOST PORT           a listener passed with SCM_RIGHTS to another
                                                   process that accepts on it (socket activation)
  py_processes.py epoll-client HOST PORT           epoll EPOLLET and EPOLLONESHOT on a virtual
                                                   socket and listener-less checks
  py_processes.py select-client HOST PORT MYIP     select and poll over a pipe, a kernel TCP
                                                   socket, a virtual TCP and a virtual UDP socket
"""
import array
import ctypes
import os
import select
import socket
import subprocess
import sys
import threading
import time

TIMEOUT = 10


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise SystemExit(f"EOF after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def echo_roundtrip(s, payload):
    s.sendall(payload)
    got = recv_exact(s, len(payload))
    if got != payload:
        raise SystemExit("echo differs")


def connect(host, port):
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    return s


# ---- servers ------------------------------------------------------------------------------

def echo_server(host, port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(64)
    print("listening", flush=True)

    def serve(c):
        with c:
            while data := c.recv(65536):
                c.sendall(data)

    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def prefork_server(host, port, n):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(64)
    kids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            while True:
                c, peer = ls.accept()
                c.sendall(f"{os.getpid()} {peer[0]}\n".encode())
                c.close()
        kids.append(pid)
    ls.close()  # only the workers hold the listener now
    print("listening " + " ".join(map(str, kids)), flush=True)
    while True:
        time.sleep(3600)


# ---- clients ------------------------------------------------------------------------------

def prefork_client(host, port, conns):
    pids = {}
    for _ in range(conns):
        with connect(host, port) as s:
            line = b""
            while not line.endswith(b"\n"):
                chunk = s.recv(100)
                if not chunk:
                    break
                line += chunk
            pid, peer = line.decode().split()
            pids[pid] = pids.get(pid, 0) + 1
    print(f"ok prefork: {conns} connections answered by workers {sorted(pids.items())}", flush=True)


def close_range(first, last):
    libc = ctypes.CDLL(None, use_errno=True)
    r = libc.syscall(436, ctypes.c_uint(first), ctypes.c_uint(last), ctypes.c_uint(0))  # SYS_close_range
    if r != 0:
        raise OSError(ctypes.get_errno(), "close_range")


def daemon_client(host, port, out):
    # Use the virtual network before daemonizing too: the shim then holds a control connection
    # that the closing below must not break.
    with connect(host, port) as s:
        echo_roundtrip(s, b"before")
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    try:
        fd = os.open(out + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        for n in range(3, 1025):  # the classic loop
            try:
                os.close(n)
            except OSError:
                pass
        close_range(3, 0xFFFFFFFF)
        with connect(host, port) as s:
            echo_roundtrip(s, os.urandom(300000))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("0.0.0.0", 0))
        u.sendto(b"x", (host, 9))  # a virtual UDP socket works too (nobody listens: no reply)
        print("ok daemon: double fork, setsid, close 3..1024, close_range(3, ~0), then TCP and UDP", flush=True)
    except BaseException as e:  # noqa: BLE001 - report anything from the daemon
        print(f"FAIL daemon: {e!r}", flush=True)
    finally:
        sys.stdout.flush()
        os.rename(out + ".tmp", out)
        os._exit(0)


def exec_client(host, port):
    s = connect(host, port)
    echo_roundtrip(s, b"parent before exec")
    fd = s.fileno()
    r = subprocess.run([sys.executable, __file__, "inherited-child", str(fd), host, str(port)],
                       pass_fds=[fd], timeout=60)
    if r.returncode != 0:
        raise SystemExit("the exec'd child failed")
    echo_roundtrip(s, b"parent after the child")  # still ours, still connected
    # A child given a scrubbed environment (no LD_PRELOAD, no ZT_*), as daemons and
    # supervisors do: the shim puts itself back, the inherited socket is still a TCP socket.
    scrubbed = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("ZT_")}
    r = subprocess.run([sys.executable, __file__, "inherited-child", str(fd), host, str(port)],
                       pass_fds=[fd], env=scrubbed, timeout=60)
    if r.returncode != 0:
        raise SystemExit("the exec'd child with a scrubbed environment failed")
    echo_roundtrip(s, b"parent after the second child")
    s.close()
    print("ok exec: children (one with LD_PRELOAD and ZT_* scrubbed) inherited the connected socket "
          "and used it; the parent still uses it", flush=True)


def inherited_child(fd, host, port):
    s = socket.socket(fileno=fd)
    s.settimeout(TIMEOUT)
    if s.getpeername() != (host, port):
        raise SystemExit(f"getpeername in the exec'd child: {s.getpeername()}")
    if s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) != socket.SOCK_STREAM:
        raise SystemExit("SO_TYPE in the exec'd child")
    echo_roundtrip(s, os.urandom(200000))
    s.detach()


def send_fd(unix_sock, fd, msg=b"fd"):
    unix_sock.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])


def recv_fd(unix_sock):
    fds = array.array("i")
    msg, anc, _, _ = unix_sock.recvmsg(100, socket.CMSG_SPACE(fds.itemsize))
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
    if not fds:
        raise SystemExit("no fd received")
    return fds[0]


def scm_client(host, port):
    path = f"/tmp/zti-scm-{os.getpid()}"
    ls = socket.socket(socket.AF_UNIX)
    ls.bind(path)
    ls.listen(1)
    # An unrelated process (not a fork of ours holding the socket): it gets the fd only by
    # SCM_RIGHTS.
    child = subprocess.Popen([sys.executable, __file__, "scm-receiver", path, host, str(port)])
    try:
        c, _ = ls.accept()
        s = connect(host, port)
        echo_roundtrip(s, b"sender first")
        send_fd(c, s.fileno())
        s.close()  # the receiver holds the only reference now
        if child.wait(60) != 0:
            raise SystemExit("the receiver failed")
    finally:
        os.unlink(path)
    print("ok scm_rights: a connected virtual socket passed to another process, used there", flush=True)


def scm_receiver(path, host, port):
    u = socket.socket(socket.AF_UNIX)
    u.connect(path)
    fd = recv_fd(u)
    s = socket.socket(fileno=fd)
    s.settimeout(TIMEOUT)
    if s.getpeername() != (host, port):
        raise SystemExit(f"getpeername after SCM_RIGHTS: {s.getpeername()}")
    echo_roundtrip(s, os.urandom(200000))
    s.close()


def scm_listener(host, port):
    # Socket activation: a "manager" binds and listens, passes the listener to a "service".
    a, b = socket.socketpair()
    pid = os.fork()
    if pid == 0:  # the service: gets the listener only by SCM_RIGHTS (closes the inherited pair end)
        a.close()
        fd = recv_fd(b)
        ls = socket.socket(fileno=fd)
        c, peer = ls.accept()
        with c:
            while data := c.recv(65536):
                c.sendall(data)
        os._exit(0)
    b.close()
    ls = socket.socket()
    ls.bind((host, port))
    ls.listen(8)
    send_fd(a, ls.fileno())
    ls.close()
    print("listening", flush=True)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


def epoll_client(host, port):
    s = connect(host, port)
    s.setblocking(False)
    ep = select.epoll()
    # Edge-triggered: one event per arrival, none while unread data just sits there.
    ep.register(s.fileno(), select.EPOLLIN | select.EPOLLET)
    s.send(b"a" * 1000)
    ev = ep.poll(TIMEOUT)
    assert ev and ev[0][1] & select.EPOLLIN, ev
    s.recv(10)  # leave most of it unread
    assert ep.poll(0.3) == [], "EPOLLET fired again without new data"
    s.send(b"b")
    ev = ep.poll(TIMEOUT)
    assert ev and ev[0][1] & select.EPOLLIN, "EPOLLET: no event for new data"
    while True:
        try:
            if not s.recv(65536):
                break
        except BlockingIOError:
            break
    # One-shot: one event, then nothing until re-armed with EPOLL_CTL_MOD.
    ep.modify(s.fileno(), select.EPOLLIN | select.EPOLLONESHOT)
    s.send(b"c")
    ev = ep.poll(TIMEOUT)
    assert ev and ev[0][1] & select.EPOLLIN, ev
    s.recv(10)
    s.send(b"d")
    time.sleep(0.2)
    assert ep.poll(0.3) == [], "EPOLLONESHOT fired twice"
    ep.modify(s.fileno(), select.EPOLLIN | select.EPOLLONESHOT)
    ev = ep.poll(TIMEOUT)
    assert ev and ev[0][1] & select.EPOLLIN, "EPOLLONESHOT: no event after re-arming"
    assert s.recv(10) == b"d"
    # EPOLLOUT edge on a fresh non-blocking connect registered before connect().
    c = socket.socket()
    c.setblocking(False)
    ep2 = select.epoll()
    ep2.register(c.fileno(), select.EPOLLOUT | select.EPOLLET)
    try:
        c.connect((host, port))
    except BlockingIOError:
        pass
    ev = ep2.poll(TIMEOUT)
    assert ev and ev[0][1] & select.EPOLLOUT, f"no EPOLLOUT edge after connect: {ev}"
    assert c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    c.close()
    s.close()
    print("ok epoll: EPOLLET, EPOLLONESHOT + re-arm, EPOLLOUT edge after a non-blocking connect", flush=True)


def select_client(host, port, my_ip):
    r, w = os.pipe()
    kl = socket.socket()
    kl.bind(("127.0.0.1", 0))
    kl.listen(1)
    k = socket.create_connection(kl.getsockname())
    ka, _ = kl.accept()
    v = connect(host, port)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", 0))
    ub = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ub.bind(("0.0.0.0", 0))
    fds = {"pipe": r, "kernel": k.fileno(), "virtual": v.fileno(), "udp": u.fileno()}
    names = {fd: n for n, fd in fds.items()}

    def by_poll(timeout):
        p = select.poll()
        for fd in fds.values():
            p.register(fd, select.POLLIN)
        return sorted(names[fd] for fd, ev in p.poll(timeout * 1000) if ev & select.POLLIN)

    def by_select(timeout):
        rs, _, _ = select.select(list(fds.values()), [], [], timeout)
        return sorted(names[f] for f in rs)

    def ready(timeout):
        # Wait with poll, then select and poll must agree (retried: arrivals in between only
        # add to the set).
        by_poll(timeout)
        for _ in range(50):
            a, b = by_select(0), by_poll(0)
            if a == b:
                return a
        raise AssertionError(f"select says {a}, poll says {b}")

    assert ready(0.2) == [], ready(0)
    v.sendall(b"ping")
    deadline = time.time() + TIMEOUT
    while ready(1) != ["virtual"]:
        assert time.time() < deadline, "virtual socket never readable"
    assert recv_exact(v, 4) == b"ping"
    os.write(w, b"x")
    ka.sendall(b"y")
    ub.sendto(b"z", (my_ip, u.getsockname()[1]))  # UDP to our own virtual address
    deadline = time.time() + TIMEOUT
    while (got := ready(1)) != ["kernel", "pipe", "udp"]:
        assert time.time() < deadline, f"ready: {got}"
    os.read(r, 1), k.recv(1), u.recvfrom(10)
    assert ready(0.2) == []
    # Writability: all writable; select's write set over the same mix.
    _, ws, _ = select.select([], list(fds.values())[1:], [], 1)
    assert sorted(names[f] for f in ws) == ["kernel", "udp", "virtual"], ws
    print("ok select/poll: pipe, kernel TCP, virtual TCP and virtual UDP in one set", flush=True)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "echo-server":
        echo_server(args[0], int(args[1]))
    elif cmd == "prefork-server":
        prefork_server(args[0], int(args[1]), int(args[2]))
    elif cmd == "prefork-client":
        prefork_client(args[0], int(args[1]), int(args[2]))
    elif cmd == "daemon-client":
        daemon_client(args[0], int(args[1]), args[2])
    elif cmd == "exec-client":
        exec_client(args[0], int(args[1]))
    elif cmd == "inherited-child":
        inherited_child(int(args[0]), args[1], int(args[2]))
    elif cmd == "scm-client":
        scm_client(args[0], int(args[1]))
    elif cmd == "scm-receiver":
        scm_receiver(args[0], args[1], int(args[2]))
    elif cmd == "scm-listener":
        scm_listener(args[0], int(args[1]))
    elif cmd == "epoll-client":
        epoll_client(args[0], int(args[1]))
    elif cmd == "select-client":
        select_client(args[0], int(args[1]), args[2])
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()

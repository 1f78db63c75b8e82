#!/usr/bin/env python3
"""A stand-in for ztnode that speaks ipc/control_protocol.hpp and carries the "virtual"
traffic over kernel loopback: the virtual network 10.99.0.0/24 has one address, 10.99.0.1,
which maps to 127.0.0.1 (same ports). Test tool for the shim only: it lets
test/intercept/semantics run through LD_PRELOAD before the real node exists.

  fake_node.py HOME        (serves until killed; prints "ready" when listening)
"""
import errno, os, socket, struct, sys, threading

VIRT = bytes([10, 99, 0, 1])
NET = bytes([10, 99, 0, 0])
LOOP = '127.0.0.1'

def fnv1a64(s):
    h = 0xcbf29ce484222325
    for c in s.encode():
        h ^= c
        h = (h * 0x100000001b3) & 0xffffffffffffffff
    return h

HOME = os.path.realpath(sys.argv[1])
HASH = struct.pack('<Q', fnv1a64(HOME))

def name(kind, payload=b''):
    return b'\0zti' + kind + HASH + payload

def na(family, ip, port):                  # NameAddr
    return struct.pack('<B16s', family, ip) + struct.pack('>H', port)

def parse_na(b):
    fam, ip = struct.unpack('<B16s', b[:17])
    return fam, ip, struct.unpack('>H', b[17:19])[0]

def to_kernel(fam, ip, port):
    """virtual NameAddr -> kernel sockaddr tuple (AF_INET)."""
    return (LOOP, port)

def from_kernel(addr, v6=False):
    """kernel address -> NameAddr (family 4 for v4 and v4-mapped)."""
    return na(4, VIRT, addr[1])

conns = {}        # conn_id -> (state, err, local NameAddr)
binds = {}        # sock_id -> kernel socket
bound_local = {}  # sock_id -> NameAddr of the BindReply
lock = threading.Lock()

def pump(src, dst, on_eof=None):
    try:
        while True:
            d = src.recv(65536)
            if not d:
                break
            dst.sendall(d)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass

def bridge(a, b):
    t1 = threading.Thread(target=pump, args=(a, b), daemon=True)
    t2 = threading.Thread(target=pump, args=(b, a), daemon=True)
    t1.start(); t2.start()
    def closer():
        t1.join(); t2.join(); a.close(); b.close()
    threading.Thread(target=closer, daemon=True).start()

def serve_tcp_connect(u):
    hdr = u.recv(84, socket.MSG_PEEK | socket.MSG_WAITALL)   # sizeof(PreambleHeader)
    magic, ver, hlen, total, flags, conn_id, sock_id = struct.unpack('<IHHIIQQ', hdr[:32])
    fam, ip, port = parse_na(hdr[32:51])
    k = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with lock:
        conns[conn_id] = (1, 0, b'\0' * 19)
    try:
        if flags & 2:
            with lock:
                kb = binds.get(sock_id)
            if kb is not None:
                k.close()
                k = kb
        if ip[:4] != VIRT and ip[:3] == NET[:3]:
            raise OSError(errno.EHOSTUNREACH, 'no such host')
        k.connect(to_kernel(fam, ip, port))
    except OSError as e:
        with lock:
            conns[conn_id] = (3, e.errno, b'\0' * 19)
        k.close()
        u.close()          # unread preamble: the app sees POLLERR
        return
    with lock:
        conns[conn_id] = (2, 0, from_kernel(k.getsockname()))
    got = 0
    while got < total:
        got += len(u.recv(total - got, socket.MSG_WAITALL))
    bridge(u, k)

def tcp_connect_listener():
    t = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    t.bind(name(b'T'))
    t.listen(128)
    while True:
        u, _ = t.accept()
        threading.Thread(target=serve_tcp_connect, args=(u,), daemon=True).start()

def accept_loop(sock_id, k, lname):
    while True:
        try:
            c, peer = k.accept()
        except OSError:
            return
        local = c.getsockname()
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        u.bind(name(b'A', from_kernel(peer) + from_kernel(local) + os.urandom(8)))
        try:
            u.connect(lname)
        except OSError:
            c.close(); u.close(); k.close()
            return
        bridge(u, c)

def udp_pump(sock_id, app, k):
    def up():
        while True:
            try:
                m = app.recv(70000)
            except OSError:
                break
            if not m:
                break
            fam, ip, port = parse_na(m[:19])
            try:
                if fam == 0:
                    k.send(m[20:])
                else:
                    k.sendto(m[20:], to_kernel(fam, ip, port))
            except OSError:
                pass
        k.close()
    def down():
        while True:
            try:
                d, src = k.recvfrom(70000)
            except OSError:
                break
            try:
                app.send(from_kernel(src) + b'\0' + d)
            except OSError:
                break
    threading.Thread(target=up, daemon=True).start()
    threading.Thread(target=down, daemon=True).start()

udps = {}

def kernel_bind(fam, ip, port, reuse, v6only, typ, reuseport=0):
    if fam == 6 and ip == b'\0' * 16:
        k = socket.socket(socket.AF_INET6, typ)
        k.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
        host = '::'
    else:
        k = socket.socket(socket.AF_INET, typ)
        if ip[:4] not in (VIRT, b'\0\0\0\0'):
            k.close()
            raise OSError(errno.EADDRNOTAVAIL, 'not ours')
        host = LOOP
    if reuse:
        k.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        k.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        k.bind((host, port))
    except OSError:
        k.close()
        raise
    return k

def control(c):
    while True:
        try:
            m, anc, fl, _ = c.recvmsg(4096)
        except OSError:
            return
        if not m:
            return
        ver, op, req = struct.unpack('<HHI', m[:8])
        rh = lambda err: struct.pack('<HHIi', 3, op, req, err)   # kVersion 3
        fds = []
        if op == 1:    # hello
            prefixes = struct.pack('<B16s2sB', 4, VIRT, b'\0\0', 24) + b'\0' * 20 * 7 + b'\0' * 20 * 16
            ni = struct.pack('<QIBB2s', 0xc41b8868ac000001, 2800, 1, 0, b'\0\0') + prefixes
            out = rh(0) + struct.pack('<QII', 0x1122334455, 1, 0) + ni
        elif op == 10:  # attach: we run as the app's uid, so we trust it and hand over no key
            out = rh(0) + struct.pack('<I16s', os.getuid(), b'\0' * 16)
        elif op == 2:  # tcp_bind
            sock_id, = struct.unpack('<Q', m[8:16])
            fam, ip, port = parse_na(m[16:35]); reuse, v6only = m[35], m[36]
            reuseport, freebind = m[37], m[38]
            try:
                k = kernel_bind(fam, ip, port, reuse, v6only, socket.SOCK_STREAM, reuseport)
                with lock:
                    binds[sock_id] = k
                    bound_local[sock_id] = na(fam, ip, k.getsockname()[1])
                out = rh(0) + bound_local[sock_id]
            except OSError as e:
                out = rh(e.errno) + na(0, b'\0' * 16, 0)
        elif op == 3:  # tcp_listen
            sock_id, backlog = struct.unpack('<Qi', m[8:20])
            with lock:
                k = binds.get(sock_id)
            if k is None:
                out = rh(errno.EINVAL)
            else:
                k.listen(backlog)
                # the 'L' name carries the local address exactly as the BindReply gave it
                lname = name(b'L', bound_local[sock_id] + struct.pack('<Q', sock_id))
                threading.Thread(target=accept_loop, args=(sock_id, k, lname), daemon=True).start()
                out = rh(0)
        elif op == 4:  # tcp_release: the real node probes the 'L' name; we just drop the reservation
            sock_id, = struct.unpack('<Q', m[8:16])
            with lock:
                k = binds.pop(sock_id, None)
            if k is not None:
                try:
                    k.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                k.close()
            out = rh(0)
        elif op == 5:  # conn_status
            cid, = struct.unpack('<Q', m[8:16])
            with lock:
                st, err, local = conns.get(cid, (0, 0, b'\0' * 19))
            out = rh(0) + struct.pack('<Bi', st, err) + local + b'\0' * 19
        elif op == 6:  # udp_open
            sock_id, = struct.unpack('<Q', m[8:16])
            fam, ip, port = parse_na(m[16:35]); reuse, v6only = m[35], m[36]
            reuseport = m[38]
            try:
                k = kernel_bind(fam, ip, port, reuse, v6only, socket.SOCK_DGRAM, reuseport)
                a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                udps[sock_id] = k
                udp_pump(sock_id, b, k)
                out = rh(0) + na(fam, ip, k.getsockname()[1])
                fds = [a]
            except OSError as e:
                out = rh(e.errno) + na(0, b'\0' * 16, 0)
        elif op == 7:  # udp_connect
            sock_id, = struct.unpack('<Q', m[8:16])
            fam, ip, port = parse_na(m[16:35])
            k = udps.get(sock_id)
            try:
                if fam:
                    k.connect(to_kernel(fam, ip, port))
                else:
                    k.connect(('0.0.0.0' if k.family == socket.AF_INET else '::', 0))
                out = rh(0) + na(fam or 4, VIRT, k.getsockname()[1])
            except OSError as e:
                out = rh(e.errno) + na(0, b'\0' * 16, 0)
        else:          # set_option and the rest
            out = rh(0)
        if fds:
            c.sendmsg([out], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack('i', fds[0].fileno()))])
            fds[0].close()
        else:
            c.send(out)

def main():
    k = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    k.bind(name(b'K'))
    k.listen(64)
    threading.Thread(target=tcp_connect_listener, daemon=True).start()
    print('ready', flush=True)
    while True:
        c, _ = k.accept()
        threading.Thread(target=control, args=(c,), daemon=True).start()

main()

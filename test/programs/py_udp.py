#!/usr/bin/env python3
"""UDP with source addresses, for test/programs/python.sh.

  py_udp.py server HOST PORT               reply to each datagram with "<src ip> <src port> <len>"
                                           followed by the payload, to its source
  py_udp.py client HOST PORT CLIENT_IP     unconnected sendto/recvfrom of sizes 0..65400 from two
                                           sockets; checks the replies' source, the address the
                                           server saw, the payload; then connect + send/recv, and
                                           shutdown(SHUT_WR) (sends fail with EPIPE, replies to
                                           the other socket still arrive)
"""
import errno
import os
import socket
import sys


def server(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, port))
    print("listening", flush=True)
    while True:
        data, src = s.recvfrom(65535)
        s.sendto(f"{src[0]} {src[1]} {len(data)}\n".encode() + data, src)


def check_reply(sock, server_addr, payload, me):
    reply, src = sock.recvfrom(65535)
    assert src == server_addr, f"reply from {src}, want {server_addr}"
    head, _, body = reply.partition(b"\n")
    ip, port, n = head.decode().split()
    assert (ip, int(port)) == me, f"server saw {ip}:{port}, want {me}"
    assert int(n) == len(payload) and body == payload, f"payload differs ({n} vs {len(payload)})"


def client(host, port, client_ip):
    server_addr = (host, port)
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.settimeout(5)
    b.settimeout(5)
    a.bind(("0.0.0.0", 0))
    b.bind((client_ip, 0))
    for s in (a, b):
        s.sendto(b"hello", server_addr)  # the first send picks the local address
    for s in (a, b):
        reply, _ = s.recvfrom(65535)
        ip, p, _ = reply.partition(b"\n")[0].decode().split()
        assert ip == client_ip, f"source address {ip}, want {client_ip}"
    for size in (0, 1, 100, 1400, 2800, 8000, 13000, 20000, 40000, 65400):
        for s in (a, b):
            payload = os.urandom(size)
            s.sendto(payload, server_addr)
            check_reply(s, server_addr, payload, (client_ip, s.getsockname()[1]))
    print("ok sendto/recvfrom with source addresses", flush=True)

    a.connect(server_addr)
    assert a.getpeername() == server_addr
    a.send(b"connected")
    check_reply(a, server_addr, b"connected", (client_ip, a.getsockname()[1]))
    print("ok connect + send/recv", flush=True)

    # shutdown(SHUT_WR): sends fail with EPIPE, but the socket still receives (as over the kernel).
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(5)
    c.bind((client_ip, 0))
    try:
        c.shutdown(socket.SHUT_WR)
        raise SystemExit("shutdown of an unconnected UDP socket succeeded")
    except OSError as e:
        assert e.errno == errno.ENOTCONN, e
    try:
        c.sendto(b"x", server_addr)
        raise SystemExit("sendto after SHUT_WR succeeded")
    except OSError as e:
        assert e.errno == errno.EPIPE, e
    b.sendto(b"to c", c.getsockname())
    data, src = c.recvfrom(100)
    assert data == b"to c" and src == b.getsockname(), (data, src)
    print("ok shutdown(SHUT_WR): ENOTCONN, sends EPIPE, still receives", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]))
    else:
        client(sys.argv[2], int(sys.argv[3]), sys.argv[4])

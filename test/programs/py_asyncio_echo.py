#!/usr/bin/env python3
"""asyncio TCP echo server and client, for test/programs/python.sh.

  py_asyncio_echo.py server HOST PORT          echo every connection until EOF, then close
  py_asyncio_echo.py client HOST PORT N SIZE   N concurrent connections, each sends SIZE random
                                               bytes in uneven writes and half-closes; checks the
                                               echo (sha256) and the peer/sock names
"""
import asyncio
import hashlib
import os
import socket
import sys


async def serve(host, port):
    async def handle(reader, writer):
        peer = writer.get_extra_info("peername")
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()
        await writer.wait_closed()
        print(f"served {peer[0]}", flush=True)

    server = await asyncio.start_server(handle, host, port, reuse_address=True)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


async def one(host, port, size, i):
    payload = os.urandom(size)
    reader, writer = await asyncio.open_connection(host, port)
    sock = writer.get_extra_info("socket")
    assert writer.get_extra_info("peername")[:2] == (host, port), writer.get_extra_info("peername")
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) == socket.SOCK_STREAM

    async def send():
        off, step = 0, 1 + i * 7919 % 50000
        while off < size:
            writer.write(payload[off:off + step])
            await writer.drain()
            off += step
        writer.write_eof()  # half-close: the server echoes the rest, then closes

    sender = asyncio.create_task(send())
    got = bytearray()
    while chunk := await reader.read(1 << 16):
        got += chunk
    await sender
    writer.close()
    await writer.wait_closed()
    if hashlib.sha256(got).digest() != hashlib.sha256(payload).digest():
        raise SystemExit(f"connection {i}: echo differs ({len(got)} of {size} bytes)")


async def clients(host, port, n, size):
    await asyncio.wait_for(asyncio.gather(*(one(host, port, size, i) for i in range(n))), 120)
    print(f"ok {n} x {size}", flush=True)


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "server":
        asyncio.run(serve(host, port))
    else:
        asyncio.run(clients(host, port, int(sys.argv[4]), int(sys.argv[5])))


if __name__ == "__main__":
    main()

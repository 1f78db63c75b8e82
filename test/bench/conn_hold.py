#!/usr/bin/env python3
"""Benchmark helper (not a test): many concurrent TCP connections held open.

  conn_hold.py server PORT          accepts and echoes on every connection, forever
  conn_hold.py client HOST PORT N   opens N connections (200 at a time), prints "open N",
                                    waits for a line on stdin, then sends one byte on each,
                                    reads it back, and prints "alive K" (K connections that
                                    echoed) before it closes them all.
"""
import asyncio
import sys


async def serve(port):
    async def echo(reader, writer):
        try:
            while data := await reader.read(4096):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        writer.close()

    server = await asyncio.start_server(echo, host="0.0.0.0", port=port, backlog=4096)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


async def hold(host, port, n):
    conns = []
    while len(conns) < n:
        batch = min(200, n - len(conns))
        got = await asyncio.gather(*(asyncio.open_connection(host, port) for _ in range(batch)),
                                   return_exceptions=True)
        errors = [g for g in got if isinstance(g, BaseException)]
        conns += [g for g in got if not isinstance(g, BaseException)]
        if errors:
            print("error %r after %d" % (errors[0], len(conns)), flush=True)
            break
    print("open %d" % len(conns), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

    async def check(reader, writer):
        try:
            writer.write(b"x")
            await writer.drain()
            return await asyncio.wait_for(reader.readexactly(1), 30) == b"x"
        except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            return False

    alive = 0
    for i in range(0, len(conns), 500):
        alive += sum(await asyncio.gather(*(check(r, w) for r, w in conns[i:i + 500])))
    print("alive %d" % alive, flush=True)
    for _, w in conns:
        w.close()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "server":
        asyncio.run(serve(int(sys.argv[2])))
    elif len(sys.argv) == 5 and sys.argv[1] == "client":
        asyncio.run(hold(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

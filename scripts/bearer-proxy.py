#!/usr/bin/env python3
"""A loopback proxy that sends each request on with `Authorization: Bearer <token>`, for clients that cannot send a
bearer token themselves (logcli 1.x sends `Authorization: Basic Og==` and has no bearer flag).

Usage: bearer-proxy.py LISTEN_PORT UPSTREAM_PORT TOKEN_FILE   (both on 127.0.0.1; runs until killed)

One request per connection (`Connection: close` is set), except a WebSocket upgrade, which is piped through as it is
once its head is rewritten. Only the request head is touched; bodies and answers pass unchanged.
"""
import asyncio
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


def rewrite(head, token):
    lines = head.decode("latin-1").split("\r\n")
    request_line, headers = lines[0], [h for h in lines[1:] if h]
    upgrade = any(h.lower().startswith("upgrade:") for h in headers)
    kept = [h for h in headers if not h.lower().startswith("authorization:")
            and (upgrade or not h.lower().startswith("connection:"))]
    kept.append("Authorization: Bearer " + token)
    if not upgrade:
        kept.append("Connection: close")
    return ("\r\n".join([request_line] + kept) + "\r\n\r\n").encode("latin-1")


async def handle(client_reader, client_writer, upstream_port, token):
    try:
        head = await client_reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        client_writer.close()
        return
    upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
    upstream_writer.write(rewrite(head, token))
    await upstream_writer.drain()
    await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))


async def main():
    listen_port, upstream_port, token_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with open(token_file) as f:
        token = f.read().strip()
    server = await asyncio.start_server(lambda r, w: handle(r, w, upstream_port, token), "127.0.0.1", listen_port,
                                        limit=1 << 20)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())

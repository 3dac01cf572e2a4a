"""The built-in responder run in an instance's namespace, so published ports, floating IPs, NAT
and DNS can be tested end to end: a TCP echo on each `--tcp` port and a small HTTP server on
`--http`. `GET /` answers `netloom responder`; `GET /peer` answers the address the connection
came from, which shows what NAT did on the way.

    python -m tasks.drivers.responder --pid-file=PATH --tcp=7 --http=80
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

MAX_REQUEST = 8192

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(4096):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


def _response(status: str, body: str) -> bytes:
    payload = body.encode()
    head = (
        f"HTTP/1.0 {status}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + payload


def _http() -> Handler:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n")
            parts = request.decode(errors="replace").split()
            path = parts[1] if len(parts) > 1 else "/"
            peer = writer.get_extra_info("peername")
            if path == "/":
                writer.write(_response("200 OK", "netloom responder\n"))
            elif path == "/peer":
                writer.write(_response("200 OK", f"{peer[0]}\n"))
            else:
                writer.write(_response("404 Not Found", "not found\n"))
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    return serve


async def serve(tcp_ports: Sequence[int], http_port: int | None) -> None:
    servers = [await asyncio.start_server(_echo, port=port) for port in tcp_ports]
    if http_port is not None:
        servers.append(await asyncio.start_server(_http(), port=http_port, limit=MAX_REQUEST))
    await asyncio.gather(*(server.serve_forever() for server in servers))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tcp", type=int, action="append", default=[], help="TCP echo port")
    parser.add_argument("--http", type=int, default=None, help="HTTP port")
    parser.add_argument("--pid-file", type=Path, default=None, help="where to write its pid")
    options = parser.parse_args(argv)
    if options.pid_file is not None:
        options.pid_file.write_text(f"{os.getpid()}\n")
    try:
        asyncio.run(serve(options.tcp, options.http))
    finally:
        if options.pid_file is not None:
            options.pid_file.unlink(missing_ok=True)


if __name__ == "__main__":
    main()

"""The built-in responder, so published ports, floating IPs, NAT and DNS can be tested end to
end: a TCP echo on each `tcp` port and a small HTTP server on the `http` port. `GET /` answers
`netloom responder`; `GET /peer` answers the address the connection came from, which shows
what NAT did on the way.

One process serves every instance namespace of a deployment on a host: a listening socket
stays bound to the namespace it was made in, so the process enters each namespace only to
open its sockets there. A thousand instances cost one process, not a thousand. It reads what to
serve from `config.json` in its directory; SIGHUP makes it read the file again, open what is
new, close what went, and write `status.json` with the generation it now serves.

    python -m tasks.drivers.responder serve DIRECTORY
    python -m tasks.drivers.responder add DIRECTORY NAMESPACE --tcp=7 --http=80
    python -m tasks.drivers.responder remove DIRECTORY NAMESPACE
    python -m tasks.drivers.responder --tcp=7 --http=80    # alone, in the namespace it runs in

`add` and `remove` change the configuration and wait until the process serves it (`add`
starts the process when none runs). The linux driver does the same, many namespaces at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_REQUEST = 8192
BACKLOG = 128
COMMIT_TIMEOUT_SECONDS = 20.0
STOP_GRACE_SECONDS = 3.0
REPO = Path(__file__).resolve().parents[2]

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


# -- serving ------------------------------------------------------------------------------------


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(4096):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


def _response(status: str, body: str) -> bytes:
    payload = body.encode()
    head = (
        f"HTTP/1.0 {status}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + payload


async def _http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        request = await reader.readuntil(b"\r\n")
        parts = request.decode(errors="replace").split()
        path = parts[1] if len(parts) > 1 else "/"
        peer = writer.get_extra_info("peername")
        if path == "/":
            writer.write(_response("200 OK", "netloom responder\n"))
        elif path == "/peer":
            # An IPv4 peer of a dual-stack socket is seen as ::ffff:a.b.c.d.
            writer.write(_response("200 OK", f"{peer[0].removeprefix('::ffff:')}\n"))
        else:
            writer.write(_response("404 Not Found", "not found\n"))
        await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        pass
    finally:
        writer.close()


def _listening_socket(port: int) -> socket.socket:
    """A TCP socket listening on `port` on every address of the namespace it is made in, IPv4
    and IPv6 (IPv4 only where the namespace has no IPv6)."""
    try:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        address: tuple[Any, ...] = ("::", port)
    except OSError:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Every address of an instance's own namespace is the instance's.
        address = ("0.0.0.0", port)  # noqa: S104
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _listeners(tcp_ports: Sequence[int], http_port: int | None) -> list[tuple[Handler, int]]:
    out: list[tuple[Handler, int]] = [(_echo, port) for port in tcp_ports]
    if http_port is not None:
        out.append((_http, http_port))
    return out


async def _start(sockets: Sequence[tuple[Handler, socket.socket]]) -> list[asyncio.Server]:
    return [
        await asyncio.start_server(handler, sock=sock, limit=MAX_REQUEST)
        for handler, sock in sockets
    ]


async def serve_here(tcp_ports: Sequence[int], http_port: int | None) -> None:
    """Serve in the namespace this process runs in, until stopped."""
    listeners = _listeners(tcp_ports, http_port)
    servers = await _start([(handler, _listening_socket(port)) for handler, port in listeners])
    await asyncio.gather(*(server.serve_forever() for server in servers))


@dataclass(frozen=True)
class Entry:
    """What one namespace is served: echo ports, an HTTP port, and the object it realises
    (kept for the driver, which reads it back when it observes)."""

    tcp: tuple[int, ...]
    http: int | None
    data: dict[str, Any]

    @classmethod
    def load(cls, raw: dict[str, Any]) -> Entry:
        http = raw.get("http")
        return cls(
            tuple(int(port) for port in raw.get("tcp", ())),
            None if http is None else int(http),
            dict(raw.get("data", {})),
        )

    def dump(self) -> dict[str, Any]:
        return {"tcp": list(self.tcp), "http": self.http, "data": self.data}


class Hub:
    """The serving process: every namespace's servers, opened and closed as the configuration
    says."""

    def __init__(self, directory: Path) -> None:
        self.files = Files(directory)
        self.servers: dict[str, tuple[Entry, list[asyncio.Server]]] = {}
        self.failed: dict[str, str] = {}
        self._reload = asyncio.Event()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, self._reload.set)
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        self._reload.set()
        waiting = asyncio.ensure_future(stop.wait())
        while not stop.is_set():
            reload = asyncio.ensure_future(self._reload.wait())
            await asyncio.wait({reload, waiting}, return_when=asyncio.FIRST_COMPLETED)
            if self._reload.is_set():
                self._reload.clear()
                await self.reload()
            reload.cancel()
        for namespace in list(self.servers):
            self._close(namespace)

    def _close(self, namespace: str) -> None:
        _, servers = self.servers.pop(namespace)
        for server in servers:
            server.close()

    async def reload(self) -> None:
        generation, wanted = self.files.read_config()
        for namespace in [name for name in self.servers if name not in wanted]:
            self._close(namespace)
        for namespace in [name for name in self.failed if name not in wanted]:
            del self.failed[namespace]
        for namespace, entry in wanted.items():
            current = self.servers.get(namespace)
            if current is not None and current[0] == entry:
                continue
            if current is not None:
                self._close(namespace)
            self.failed.pop(namespace, None)
            try:
                self.servers[namespace] = (entry, await _start(_sockets_in(namespace, entry)))
            except OSError as exc:
                self.failed[namespace] = exc.strerror or str(exc)
        self.files.write_status(generation, sorted(self.servers), self.failed)


def _sockets_in(namespace: str, entry: Entry) -> list[tuple[Handler, socket.socket]]:
    """The entry's listening sockets, made inside the namespace."""
    from tasks.drivers.netns import entered

    made: list[tuple[Handler, socket.socket]] = []
    try:
        with entered(namespace):
            for handler, port in _listeners(entry.tcp, entry.http):
                made.append((handler, _listening_socket(port)))
    except OSError:
        for _, sock in made:
            sock.close()
        raise
    return made


# -- the files, and controlling the process -------------------------------------------------------


def _write_atomically(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, sort_keys=True))
    os.replace(temporary, path)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) else None


@dataclass(frozen=True)
class Files:
    directory: Path

    @property
    def config(self) -> Path:
        return self.directory / "config.json"

    @property
    def status(self) -> Path:
        return self.directory / "status.json"

    @property
    def pid(self) -> Path:
        return self.directory / "responder.pid"

    @property
    def log(self) -> Path:
        return self.directory / "responder.log"

    def read_config(self) -> tuple[int, dict[str, Entry]]:
        raw = _read(self.config) or {}
        entries = {name: Entry.load(entry) for name, entry in raw.get("namespaces", {}).items()}
        return int(raw.get("generation", 0)), entries

    def write_config(self, generation: int, entries: dict[str, Entry]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        namespaces = {name: entry.dump() for name, entry in sorted(entries.items())}
        _write_atomically(self.config, {"generation": generation, "namespaces": namespaces})

    def read_status(self) -> dict[str, Any]:
        return _read(self.status) or {}

    def write_status(self, generation: int, serving: list[str], failed: dict[str, str]) -> None:
        _write_atomically(
            self.status,
            {"generation": generation, "pid": os.getpid(), "serving": serving, "failed": failed},
        )


def serve_command(directory: Path) -> list[str]:
    return [sys.executable, "-m", "tasks.drivers.responder", "serve", str(directory)]


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


class ResponderControl:
    """The responder process of one directory, seen from outside: what it is asked to serve,
    what it serves, starting, signalling and stopping it. A pid counts only while it runs this
    directory's serve command, so a reused pid is never taken for it."""

    def __init__(self, directory: Path) -> None:
        self.files = Files(directory)
        self.generation, self.entries = self.files.read_config()
        # The process this object started, until it is known to run the serve command.
        self._child: subprocess.Popen[bytes] | None = None

    def pid(self) -> int | None:
        try:
            pid = int(self.files.pid.read_text())
        except (OSError, ValueError):
            return None
        return pid if _cmdline(pid) == serve_command(self.files.directory) else None

    def serving(self) -> dict[str, Entry]:
        """The namespaces the running process serves, with what it serves them."""
        if self.pid() is None:
            return {}
        status = self.files.read_status()
        _, configured = self.files.read_config()
        return {name: configured[name] for name in status.get("serving", ()) if name in configured}

    def start(self) -> None:
        """Start the process ahead of need, serving what it serves now: it takes a moment to
        start, which `commit` then need not wait for."""
        if self.pid() is None and self._child is None:
            self.files.write_config(self.generation, self.entries)
            self._child = self._start()

    def commit(self, entries: dict[str, Entry]) -> dict[str, str]:
        """Serve exactly `entries`: returns the namespaces that could not be served, with why.
        With no entries the process stops and its files go."""
        self.entries = dict(entries)
        if not entries:
            self.stop()
            return {}
        self.generation += 1
        self.files.write_config(self.generation, self.entries)
        if self._child is None and self.pid() is None:
            # It reads the configuration as it starts.
            self._child = self._start()
        else:
            # Not before it is ready: until then SIGHUP would end it.
            self._wait(lambda status: status.get("pid") == self._pid_now())
            os.kill(self._pid_now(), signal.SIGHUP)
        failed = self._wait(
            lambda status: (
                status.get("generation") == self.generation and status.get("pid") == self._pid_now()
            )
        )
        return dict(failed.get("failed", {}))

    def _pid_now(self) -> int:
        pid = self._child.pid if self._child is not None else self.pid()
        if pid is None:
            raise OSError(f"the responder of {self.files.directory} is not running")
        return pid

    def _start(self) -> subprocess.Popen[bytes]:
        self.files.directory.mkdir(parents=True, exist_ok=True)
        with self.files.log.open("ab") as output:
            child = subprocess.Popen(
                serve_command(self.files.directory),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                start_new_session=True,
            )
        self.files.pid.write_text(f"{child.pid}\n")
        return child

    def _wait(self, ready: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The status, once `ready` says it is what was waited for."""
        deadline = time.monotonic() + COMMIT_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            status = self.files.read_status()
            if ready(status):
                return status
            if self._child is not None and self._child.poll() is not None:
                tail = self.files.log.read_text(errors="replace").strip().splitlines()[-3:]
                self._child = None
                raise OSError(f"the responder exited: {' '.join(tail)}")
            time.sleep(0.002)
        raise OSError(f"the responder did not take up its configuration in {self.files.directory}")

    def stop(self) -> None:
        """Stop the process if it runs, and remove its files."""
        if self._child is not None:
            # Started here and perhaps not yet running its command: ready first, then stopped.
            with suppress(OSError):
                self._wait(lambda status: status.get("pid") == self._pid_now())
            self._child = None
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            while self.pid() is not None and time.monotonic() < deadline:
                with suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
                time.sleep(0.005)
            if self.pid() is not None:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        for path in (self.files.config, self.files.status, self.files.pid, self.files.log):
            path.unlink(missing_ok=True)
        with suppress(OSError):
            self.files.directory.rmdir()
        self.generation, self.entries = 0, {}


# -- command line ---------------------------------------------------------------------------------


def _raise_open_files_limit() -> None:
    """Two sockets per namespace add up: take every file descriptor the hard limit allows."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: Sequence[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in ("serve", "add", "remove"):
        _control(arguments)
        return
    parser = argparse.ArgumentParser(description="Serve TCP echo and HTTP here.")
    parser.add_argument("--tcp", type=int, action="append", default=[], help="TCP echo port")
    parser.add_argument("--http", type=int, default=None, help="HTTP port")
    options = parser.parse_args(arguments)
    asyncio.run(serve_here(options.tcp, options.http))


def _control(arguments: list[str]) -> None:
    parser = argparse.ArgumentParser(description="The responder of many namespaces.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve").add_argument("directory", type=Path)
    add = commands.add_parser("add")
    add.add_argument("directory", type=Path)
    add.add_argument("namespace")
    add.add_argument("--tcp", type=int, action="append", default=[], help="TCP echo port")
    add.add_argument("--http", type=int, default=None, help="HTTP port")
    remove = commands.add_parser("remove")
    remove.add_argument("directory", type=Path)
    remove.add_argument("namespace")
    options = parser.parse_args(arguments)
    if options.command == "serve":
        _raise_open_files_limit()
        asyncio.run(Hub(options.directory).run())
        return
    control = ResponderControl(options.directory)
    entries = dict(control.entries)
    if options.command == "add":
        entries[options.namespace] = Entry(tuple(options.tcp), options.http, {})
    else:
        entries.pop(options.namespace, None)
    failed = control.commit(entries)
    if failed:
        sys.exit("; ".join(f"{name}: {why}" for name, why in sorted(failed.items())))


if __name__ == "__main__":
    main()

"""Supervised processes of a deployment (dnsmasq, the responder) running inside namespaces.

Each one has a record in the driver's run directory: its pid, the command it was started with
and the object it realises. A process counts as running only while that pid is alive, runs
that command and sits in that namespace, so a reused pid is never mistaken for ours.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.drivers.kernel import NETNS_DIR

STOP_GRACE_SECONDS = 3.0
START_CHECK_SECONDS = 0.2


@dataclass(frozen=True)
class Record:
    path: Path
    pid: int
    namespace: str
    command: tuple[str, ...]
    data: dict[str, Any]


def _cmdline(pid: int) -> tuple[str, ...]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ()
    return tuple(part.decode(errors="replace") for part in raw.split(b"\0") if part)


def _in_namespace(pid: int, namespace: str) -> bool:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat(NETNS_DIR / namespace).st_ino
    except OSError:
        return False


def running(record: Record) -> bool:
    """Whether the recorded process is alive and is the one we started (`ip netns exec`
    replaces itself with the command)."""
    return _cmdline(record.pid) == record.command and _in_namespace(record.pid, record.namespace)


def load(path: Path) -> Record | None:
    try:
        raw = json.loads(path.read_text())
        return Record(path, int(raw["pid"]), raw["namespace"], tuple(raw["command"]), raw["data"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def records(directory: Path) -> list[Record]:
    if not directory.is_dir():
        return []
    found = (load(path) for path in sorted(directory.glob("*.json")))
    return [record for record in found if record is not None]


def start(
    path: Path,
    namespace: str,
    command: list[str],
    data: dict[str, Any],
    log: Path,
    cwd: Path | None = None,
) -> Record:
    """Start `command` inside `namespace`, detached from the caller's session so it outlives
    the worker, and record it. Raises OSError if it exits at once (its log says why)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        child = subprocess.Popen(
            ["ip", "netns", "exec", namespace, *command],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )
    record = Record(path, child.pid, namespace, tuple(command), data)
    path.write_text(
        json.dumps({"pid": child.pid, "namespace": namespace, "command": command, "data": data})
    )
    deadline = time.monotonic() + START_CHECK_SECONDS
    while time.monotonic() < deadline:
        if child.poll() is not None:
            stop(record)
            tail = log.read_text(errors="replace").strip().splitlines()[-3:]
            raise OSError(f"{command[0]} exited with {child.returncode}: {' '.join(tail)}")
        time.sleep(0.02)
    return record


def _reap(pid: int) -> None:
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def stop(record: Record) -> None:
    """Stop the recorded process if it still runs, then drop its record."""
    if running(record):
        os.kill(record.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while running(record) and time.monotonic() < deadline:
            _reap(record.pid)
            time.sleep(0.02)
        if running(record):
            os.kill(record.pid, signal.SIGKILL)
    _reap(record.pid)
    record.path.unlink(missing_ok=True)

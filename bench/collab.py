"""Benchmark: delay from one client's edit to another client's screen, over real WebSockets.

It starts the real server (`manage.py serve`: Daphne, the ASGI application, Channels) on a
loopback port with a database of its own, opens two sockets on one topology, an editor's and
a viewer's, and has the editor send edits one after another. For each edit it measures the
time from sending it to the viewer receiving the revision, and, as the baseline in the same
run, the time of a `ping` answered by the server (a round trip through the same stack that
touches no database). It prints p50, p95 and the worst delay, and their ratio to the baseline.
Target: p95 at most 100 ms.

    python bench/collab.py [--edits 300] [--elements 200]

With DATABASE_URL and REDIS_URL set it measures PostgreSQL and the Redis channel layer (its
test database is created and dropped); without, the embedded mode in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import websockets

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(env: dict[str, str], elements: int) -> tuple[int, str, str]:
    """Migrate a fresh database and make an editor, a viewer and a topology of `elements`
    networks; return the topology id and the two session cookies."""
    script = f"""
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from django.test import Client
from designer.models import Membership, Role
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from designer.spec import parse_document
editor = User.objects.create_user("bench-editor")
viewer = User.objects.create_user("bench-viewer")
project = create_project("Bench", editor)
Membership.objects.create(project=project, user=viewer, role=Role.VIEWER)
networks = [
    {{"id": f"n{{i}}", "name": f"net {{i}}", "kind": "docker_user_bridge"}}
    for i in range({elements})
]
document = parse_document({{"networks": networks}})
topology = create_topology(project, "Bench", editor, document=document)
cookies = []
for user in (editor, viewer):
    client = Client()
    client.force_login(user)
    cookies.append(client.cookies["sessionid"].value)
print(json.dumps([topology.pk, *cookies]))
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    topology, editor, viewer = json.loads(out.strip().splitlines()[-1])
    return int(topology), str(editor), str(viewer)


async def connect(port: int, topology: int, session: str) -> Any:
    socket_ = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/topologies/{topology}/",
        additional_headers={"Cookie": f"sessionid={session}"},
        origin=websockets.Origin(f"http://127.0.0.1:{port}"),
        max_size=None,
    )
    welcome = json.loads(await socket_.recv())
    assert welcome["type"] == "welcome", welcome
    return socket_, welcome


async def until(socket_: Any, wanted: str) -> dict[str, Any]:
    while True:
        message = json.loads(await socket_.recv())
        if message["type"] == wanted:
            return message


async def measure(
    port: int, topology: int, editor_session: str, viewer_session: str, edits: int
) -> dict[str, list[float]]:
    editor, welcome = await connect(port, topology, editor_session)
    viewer, _ = await connect(port, topology, viewer_session)
    revision = welcome["revision"]
    delays: list[float] = []
    pings: list[float] = []
    warmup = 20
    for n in range(edits + warmup):
        start = time.perf_counter()
        await editor.send(json.dumps({"type": "ping"}))
        await until(editor, "pong")
        ping = time.perf_counter() - start
        edit = {
            "type": "edit",
            "edit_id": f"bench{n}",
            "base_revision": revision,
            "ops": [
                {
                    "op": "update",
                    "list": "networks",
                    "id": f"n{n % 50}",
                    "set": {"name": f"edit {n}"},
                }
            ],
        }
        start = time.perf_counter()
        await editor.send(json.dumps(edit))
        seen = await until(viewer, "revision")
        delay = time.perf_counter() - start
        ack = await until(editor, "ack")
        assert seen["revision"] == ack["revision"], (seen, ack)
        revision = ack["revision"]
        if n >= warmup:
            delays.append(delay)
            pings.append(ping)
    await editor.close()
    await viewer.close()
    return {"delays": delays, "pings": pings}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=300)
    parser.add_argument("--elements", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="netloom-bench-") as var:
        env = {**os.environ, "NETLOOM_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "designer.settings"}
        mode = (
            "PostgreSQL + Redis" if env.get("DATABASE_URL") and env.get("REDIS_URL") else "embedded"
        )
        if env.get("DATABASE_URL"):
            # A database of its own, next to the configured one.
            base, _, _ = env["DATABASE_URL"].rpartition("/")
            env["DATABASE_URL"] = f"{base}/netloom_bench_collab"
            subprocess.run(
                ["psql", f"{base}/postgres", "-qc", "DROP DATABASE IF EXISTS netloom_bench_collab"],
                check=True,
            )
            subprocess.run(
                ["psql", f"{base}/postgres", "-qc", "CREATE DATABASE netloom_bench_collab"],
                check=True,
            )
        topology, editor, viewer = prepare(env, args.elements)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            result = asyncio.run(measure(port, topology, editor, viewer, args.edits))
        finally:
            server.send_signal(signal.SIGINT)  # serve stops cleanly on Ctrl-C
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            if env.get("DATABASE_URL"):
                base, _, _ = env["DATABASE_URL"].rpartition("/")
                subprocess.run(
                    [
                        "psql",
                        f"{base}/postgres",
                        "-qc",
                        "DROP DATABASE IF EXISTS netloom_bench_collab",
                    ],
                    check=False,
                )
    delays, pings = result["delays"], result["pings"]
    baseline = statistics.median(pings)
    p50, p95 = percentile(delays, 0.5), percentile(delays, 0.95)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}; mode: {mode}; "
        f"topology of {args.elements} elements; {len(delays)} edits"
    )
    print(f"{'':>22} {'ms':>8} {'x baseline':>10}")
    print(f"{'baseline (ping p50)':>22} {baseline * 1000:>8.2f} {1:>10.2f}")
    for label, value in (
        ("edit to other p50", p50),
        ("edit to other p95", p95),
        ("worst", max(delays)),
    ):
        print(f"{label:>22} {value * 1000:>8.2f} {value / baseline:>10.2f}")
    if p95 > 0.1:
        print("  target missed: p95 at most 100 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

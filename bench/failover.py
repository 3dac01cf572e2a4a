"""Benchmark: an HA router's failover as traffic and a browser see it, with adverts every 1 s
and every 0.1 s, in the same run.

It serves Netloom for real (`manage.py serve`: Daphne, Channels, and with Redis the Celery
workers of each host as separate processes) with a database of its own, brings up a lab fabric
of its own (two networking nodes and a compute node), and for each advert interval deploys one
topology: vm1 and vm2 on two subnets joined only by HA router r1. Then it crashes the master
over the API, again and again, with a failback after each drill, while a WebSocket client of
the topology listens. For each setting it prints p50 and p95 of
- the outage: the longest gap in replies of the drill's probe (vm1 pinging vm2 through the
  router every 20 ms, from the compute node's worker);
- crash to client: from the drill's act (its `at`, the kill) to the `failover` event reaching
  the client;
and each figure's ratio between the two settings. Targets, with 0.1 s adverts: outage p95 at
most 0.5 s, crash to client p95 at most 1 s. `--kind host_failure` fails the master's host
instead (its keepalived killed and its routers' interfaces down).

    sudo .venv/bin/python bench/failover.py [--drills 20] [--kind crash_master]

With DATABASE_URL and REDIS_URL set it measures PostgreSQL and Redis (a database
`netloom_bench_failover` beside the configured one, created and dropped, and Redis database
15, emptied before and after); without, the embedded mode in a temporary folder. Whatever
happens, what it deployed is destroyed and its fabric taken down.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import websockets

ROOT = Path(__file__).resolve().parent.parent
# The bench's own names: its database, its Redis database, its fabric, and topology numbers
# (kernel objects are named from them) far from the tests' and the other benchmarks'.
DATABASE = "netloom_bench_failover"
REDIS_DB = 15
FABRIC = "nlbfo"
FIRST_TOPOLOGY_ID = 36**4 - 60_000
SETTINGS = (1.0, 0.1)
TARGET_OUTAGE_P95 = 0.5
TARGET_CLIENT_P95 = 1.0
# How long one step (a deploy, a drill and its probe, a failback) may take.
STEP_SECONDS = 60.0


def document(advert: float) -> dict[str, Any]:
    """vm1 on `lan` and vm2 on `far`, both on compute-1, joined only by HA router r1."""

    def port(id: str, network: str, device: str, subnet: str, ip: str | None) -> dict[str, Any]:
        fixed = {"subnet": subnet, **({"ip_address": ip} if ip else {})}
        return {"id": id, "network": network, "device": device, "fixed_ips": [fixed]}

    return {
        "networks": [
            {"id": "lan", "name": "lan", "kind": "self_service"},
            {"id": "far", "name": "far", "kind": "self_service"},
        ],
        "subnets": [
            {
                "id": f"{name}-v4",
                "name": name,
                "network": name,
                "cidr": f"10.73.{n}.0/24",
                "gateway_ip": f"10.73.{n}.1",
                "enable_dhcp": False,
            }
            for n, name in enumerate(("lan", "far"))
        ],
        "routers": [{"id": "r1", "name": "r1", "mode": "ha", "vrrp": {"advert_interval": advert}}],
        "instances": [
            {"id": "vm1", "name": "vm1", "host": "compute-1"},
            {"id": "vm2", "name": "vm2", "host": "compute-1"},
        ],
        "ports": [
            port("r1-lan", "lan", "r1", "lan-v4", None),
            port("r1-far", "far", "r1", "far-v4", None),
            port("p1", "lan", "vm1", "lan-v4", "10.73.0.11"),
            port("p2", "far", "vm2", "far-v4", "10.73.1.11"),
        ],
    }


PREPARE = """
import django, json, sys
django.setup()
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token
from designer.models import Topology
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from designer.spec import parse_document
first, documents = int(sys.argv[1]), json.loads(sys.argv[2])
table = Topology._meta.db_table
with connection.cursor() as cursor:
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, first]
        )
    else:
        cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
        cursor.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, first - 1]
        )
owner = User.objects.create_user("bench-owner", is_staff=True)
project = create_project("Failover bench", owner)
topologies = [
    create_topology(project, f"adverts {n}", owner, document=parse_document(doc)).pk
    for n, doc in enumerate(documents)
]
client = Client()
client.force_login(owner)
token = Token.objects.create(user=owner).key
print(json.dumps([topologies, token, client.cookies["sessionid"].value]))
"""

# Every deployment of every topology in the bench's database removed from every host, whatever
# state the API left it in, then the fabric: the safety net after a failure. (Its rows in the
# host registry go with the bench's database.)
SWEEP = """
import django, sys
django.setup()
from designer.models import Host, Topology
from tasks.drivers import HostBinding
from tasks.drivers.linux import LinuxDriver
from tasks.fabric import kernel
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix
for topology in Topology.objects.all():
    for host in Host.objects.all():
        binding = HostBinding(host.name, host.namespace or None)
        LinuxDriver(binding, deployment_prefix(topology.pk)).destroy()
kernel.down(FabricSpec(prefix=sys.argv[1]))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def manage(env: dict[str, str], *arguments: str, check: bool = True) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(arguments)} failed: {result.stderr[-2000:]}")
    return result.stdout


def python(env: dict[str, str], code: str, *arguments: str, check: bool = True) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise SystemExit(f"a bench step failed: {result.stderr[-2000:]}")
    return result.stdout


# --- the API and the socket ------------------------------------------------------------------


class Api:
    """The REST API on the loopback port, with the owner's key."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(
                method,
                f"/api/v1/{path}",
                body=None if body is None else json.dumps(body),
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                },
            )
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"null")
        finally:
            connection.close()


class Listener:
    """A WebSocket client of the topology that keeps every message with the time it arrived."""

    def __init__(self) -> None:
        self.messages: list[tuple[float, dict[str, Any]]] = []
        self.arrived = asyncio.Event()
        self.socket: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.busy: asyncio.Task[None] | None = None

    async def open(self, port: int, topology: int, session: str) -> None:
        self.socket = await websockets.connect(
            f"ws://127.0.0.1:{port}/ws/topologies/{topology}/",
            additional_headers={"Cookie": f"sessionid={session}"},
            origin=websockets.Origin(f"http://127.0.0.1:{port}"),
            max_size=None,
        )
        self.reader = asyncio.create_task(self._read())
        self.busy = asyncio.create_task(self._keep_busy())

    async def _keep_busy(self) -> None:
        """Send the client's (empty) selection every 2 s, which the server relays to the
        topology's sockets through the channel layer. redis-py 8 reads with a 5 s socket
        timeout by default, the very time channels_redis blocks for a socket's next message:
        with Redis, a socket that hears nothing for 5 s loses that race and is closed."""
        while True:
            await asyncio.sleep(2)
            await self.socket.send(json.dumps({"type": "select", "elements": []}))

    async def _read(self) -> None:
        try:
            async for text in self.socket:
                self.messages.append((time.time(), json.loads(text)))
                self.arrived.set()
        finally:
            self.arrived.set()  # closed: whoever waits finds out at once

    async def close(self) -> None:
        for task in (self.reader, self.busy):
            if task is not None:
                task.cancel()
        if self.socket is not None:
            await self.socket.close()

    async def first(
        self, wanted: Callable[[dict[str, Any]], bool], timeout: float = STEP_SECONDS
    ) -> tuple[float, dict[str, Any]]:
        """The first message kept so far or arriving within `timeout` that is `wanted`."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for at, message in self.messages[seen:]:
                if wanted(message):
                    return at, message
            seen = len(self.messages)
            if self.reader is not None and self.reader.done():
                raise SystemExit(f"the server closed the socket; last messages: {self.tail()}")
            self.arrived.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SystemExit(f"waited {timeout:g} s in vain; last messages: {self.tail()}")
            with suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), remaining)

    def tail(self) -> list[str]:
        return [message.get("type", "?") for _, message in self.messages[-10:]]


def _failover_of(drill_id: int) -> Callable[[dict[str, Any]], bool]:
    def caused(message: dict[str, Any]) -> bool:
        return message["type"] == "failover" and message["drill"] == drill_id

    return caused


def _drill_over(drill_id: int) -> Callable[[dict[str, Any]], bool]:
    """A `drill` event of the drill once it and its probe are over."""

    def over(message: dict[str, Any]) -> bool:
        if message["type"] != "drill" or message["drill"]["id"] != drill_id:
            return False
        drill = message["drill"]
        probe_over = drill["probe"] is None or drill["probe"]["state"] in ("done", "failed")
        return drill["state"] != "queued" and probe_over

    return over


async def _deployed(api: Api, topology: int, action: str) -> None:
    status, body = await asyncio.to_thread(
        api.call, "POST", f"topologies/{topology}/deployments/", {"action": action}
    )
    if status != 202:
        raise SystemExit(f"{action} refused: {status} {body}")
    deadline = time.monotonic() + STEP_SECONDS
    while True:
        _, detail = await asyncio.to_thread(
            api.call, "GET", f"topologies/{topology}/deployments/{body['id']}/"
        )
        if detail["state"] in ("deployed", "destroyed"):
            return
        if detail["state"] in ("failed", "cancelled") or time.monotonic() > deadline:
            raise SystemExit(f"{action} ended {detail['state']}: {detail.get('error')}")
        await asyncio.sleep(0.2)


async def _drill(api: Api, topology: int, kind: str) -> dict[str, Any]:
    """Ask for a drill, again while no single instance reports MASTER yet (right after a
    deploy or a failback)."""
    deadline = time.monotonic() + STEP_SECONDS
    while True:
        status, body = await asyncio.to_thread(
            api.call, "POST", f"topologies/{topology}/routers/r1/drills/", {"kind": kind}
        )
        if status == 202:
            return dict(body)
        if status != 409 or body.get("code") != "no_master" or time.monotonic() > deadline:
            raise SystemExit(f"{kind} refused: {status} {body}")
        await asyncio.sleep(0.1)


async def measure(
    api: Api, port: int, topology: int, session: str, drills: int, kind: str
) -> list[dict[str, Any]]:
    """Deploy the topology, run `drills` drills of `kind` each followed by a failback, and
    destroy it; each drill's outage and the delay from its act to the failover event."""
    await _deployed(api, topology, "deploy")
    listener = Listener()
    await listener.open(port, topology, session)
    rounds = []
    try:
        for _ in range(drills):
            drill = await _drill(api, topology, kind)
            heard, failover = await listener.first(_failover_of(drill["id"]))
            _, over = await listener.first(_drill_over(drill["id"]))
            done = over["drill"]
            if done["state"] != "done" or done["probe"] is None:
                raise SystemExit(f"the drill or its probe failed: {done}")
            if done["probe"]["state"] != "done":
                raise SystemExit(f"the probe failed: {done['probe']['error']}")
            at = done["at"]
            rounds.append(
                {
                    "outage": done["outage_seconds"],
                    "to_client": heard - _timestamp(at),
                    "sent": done["probe"]["sent"],
                    "received": done["probe"]["received"],
                    "no_master": failover["no_master_seconds"],
                }
            )
            back = await _drill(api, topology, "failback")
            _, over = await listener.first(_drill_over(back["id"]))
            if over["drill"]["state"] != "done":
                raise SystemExit(f"the failback failed: {over['drill']['error']}")
    finally:
        await listener.close()
    await _deployed(api, topology, "destroy")
    return rounds


def _timestamp(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


# --- the machine and the run -----------------------------------------------------------------


def machine() -> str:
    model = ""
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB"
    return (
        f"{os.cpu_count()} cores ({model or platform.machine()}){memory}, Linux "
        f"{platform.release()}, Python {platform.python_version()}, load "
        f"{os.getloadavg()[0]:.1f}"
    )


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # serve and Celery stop cleanly on Ctrl-C
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run(options: argparse.Namespace, env: dict[str, str], var: Path) -> dict[float, Any]:
    """Bring everything up, measure each setting, and take everything down whatever happens."""
    redis = bool(env.get("REDIS_URL"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "fabric", "down", "--prefix", FABRIC, check=False)
        manage(
            env, "fabric", "up", "--prefix", FABRIC, "--network-nodes", "2", "--compute-nodes", "1"
        )
        documents = json.dumps([document(advert) for advert in SETTINGS])
        out = python(env, PREPARE, str(FIRST_TOPOLOGY_ID), documents)
        topologies, token, session = json.loads(out.strip().splitlines()[-1])
        port = free_port()
        serve = [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(port)]
        processes.append(_start(serve, env, var / "serve.log"))
        if redis:
            # As in production: a worker for the default queue, and one for each host's.
            for queue in ("celery", "host.network-1", "host.network-2", "host.compute-1"):
                worker = [sys.executable, "-m", "celery", "-A", "tasks", "worker", "-Q", queue]
                worker += ["--concurrency", "1", "-n", f"bench-{queue}@%h", "-l", "warning"]
                worker += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
                processes.append(_start(worker, env, var / f"worker-{queue}.log"))
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        api = Api(port, token)
        results = {}
        for advert, topology in zip(SETTINGS, topologies, strict=True):
            results[advert] = asyncio.run(
                measure(api, port, topology, session, options.drills, options.kind)
            )
        return results
    finally:
        for process in reversed(processes):
            _stop(process)
        python(env, SWEEP, FABRIC)


def report(results: dict[float, list[dict[str, Any]]], kind: str, mode: str) -> None:
    print(f"machine: {machine()}; mode: {mode}; drill: {kind}, each followed by a failback")
    print(
        f"{'adverts':>8} {'drills':>6} {'outage p50':>11} {'outage p95':>11} "
        f"{'crash->client p50':>18} {'p95':>8} {'lost replies':>13}"
    )
    figures = {}
    for advert, rounds in results.items():
        outages = [r["outage"] for r in rounds]
        delays = [r["to_client"] for r in rounds]
        lost = sum(r["sent"] - r["received"] for r in rounds) / len(rounds)
        figures[advert] = (
            percentile(outages, 0.5),
            percentile(outages, 0.95),
            percentile(delays, 0.5),
            percentile(delays, 0.95),
        )
        o50, o95, d50, d95 = figures[advert]
        print(
            f"{advert:>7g}s {len(rounds):>6} {o50:>10.3f}s {o95:>10.3f}s "
            f"{d50:>17.3f}s {d95:>7.3f}s {lost:>10.1f}/drill"
        )
    slow, fast = (figures[advert] for advert in SETTINGS)
    ratios = [s / f if f else float("inf") for s, f in zip(slow, fast, strict=True)]
    print(
        f"{'1 s / 0.1 s':>15} {ratios[0]:>10.1f}x {ratios[1]:>10.1f}x "
        f"{ratios[2]:>17.1f}x {ratios[3]:>7.1f}x"
    )
    o95, d95 = fast[1], fast[3]
    print(
        f"targets with 0.1 s adverts: outage p95 <= {TARGET_OUTAGE_P95:g} s "
        f"({'met' if o95 <= TARGET_OUTAGE_P95 else 'MISSED'}: {o95:.3f} s); crash->client p95 "
        f"<= {TARGET_CLIENT_P95:g} s ({'met' if d95 <= TARGET_CLIENT_P95 else 'MISSED'}: "
        f"{d95:.3f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--drills", type=int, default=20, help="drills for each advert interval")
    parser.add_argument("--kind", choices=["crash_master", "host_failure"], default="crash_master")
    options = parser.parse_args()
    if options.drills < 1:
        parser.error("--drills must be at least 1")
    if os.geteuid() != 0:
        raise SystemExit(
            "bench/failover.py builds a lab fabric and deploys onto it: run it as root"
        )
    with tempfile.TemporaryDirectory(prefix="netloom-bench-failover-") as folder:
        var = Path(folder)
        env = {
            **os.environ,
            "NETLOOM_VAR_DIR": str(var),
            "DJANGO_SETTINGS_MODULE": "designer.settings",
            "NETLOOM_FABRIC_PREFIX": FABRIC,
        }
        redis = bool(env.get("DATABASE_URL") and env.get("REDIS_URL"))
        if not redis:
            env.pop("DATABASE_URL", None)
            env.pop("REDIS_URL", None)
        base = ""
        if redis:
            base = env["DATABASE_URL"].rpartition("/")[0]
            env["DATABASE_URL"] = f"{base}/{DATABASE}"
            env["REDIS_URL"] = f"{env['REDIS_URL'].rpartition('/')[0]}/{REDIS_DB}"
            for statement in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
                subprocess.run(["psql", f"{base}/postgres", "-qc", statement], check=True)
            python(env, "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()")
        try:
            results = run(options, env, var)
        except BaseException:
            for log in sorted(var.glob("*.log")):
                print(f"--- {log.name} (end)", file=sys.stderr)
                print(log.read_text(errors="replace")[-30000:], file=sys.stderr)
            raise
        finally:
            if redis:
                python(
                    env,
                    "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()",
                    check=False,
                )
                subprocess.run(
                    ["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {DATABASE}"],
                    check=False,
                )
    report(results, options.kind, "PostgreSQL + Redis" if redis else "embedded")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

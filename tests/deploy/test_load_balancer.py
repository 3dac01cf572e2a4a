"""Load balancers deployed end to end on a lab fabric (its networking node runs them, with nft
tables where the kernel has no IPVS): a client's connections to a VIP spread over three
members, one of them behind a router, each answering with its own name, round robin and by
weight; a member whose server stops is out of the spread within two health-check intervals,
and back once it serves again, each change sent to the topology's sockets as an `lb_member`
event. Destroying leaves nothing: namespaces, tables, checkers and their files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from designer.realtime.broadcast import group_name
from designer.services.topologies import save_revision
from designer.services.vrrp import member_health
from designer.spec import Document, parse_document
from tasks.drivers import RUN_DIR
from tasks.drivers import kernel_process as processes
from tasks.fabric.spec import FabricSpec
from tasks.planner.loadbalancers import balancer_namespace
from tasks.planner.names import deployment_prefix, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy import probe
from tests.deploy.conftest import (
    LANE,
    deploy,
    deploy_again_changes_nothing,
    destroy_leaving_nothing,
    fabric_up,
    make_topology,
    python_in,
)

LB_PREFIX = f"nllb{'abcdefghijklmnopqrstuvwxyz'[LANE]}"
MEMBERS = ("m1", "m2", "m3")
ROUND_ROBIN_VIP = "10.75.0.50"
WEIGHTED_VIP = "10.75.0.51"
MEMBER_PORT = 8080
INTERVAL = 0.5
# Time for a stopped member to be seen failing twice (two intervals) and the table rewritten.
SLACK = 0.7

# Fetch http://VIP:PORT/ argv[3] times, each on a new connection; print the answers.
FETCH = (
    "import sys, urllib.request\n"
    "for _ in range(int(sys.argv[3])):\n"
    "    try:\n"
    "        with urllib.request.urlopen(f'http://{sys.argv[1]}:{sys.argv[2]}/', timeout=2) as r:\n"
    "            print(r.read().decode().strip())\n"
    "    except OSError:\n"
    "        print('-')\n"
)


@pytest.fixture(scope="module")
def lab_fabric() -> Iterator[FabricSpec]:
    with fabric_up(FabricSpec(prefix=LB_PREFIX, network_nodes=1, compute_nodes=2)) as spec:
        yield spec


def balanced_lan() -> Document:
    """A client, m1 and m2 on lan (10.75.0.0/24), m3 on back (10.76.0.0/24) behind router r; a
    round-robin and a weighted (1:2:3) load balancer on lan over the members' port 8080,
    checked by HTTP every 0.5 s."""
    check = {"type": "http", "interval": INTERVAL, "timeout": 0.4, "rise": 2, "fall": 2}
    members = [{"instance": m, "port": MEMBER_PORT} for m in MEMBERS]
    weighted = [{**m, "weight": w} for m, w in zip(members, (1, 2, 3), strict=True)]
    return document(
        networks=[net("lan"), net("back")],
        subnets=[
            subnet("lan-v4", "lan", "10.75.0.0/24", gateway_ip="10.75.0.1", enable_dhcp=False),
            subnet("back-v4", "back", "10.76.0.0/24", gateway_ip="10.76.0.1", enable_dhcp=False),
        ],
        routers=[{"id": "r", "name": "r"}],
        instances=[
            {"id": "client", "name": "client", "host": "compute-1"},
            *({"id": m, "name": m, "host": f"compute-{i % 2 + 1}"} for i, m in enumerate(MEMBERS)),
        ],
        ports=[
            port("r-lan", "lan", "r", ("lan-v4", None)),
            port("r-back", "back", "r", ("back-v4", None)),
            port("p-client", "lan", "client", ("lan-v4", "10.75.0.10")),
            port("p-m1", "lan", "m1", ("lan-v4", "10.75.0.11")),
            port("p-m2", "lan", "m2", ("lan-v4", "10.75.0.12")),
            port("p-m3", "back", "m3", ("back-v4", "10.76.0.13")),
        ],
        load_balancers=[
            {
                "id": "web",
                "name": "web",
                "subnet": "lan-v4",
                "vip_address": ROUND_ROBIN_VIP,
                "port": 80,
                "members": members,
                "health_check": check,
            },
            {
                "id": "web-weighted",
                "subnet": "lan-v4",
                "vip_address": WEIGHTED_VIP,
                "port": 81,
                "algorithm": "weighted",
                "members": weighted,
                "health_check": check,
            },
        ],
    )


class Servers:
    """An HTTP server on port 8080 in each member's namespace, answering its name."""

    def __init__(self, prefix: str, root: Path) -> None:
        self.prefix = prefix
        self.root = root
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def namespace(self, member: str) -> str:
        host = f"compute-{MEMBERS.index(member) % 2 + 1}"
        return namespace_name(self.prefix, "instance", host, member)

    def start(self, member: str) -> None:
        directory = self.root / member
        directory.mkdir(exist_ok=True)
        (directory / "index.html").write_text(f"{member}\n")
        command = [sys.executable, "-m", "http.server", str(MEMBER_PORT)]
        self.running[member] = subprocess.Popen(
            ["ip", "netns", "exec", self.namespace(member), *command, "--directory", directory],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        listening = ["ip", "netns", "exec", self.namespace(member), "ss", "-Htln"]
        deadline = time.monotonic() + 10
        while f":{MEMBER_PORT} " not in probe.run(*listening).stdout:
            assert time.monotonic() < deadline, f"{member}'s server does not listen"
            time.sleep(0.05)

    def stop(self, member: str) -> None:
        process = self.running.pop(member)
        process.terminate()
        process.wait(5)

    def stop_all(self) -> None:
        for member in list(self.running):
            self.stop(member)


def member_states(prefix: str, balancer: str) -> dict[str, str]:
    """Each member's state as the load balancer's checker last wrote it."""
    namespace = balancer_namespace(prefix, "network-1", balancer)
    path = Path(RUN_DIR, f"lb-{namespace}.states.json")
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {member: entry["state"] for member, entry in raw["members"].items()}


def wait_for_states(
    prefix: str,
    wanted: dict[str, str],
    timeout: float,
    balancers: tuple[str, ...] = ("web", "web-weighted"),
) -> None:
    """Until the load balancers' checkers see the members as `wanted` (member -> state)."""
    expected = {f"{member}:{MEMBER_PORT}": state for member, state in wanted.items()}
    deadline = time.monotonic() + timeout
    while True:
        seen = {lb: member_states(prefix, lb) for lb in balancers}
        if all(states == expected for states in seen.values()):
            return
        assert time.monotonic() < deadline, f"after {timeout} s: {seen}"
        time.sleep(0.05)


async def _listening(topology_id: int) -> str:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group_name(topology_id), channel)
    return channel


async def _member_events(channel: str, wanted: int, timeout: float) -> list[dict[str, str]]:
    """The first `wanted` `lb_member` events sent to the topology's group."""
    import asyncio

    layer = get_channel_layer()
    found: list[dict[str, str]] = []
    deadline = time.monotonic() + timeout
    while len(found) < wanted:
        remaining = deadline - time.monotonic()
        assert remaining > 0, found
        message = await asyncio.wait_for(layer.receive(channel), remaining)
        event = json.loads(message.get("text", "{}"))
        if event.get("type") == "lb_member":
            found.append(event)
    return found


def fetch(client: str, vip: str, port: int, count: int) -> Counter[str]:
    return Counter(python_in(client, FETCH, vip, str(port), str(count)).split())


def test_load_balancer_spreads_and_follows_health(lab: FabricSpec, tmp_path: Path) -> None:
    owner, topology = make_topology(balanced_lan())
    prefix = deployment_prefix(topology.pk)
    servers = Servers(prefix, tmp_path)
    try:
        deploy(topology, owner)
        deploy_again_changes_nothing(topology, owner)
        # No member serves yet: the checkers take each out after two failed checks.
        wait_for_states(prefix, dict.fromkeys(MEMBERS, "down"), 10)
        for member in MEMBERS:
            servers.start(member)
        wait_for_states(prefix, dict.fromkeys(MEMBERS, "up"), 10)
        client = namespace_name(prefix, "instance", "compute-1", "client")
        web = balancer_namespace(prefix, "network-1", "web")

        # Round robin: every member its share.
        assert fetch(client, ROUND_ROBIN_VIP, 80, 30) == Counter(dict.fromkeys(MEMBERS, 10))
        # Weighted 1:2:3 over whole turns of the map.
        assert fetch(client, WEIGHTED_VIP, 81, 60) == Counter(m1=10, m2=20, m3=30)

        # m2 stops: within two intervals (and a little) it is out of the spread.
        channel = async_to_sync(_listening)(topology.pk)
        servers.stop("m2")
        time.sleep(2 * INTERVAL + SLACK)
        assert fetch(client, ROUND_ROBIN_VIP, 80, 20) == Counter(m1=10, m3=10)
        assert fetch(client, WEIGHTED_VIP, 81, 40) == Counter(m1=10, m3=30)
        assert member_states(prefix, "web") == {"m1:8080": "up", "m2:8080": "down", "m3:8080": "up"}

        # Back: after `rise` good checks it takes its turns again.
        servers.start("m2")
        time.sleep(2 * INTERVAL + SLACK)
        # Each checker told the topology's sockets, down then up.
        events = async_to_sync(_member_events)(channel, 4, 10)
        changes = sorted((e["load_balancer"], e["member"], e["state"], e["at"]) for e in events)
        assert [change[:3] for change in changes] == [
            ("web", "m2:8080", "down"),
            ("web", "m2:8080", "up"),
            ("web-weighted", "m2:8080", "down"),
            ("web-weighted", "m2:8080", "up"),
        ], events
        assert {e["host"] for e in events} == {"network-1"}
        assert member_states(prefix, "web")["m2:8080"] == "up"
        # The changes are kept for pages that open later: each member's newest, all up now.
        _, health = member_health(topology)
        assert {(h.load_balancer, h.member, h.state) for h in health if h.member == "m2:8080"} == {
            ("web", "m2:8080", "up"),
            ("web-weighted", "m2:8080", "up"),
        }
        assert {h.state for h in health} == {"up"}
        assert fetch(client, ROUND_ROBIN_VIP, 80, 30) == Counter(dict.fromkeys(MEMBERS, 10))
        # The checker's changes are its own: deploying again changes nothing.
        deploy_again_changes_nothing(topology, owner)
        # A checker that dies is started again by the next deploy, the one step it takes.
        record = processes.load(Path(RUN_DIR, prefix, "network-1", "balancers", f"{web}.json"))
        assert record is not None
        assert processes.running(record)
        os.kill(record.pid, signal.SIGKILL)
        assert deploy(topology, owner).hosts["network-1"]["total"] == 1
        assert fetch(client, ROUND_ROBIN_VIP, 80, 30) == Counter(dict.fromkeys(MEMBERS, 10))

        # A revision without the weighted load balancer, and m3 out of the other: the one is
        # gone whole, the other restarted with two members.
        weighted = balancer_namespace(prefix, "network-1", "web-weighted")
        data = balanced_lan().to_json()
        data["load_balancers"] = [data["load_balancers"][0]]
        data["load_balancers"][0]["members"] = data["load_balancers"][0]["members"][:2]
        assert topology.head is not None
        head = topology.head.number
        revision = save_revision(topology, head, parse_document(data), owner, message="edit")
        topology.refresh_from_db()
        deploy(topology, owner, revision)
        assert weighted not in probe.namespaces()
        assert not list(Path(RUN_DIR).glob(f"lb-{weighted}*"))
        assert not [
            line for line in probe.run("ps", "-eo", "args").stdout.splitlines() if weighted in line
        ]
        wait_for_states(prefix, {"m1": "up", "m2": "up"}, 10, balancers=("web",))
        assert fetch(client, ROUND_ROBIN_VIP, 80, 20) == Counter(m1=10, m2=10)
        assert web in probe.namespaces()
    finally:
        servers.stop_all()
    destroy_leaving_nothing(topology, owner, lab)
    assert not [
        line for line in probe.run("ps", "-eo", "args").stdout.splitlines() if prefix in line
    ]

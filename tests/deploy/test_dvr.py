"""A distributed router deployed end to end, proved with real traffic: a copy on each of two
hosts that run instances (hosts of both roles, so they reach the external network), the
central SNAT on a networking node. Instances on different hosts and subnets reach each other
through their own host's copy without a packet crossing the networking node; a floating IP is
translated on its instance's own host; an instance without one leaves through the central
SNAT; a second deploy does nothing and a destroy leaves nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from designer.services.drills import request_drill
from designer.spec import Document
from tasks.fabric.spec import FabricSpec
from tasks.planner.dvr import snat_namespace
from tasks.planner.names import deployment_prefix, interface_name, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy import probe
from tests.deploy.conftest import (
    ECHO,
    LANE,
    deploy,
    deploy_again_changes_nothing,
    destroy_leaving_nothing,
    fabric_up,
    in_namespace,
    make_topology,
    python_in,
)
from tests.deploy.drill_client import finished
from tests.deploy.test_scenarios_edit import steps_per_host
from tests.deploy.test_scenarios_router import PEER, outside_responder  # noqa: F401

# This module's fabric: letters only, one per lane, apart from every other test fabric.
DVR_PREFIX = f"nldv{'abcdefghijklmnopqrstuvwxyz'[LANE]}"
GATEWAY = "203.0.113.10"
FLOATING = "203.0.113.30"
VM1 = "10.81.1.11"
VM2 = "10.81.2.12"
PINGS = 1000


@pytest.fixture(scope="module")
def lab_fabric() -> Iterator[FabricSpec]:
    """A networking node for the central SNAT, and two hosts of both roles for the instances
    (and so the copies), both on the external network."""
    spec = FabricSpec(prefix=DVR_PREFIX, network_nodes=1, compute_nodes=0, both_nodes=2)
    with fabric_up(spec) as up:
        yield up


def dvr_lan() -> Document:
    """Distributed router r between app (vm1 on node-1, with a floating IP) and db (vm2 on
    node-2, without), its gateway on the external provider network, its SNAT on network-1."""
    return document(
        networks=[
            net("ext", kind="provider", physical_network="external", external=True),
            net("app"),
            net("db"),
        ],
        subnets=[
            subnet("ext-v4", "ext", "203.0.113.0/24", gateway_ip="203.0.113.1", enable_dhcp=False),
            subnet("app-v4", "app", "10.81.1.0/24", gateway_ip="10.81.1.1", enable_dhcp=False),
            subnet("db-v4", "db", "10.81.2.0/24", gateway_ip="10.81.2.1", enable_dhcp=False),
        ],
        routers=[
            {
                "id": "r",
                "name": "r",
                "mode": "distributed",
                "hosts": ["network-1"],
                "external_gateway": {
                    "network": "ext",
                    "fixed_ips": [{"subnet": "ext-v4", "ip_address": GATEWAY}],
                },
            }
        ],
        instances=[
            {"id": "vm1", "name": "vm1", "host": "node-1"},
            {"id": "vm2", "name": "vm2", "host": "node-2"},
        ],
        ports=[
            port("r-app", "app", "r", ("app-v4", None)),
            port("r-db", "db", "r", ("db-v4", None)),
            port("p1", "app", "vm1", ("app-v4", VM1)),
            port("p2", "db", "vm2", ("db-v4", VM2)),
        ],
        floating_ips=[
            {"id": "fip1", "network": "ext", "floating_ip_address": FLOATING, "port": "p1"}
        ],
    )


def packets(namespace: str) -> int:
    """Packets received and sent on every interface of an emulated host, loopback aside."""
    shown = json.loads(probe.run("ip", "-n", namespace, "-s", "-j", "link", "show").stdout)
    return sum(
        link["stats64"]["rx"]["packets"] + link["stats64"]["tx"]["packets"]
        for link in shown
        if link["ifname"] != "lo"
    )


def settle(namespace: str, timeout: float = 30) -> None:
    """Wait until an emulated host's interfaces are quiet for a second: new interfaces
    announce themselves for a while (IPv6 router solicitations, multicast listener reports),
    and those flood every tunnel."""
    deadline = time.monotonic() + timeout
    last = packets(namespace)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = packets(namespace)
        if now - last <= 1:
            return
        last = now
    raise AssertionError(f"{namespace} never went quiet")


def nat_counters(namespace: str) -> dict[str, int]:
    """Packets per rule of the nat table's chains in a namespace: {rule text: packets}."""
    saved = in_namespace(namespace, "iptables-save", "-c", "-t", "nat").stdout
    found = {}
    for line in saved.splitlines():
        if line.startswith("["):
            counts, rule = line.split("] ", 1)
            found[rule] = int(counts[1:].split(":")[0])
    return found


def translated(namespace: str, address: str, target: str) -> int:
    return sum(
        n for rule, n in nat_counters(namespace).items() if address in rule and target in rule
    )


def bridge_tables(spec: FabricSpec, prefix: str) -> list[str]:
    found = []
    for host in spec.hosts:
        listed = in_namespace(host.namespace, "nft", "list", "tables", "bridge").stdout
        found += [f"{host.namespace}: {line}" for line in listed.splitlines() if prefix in line]
    return found


def test_a_distributed_router_routes_on_each_host(
    lab: FabricSpec,
    outside_responder: str,  # noqa: F811
) -> None:
    owner, topology = make_topology(dvr_lan())
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    deploy_again_changes_nothing(topology, owner)
    copies = {host: namespace_name(prefix, "router", host, "r") for host in ("node-1", "node-2")}
    snat = snat_namespace(prefix, "network-1", "r")
    assert {*copies.values(), snat} <= probe.namespaces()
    vm1 = namespace_name(prefix, "instance", "node-1", "vm1")
    vm2 = namespace_name(prefix, "instance", "node-2", "vm2")
    hosts = {host.name: host.namespace for host in lab.hosts}

    # (a) East-west, across hosts and subnets, routed by the source host's copy: the
    # networking node's interfaces see (nearly) none of it, the two hosts' all of it.
    assert probe.pings(vm1, VM2)
    assert probe.pings(vm2, VM1)
    assert python_in(vm1, ECHO, VM2) == "netloom"
    settle(hosts["network-1"])
    before = {name: packets(namespace) for name, namespace in hosts.items()}
    flood = probe.run(
        "ip", "netns", "exec", vm1, "ping", "-q", "-c", str(PINGS), "-i", "0.002", "-W", "1", VM2
    )
    assert f"{PINGS} received" in flood.stdout, flood.stdout
    seen = {name: packets(namespace) - before[name] for name, namespace in hosts.items()}
    # Each ping and reply counts several times on a host it crosses (underlay, VXLAN, veth):
    # crossing the networking node would show there as at least 2 * PINGS. What it sees is
    # the background of a busy fabric (router solicitations, listener reports, flooded ARP),
    # a few dozen packets over the flood's two seconds, a fraction of what crossing would be.
    assert seen["network-1"] < PINGS // 2, seen
    assert seen["node-1"] >= 2 * PINGS, seen
    assert seen["node-2"] >= 2 * PINGS, seen

    # (b) The floating IP is translated in node-1's copy, and nowhere else.
    outside = lab.outside_host
    assert python_in(outside.namespace, ECHO, FLOATING) == "netloom"
    assert python_in(outside.namespace, PEER, FLOATING) == str(outside.address.ip)
    assert python_in(vm1, PEER, outside_responder) == FLOATING
    assert translated(copies["node-1"], FLOATING, "DNAT") > 0
    assert translated(copies["node-1"], FLOATING, "SNAT") > 0
    assert not any(FLOATING in rule for rule in nat_counters(snat))
    assert not any(FLOATING in rule for rule in nat_counters(copies["node-2"]))

    # (c) vm2 has no floating IP: it leaves through the central SNAT on network-1.
    snatted = translated(snat, "10.81.2.0/24", "SNAT")
    assert python_in(vm2, PEER, outside_responder) == GATEWAY
    assert translated(snat, "10.81.2.0/24", "SNAT") > snatted

    # (d) Nothing to do again. What is taken away behind the deploy's back (a copy's
    # neighbour entry, a host's bridge filter) is read back as missing, and put back alone.
    deploy_again_changes_nothing(topology, owner)
    device = interface_name(prefix, "port", "r-db", "node-1")
    probe.run("ip", "-n", copies["node-1"], "neigh", "del", VM2, "dev", device)
    in_namespace(hosts["node-2"], "nft", "flush", "chain", "bridge", prefix, "forward")
    repaired = deploy(topology, owner)
    assert steps_per_host(repaired) == {"network-1": 0, "node-1": 1, "node-2": 1}
    assert probe.pings(vm1, VM2)
    destroy_leaving_nothing(topology, owner, lab)
    assert bridge_tables(lab, prefix) == []


def reaches(namespace: str, address: str, timeout: float = 10) -> bool:
    """Whether a ping from the namespace gets through within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe.pings(namespace, address):
            return True
    return False


def test_a_host_failure_only_hurts_that_hosts_instances(lab: FabricSpec) -> None:
    owner, topology = make_topology(dvr_lan())
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    vm1 = namespace_name(prefix, "instance", "node-1", "vm1")
    vm2 = namespace_name(prefix, "instance", "node-2", "vm2")
    outside = str(lab.outside_host.address.ip)
    assert reaches(vm1, outside)
    assert reaches(vm2, outside)

    # node-1 fails: its copy stops forwarding. vm1 loses routed service (to the other
    # subnet and out); vm2, on node-2, still goes out through its own copy and the SNAT.
    drill = request_drill(topology, owner, "r", "host_failure", "node-1")
    finished(drill.pk)
    assert drill.host == "node-1"
    assert not probe.pings(vm1, outside)
    assert not probe.pings(vm1, VM2)
    assert reaches(vm2, outside)

    # A failback brings node-1's copy back up, with the routes and neighbour entries the
    # kernel dropped when its interfaces went down: vm1 is routed again at once, and a deploy
    # afterwards finds nothing to do.
    back = request_drill(topology, owner, "r", "failback", None)
    finished(back.pk)
    assert reaches(vm1, VM2)
    assert reaches(vm1, outside)
    assert reaches(vm2, outside)
    again = deploy(topology, owner)
    assert set(steps_per_host(again).values()) == {0}
    destroy_leaving_nothing(topology, owner, lab)

"""Drills that cut and fail things, on a real HA router with real keepalived (and on a distributed
router's copy), through the API, with a WebSocket client of the topology listening:

- cut_link takes the master's HA port off the HA network: both instances hold the gateway
  address (a `split_brain`), and once the link is mended the lower one steps back (the same
  split brain, sent again with `ended_at`), leaving one master; a failback mends a cut still
  holding.
- with nopreempt, a failback starts a crashed master's keepalived again as a backup: the new
  master keeps the role (and a switchover is refused).
- host_failure on the master's host kills its keepalived and sets its router namespace's
  interfaces down, a legacy router's there too: a failover well under a second with adverts
  every 0.1 s; a failback brings the host back and returns the role to it. The backup's host
  failed moves nothing.
- host_failure on a compute host stops the distributed router's copy there (its namespace
  found in the host's plan by role); a failback brings it back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from ipaddress import IPv4Address, IPv6Address, ip_interface
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from designer.models import HaDrill, HaEvent, Host, Topology, VrrpTransition
from designer.services.drills import cancel_later_analyses
from designer.services.topologies import save_revision
from designer.spec import Document, parse_document
from tasks.deploy import desired_state
from tasks.fabric.spec import FabricSpec
from tasks.planner.ha import ha_bridge
from tasks.planner.names import deployment_prefix, interface_name, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy import probe
from tests.deploy.conftest import (
    LANE,
    deploy,
    destroy_leaving_nothing,
    fabric_up,
    make_topology,
)
from tests.deploy.drill_client import ask_for_drill, finished, listening, recorded_master
from tests.deploy.test_ha_drills import configuration
from tests.deploy.test_ha_router import ha_lan as ha_router_lan
from tests.deploy.test_ha_router import masters as masters_holding
from tests.deploy.test_ha_router import pings_within

# This module's fabric: letters only, one per lane, apart from every other test fabric.
LINK_PREFIX = f"nlkd{'abcdefghijklmnopqrstuvwxyz'[LANE]}"
NETWORK_NODES = ("network-1", "network-2")
GATEWAY = "10.72.0.1"
LEGACY_GATEWAY = "10.73.0.1"
# How long a drill may take to show on the socket: the worker picks it up, keepalived acts,
# the notify program reports, the relay records and analyses.
EVENT_SECONDS = 15.0

Wanted = Callable[[dict[str, Any]], bool]


@pytest.fixture(scope="module")
def lab_fabric() -> Iterator[FabricSpec]:
    """Two networking nodes, for the router's two instances, and a compute node."""
    with fabric_up(FabricSpec(prefix=LINK_PREFIX, network_nodes=2, compute_nodes=1)) as spec:
        yield spec


def ha_lan(**vrrp: Any) -> Document:
    """vm1 on a network behind HA router r1 (adverts every 0.1 s), with `vrrp` set besides."""
    data = ha_router_lan("10.72.0").model_dump(mode="json")
    data["routers"][0]["vrrp"].update(vrrp)
    return parse_document(data)


def masters(prefix: str) -> list[str]:
    """The networking nodes whose instance of r1 holds the gateway address."""
    return masters_holding(prefix, GATEWAY)


def only_master(prefix: str, host: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while masters(prefix) != [host]:
        assert time.monotonic() < deadline, f"{host} is not the only master: {masters(prefix)}"
        time.sleep(0.05)


def links_up(prefix: str, host: str, router: str = "r1") -> dict[str, bool]:
    """Each interface of `router`'s namespace on `host`: whether it is set up."""
    return namespace_links_up(namespace_name(prefix, "router", host, router))


def namespace_links_up(namespace: str) -> dict[str, bool]:
    """Each interface of `namespace`: whether it is set up."""
    shown = probe.run("ip", "-n", namespace, "-o", "link", "show").stdout
    found = {}
    for line in shown.splitlines():
        name = line.split(":")[1].strip().split("@")[0]
        flags = line[line.index("<") + 1 : line.index(">")].split(",")
        found[name] = "UP" in flags
    return found


def ha_port_on_bridge(prefix: str, host: str) -> bool:
    """Whether the host end of r1's HA port on `host` is a port of the HA bridge."""
    tap = interface_name(prefix, "ha_tap", "r1", host)
    namespace = Host.objects.get(name=host).namespace
    shown = probe.run("ip", "-n", namespace, "-o", "link", "show", "dev", tap).stdout
    return f" master {ha_bridge(prefix)} " in shown


def last_state(host: str) -> str:
    last = VrrpTransition.objects.filter(host=host).order_by("-at", "-id").first()
    assert last is not None, host
    return last.new_state


def recorded_state(host: str, timeout: float = 5) -> str:
    """The state `host` last reported, once no instance of r1 reports MASTER besides another
    (a report may still be on its way)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = [last_state(other) for other in NETWORK_NODES]
        if states.count("master") == 1:
            break
        time.sleep(0.05)
    return last_state(host)


def settled_master(prefix: str, timeout: float = 10) -> str:
    """The one instance holding the gateway address, once its report of MASTER is recorded
    and no other instance's last report is MASTER."""
    deadline = time.monotonic() + timeout
    while True:
        holding = masters(prefix)
        if len(holding) == 1 and recorded_master() == holding[0]:
            return holding[0]
        assert time.monotonic() < deadline, holding
        time.sleep(0.05)


def ha_address(topology: Topology, host: str) -> IPv4Address | IPv6Address:
    """r1's instance's address on the HA network on `host`, as planned."""
    port = interface_name(deployment_prefix(topology.pk), "ha_port", "r1", host)
    state = desired_state(topology.pk, topology.head, host)
    (address,) = [a for a in state.addresses if a.interface == port]
    return ip_interface(address.cidr).ip


async def heard(
    topology: Topology, owner: User, body: dict[str, Any], wanted: list[Wanted], prefix: str
) -> tuple[dict[str, Any], list[tuple[dict[str, Any], list[str]]]]:
    """Ask for a drill over the API while a client of the topology listens; the drill as
    answered, and, for each of `wanted` in turn, the first message after the one before that
    it accepts, with the hosts holding the gateway address as it arrived."""
    async with listening(topology, owner) as communicator:
        drill = await sync_to_async(ask_for_drill)(topology, owner, body)
        found: list[tuple[dict[str, Any], list[str]]] = []
        seen: list[str] = []
        deadline = time.monotonic() + EVENT_SECONDS + body.get("hold_seconds", 0)
        while len(found) < len(wanted):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"not all wanted events reached the socket: {seen}"
            message = await communicator.receive_json_from(timeout=remaining)
            seen.append(message["type"])
            if wanted[len(found)](message):
                found.append((message, await sync_to_async(masters)(prefix)))
        return drill, found


def split_brain(ended: bool) -> Wanted:
    def accepts(message: dict[str, Any]) -> bool:
        return message["type"] == "split_brain" and (message["ended_at"] is not None) == ended

    return accepts


def of_type(kind: str) -> Wanted:
    return lambda message: message["type"] == kind


def test_a_cut_link_splits_the_brain_until_it_is_mended(lab: FabricSpec) -> None:
    owner, topology = make_topology(ha_lan())
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    initial = settled_master(prefix)
    backup = next(host for host in NETWORK_NODES if host != initial)
    # Equal priorities: once the instances hear each other again, the higher address wins.
    keeps = max(NETWORK_NODES, key=lambda host: ha_address(topology, host))
    steps_back = next(host for host in NETWORK_NODES if host != keeps)

    # Cut off the HA network, each instance hears no other: both hold the gateway address.
    drill, [(split, during), (ended, _)] = async_to_sync(heard)(
        topology,
        owner,
        {"kind": "cut_link", "hold_seconds": 3},
        [split_brain(ended=False), split_brain(ended=True)],
        prefix,
    )
    assert (drill["host"], drill["hold_seconds"]) == (initial, 3)
    assert split["hosts"] == [initial, backup], split
    assert split["drill"] == drill["id"], split
    assert split["ended_at"] is None
    assert sorted(during) == sorted(NETWORK_NODES)
    # Mended, one instance hears the other's adverts and steps back: the split brain is over.
    assert ended["since"] == split["since"]
    assert ended["ended_at"] > ended["since"]
    only_master(prefix, keeps)
    finished(drill["id"])
    assert ha_port_on_bridge(prefix, initial)
    assert recorded_state(steps_back) == "backup"
    (kept,) = HaEvent.objects.all()
    assert (kept.kind, kept.drill_id) == ("split_brain", drill["id"])
    assert kept.ended_at is not None
    assert kept.since is not None
    assert 2.0 < (kept.ended_at - kept.since).total_seconds() < 4.0

    # A failback mends a cut still holding, ends the split brain it made, and leaves the role
    # with the initial master.
    drill, [(split, during)] = async_to_sync(heard)(
        topology,
        owner,
        {"kind": "cut_link", "hold_seconds": 120},
        [split_brain(ended=False)],
        prefix,
    )
    assert drill["host"] == keeps
    assert sorted(during) == sorted(NETWORK_NODES)
    assert not ha_port_on_bridge(prefix, keeps)
    back, [(ended, _)] = async_to_sync(heard)(
        topology, owner, {"kind": "failback"}, [split_brain(ended=True)], prefix
    )
    assert ended["drill"] == drill["id"]
    assert ended["since"] == split["since"]
    only_master(prefix, initial)
    finished(back["id"])
    finished(drill["id"])
    assert ha_port_on_bridge(prefix, keeps)
    time.sleep(1)
    assert masters(prefix) == [initial]
    taken_back = ["failback"] if keeps != initial else []
    kinds = list(HaEvent.objects.values_list("kind", flat=True))
    assert kinds == ["split_brain", "split_brain", *taken_back]
    assert all(event.ended_at is not None for event in HaEvent.objects.filter(kind="split_brain"))

    destroy_leaving_nothing(topology, owner, lab)
    cancel_later_analyses()


def test_nopreempt_keeps_the_new_master_after_a_failback(lab: FabricSpec) -> None:
    owner, topology = make_topology(ha_lan(nopreempt=True))
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    initial = settled_master(prefix)
    backup = next(host for host in NETWORK_NODES if host != initial)

    drill, [(failover, _)] = async_to_sync(heard)(
        topology, owner, {"kind": "crash_master"}, [of_type("failover")], prefix
    )
    assert (failover["from_host"], failover["to_host"]) == (initial, backup), failover
    assert failover["no_master_seconds"] < 1.0, failover
    finished(drill["id"])

    # The crashed instance starts again, as a backup, and leaves the role where it is.
    back = APIClient()
    back.force_authenticate(owner)
    response = back.post(
        f"/api/v1/topologies/{topology.pk}/routers/r1/drills/", {"kind": "failback"}, format="json"
    )
    assert response.status_code == 202, response.json()
    finished(response.json()["id"])
    only_master(prefix, backup)
    time.sleep(1.5)
    assert masters(prefix) == [backup]
    assert last_state(initial) == "backup"
    assert last_state(backup) == "master"
    vm1 = namespace_name(prefix, "instance", "compute-1", "vm1")
    assert pings_within(vm1, GATEWAY, 10)

    # A switchover is refused: nothing moves the role short of a failure.
    response = back.post(
        f"/api/v1/topologies/{topology.pk}/routers/r1/drills/",
        {"kind": "switchover", "target_host": initial},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert [error["path"] for error in response.json()["errors"]] == ["kind"]
    assert list(HaEvent.objects.values_list("kind", flat=True)) == ["failover"]

    destroy_leaving_nothing(topology, owner, lab)
    cancel_later_analyses()


def with_legacy_router(doc: Document, host: str) -> Document:
    """`doc` with legacy router r2 on `host`, the gateway (10.73.0.1) of vm2's network."""
    data = doc.model_dump(mode="json")
    data["networks"].append(net("lan2"))
    data["subnets"].append(
        subnet("lan2-v4", "lan2", "10.73.0.0/24", gateway_ip=LEGACY_GATEWAY, enable_dhcp=False)
    )
    data["routers"].append({"id": "r2", "name": "r2", "hosts": [host]})
    data["instances"].append({"id": "vm2", "name": "vm2", "host": "compute-1"})
    data["ports"] += [
        port("r2-lan2", "lan2", "r2", ("lan2-v4", None)),
        port("p2", "lan2", "vm2", ("lan2-v4", "10.73.0.11")),
    ]
    return parse_document(data)


def test_a_host_failure_fails_over_and_a_failback_brings_the_host_back(lab: FabricSpec) -> None:
    owner, topology = make_topology(ha_lan())
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    initial = settled_master(prefix)
    backup = next(host for host in NETWORK_NODES if host != initial)
    # A legacy router beside the master's instance: the host's failure stops it too.
    assert topology.head is not None
    doc = with_legacy_router(ha_lan(), initial)
    save_revision(topology, topology.head.number, doc, owner, message="legacy router")
    topology.refresh_from_db()
    deploy(topology, owner)
    assert settled_master(prefix) == initial
    designed = {host: configuration(prefix, host) for host in NETWORK_NODES}
    vm1 = namespace_name(prefix, "instance", "compute-1", "vm1")
    vm2 = namespace_name(prefix, "instance", "compute-1", "vm2")
    assert pings_within(vm1, GATEWAY, 10)
    assert pings_within(vm2, LEGACY_GATEWAY, 10)

    drill, [(failover, _)] = async_to_sync(heard)(
        topology, owner, {"kind": "host_failure"}, [of_type("failover")], prefix
    )
    assert (drill["host"], drill["target_host"]) == (initial, None)
    assert (failover["from_host"], failover["to_host"]) == (initial, backup), failover
    assert failover["drill"] == drill["id"], failover
    assert failover["measured_from"] == "last_known", failover
    assert failover["no_master_seconds"] < 1.0, failover
    finished(drill["id"])
    # The failed host's routers forward nothing: every interface of their namespaces is down,
    # the legacy router's too.
    assert not any(links_up(prefix, initial).values()), links_up(prefix, initial)
    assert not any(links_up(prefix, initial, "r2").values())
    assert all(links_up(prefix, backup).values())
    assert backup in masters(prefix)
    assert pings_within(vm1, GATEWAY, 10)
    assert not pings_within(vm2, LEGACY_GATEWAY, 2)

    # A failback brings the host back (interfaces up, keepalived started from the design)
    # and gives the role back to its instance.
    back, [(failback, _)] = async_to_sync(heard)(
        topology, owner, {"kind": "failback"}, [of_type("failback")], prefix
    )
    assert (failback["from_host"], failback["to_host"]) == (backup, initial), failback
    assert failback["drill"] == back["id"], failback
    only_master(prefix, initial)
    finished(back["id"])
    assert all(links_up(prefix, initial).values()), links_up(prefix, initial)
    assert {host: configuration(prefix, host) for host in NETWORK_NODES} == designed
    assert pings_within(vm1, GATEWAY, 10)
    assert pings_within(vm2, LEGACY_GATEWAY, 10)

    # The backup's host failed: nothing moves; a failback brings it back as a backup.
    drill, _ = async_to_sync(heard)(
        topology, owner, {"kind": "host_failure", "target_host": backup}, [], prefix
    )
    finished(drill["id"])
    assert drill["host"] == backup
    assert not any(links_up(prefix, backup).values())
    back, _ = async_to_sync(heard)(topology, owner, {"kind": "failback"}, [], prefix)
    finished(back["id"])
    assert all(links_up(prefix, backup).values())
    assert last_state(backup) == "backup"
    time.sleep(1)
    assert masters(prefix) == [initial]
    assert {host: configuration(prefix, host) for host in NETWORK_NODES} == designed
    assert list(HaEvent.objects.values_list("kind", flat=True)) == ["failover", "failback"]
    assert HaDrill.objects.filter(state="done").count() == 4

    destroy_leaving_nothing(topology, owner, lab)
    cancel_later_analyses()


def dvr_lan() -> Document:
    """Distributed router r3 between app (vm1) and db (vm2), both on compute-1: its copy there
    routes between them."""
    return document(
        networks=[net("app"), net("db")],
        subnets=[
            subnet("app-v4", "app", "10.74.1.0/24", gateway_ip="10.74.1.1", enable_dhcp=False),
            subnet("db-v4", "db", "10.74.2.0/24", gateway_ip="10.74.2.1", enable_dhcp=False),
        ],
        routers=[{"id": "r3", "name": "r3", "mode": "distributed"}],
        instances=[
            {"id": "vm1", "name": "vm1", "host": "compute-1"},
            {"id": "vm2", "name": "vm2", "host": "compute-1"},
        ],
        ports=[
            port("r3-app", "app", "r3", ("app-v4", None)),
            port("r3-db", "db", "r3", ("db-v4", None)),
            port("p1", "app", "vm1", ("app-v4", "10.74.1.11")),
            port("p2", "db", "vm2", ("db-v4", "10.74.2.12")),
        ],
    )


def router_namespaces(topology: Topology, host: str) -> list[str]:
    """The deployment's router namespaces on `host`, as planned."""
    state = desired_state(topology.pk, topology.head, host)
    return [namespace.name for namespace in state.namespaces if namespace.role == "router"]


def test_a_host_failure_stops_a_distributed_routers_copy(lab: FabricSpec) -> None:
    owner, topology = make_topology(dvr_lan())
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    vm1 = namespace_name(prefix, "instance", "compute-1", "vm1")
    assert pings_within(vm1, "10.74.2.12", 10)
    (copy,) = router_namespaces(topology, "compute-1")
    client = APIClient()
    client.force_authenticate(owner)
    url = f"/api/v1/topologies/{topology.pk}/routers/r3/drills/"

    response = client.post(url, {"kind": "host_failure", "target_host": "compute-1"}, format="json")
    assert response.status_code == 202, response.json()
    finished(response.json()["id"])
    assert not any(namespace_links_up(copy).values())
    assert not pings_within(vm1, "10.74.2.12", 2)

    response = client.post(url, {"kind": "failback"}, format="json")
    assert response.status_code == 202, response.json()
    assert list(response.json()["hosts"]) == ["compute-1"]
    finished(response.json()["id"])
    assert all(namespace_links_up(copy).values())
    assert pings_within(vm1, "10.74.2.12", 10)

    destroy_leaving_nothing(topology, owner, lab)

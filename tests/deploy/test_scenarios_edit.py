"""Editing a running topology on the lab fabric: connecting a running instance to another
network, then disconnecting it. Each deploy applies only the difference (a few steps, on the
hosts concerned) and leaves every other namespace as it was, down to its links' indexes and
its processes; the new address answers while connected and is gone after."""

from __future__ import annotations

from typing import Any

from designer.models import Deployment, Topology
from designer.services.topologies import save_revision
from designer.spec import Document
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, interface_name, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy import probe
from tests.deploy.conftest import (
    deploy,
    deploy_again_changes_nothing,
    destroy_leaving_nothing,
    make_topology,
)

NEW_ADDRESS = "10.51.0.21"


def lans(*more_ports: dict[str, Any]) -> Document:
    """vm1 (compute-1) on `lan`; vm2 (compute-2) on `lan` and `lan2`; static tunnels, so
    which hosts carry a network does not change the others' tunnels."""
    return document(
        networks=[net("lan", tunnels="static"), net("lan2", tunnels="static")],
        subnets=[subnet("v4", "lan", "10.50.0.0/24"), subnet("v4b", "lan2", "10.51.0.0/24")],
        instances=[
            {"id": "vm1", "name": "vm1", "host": "compute-1"},
            {"id": "vm2", "name": "vm2", "host": "compute-2"},
        ],
        ports=[
            port("p1", "lan", "vm1", ("v4", "10.50.0.11")),
            port("p2", "lan", "vm2", ("v4", "10.50.0.12")),
            port("p2b", "lan2", "vm2", ("v4b", "10.51.0.12")),
            *more_ports,
        ],
    )


def snapshot(namespace: str) -> tuple[dict[str, int], set[str]]:
    """A namespace's links by name with their indexes, and its listening TCP sockets (local
    address and inode: a socket opened again has another inode)."""
    links = {name: link["ifindex"] for name, link in probe.links(namespace).items()}
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in probe.run("ip", "netns", "exec", namespace, "cat", table).stdout.splitlines()[
            1:
        ]:
            fields = line.split()
            if fields[3] == "0A":
                listening.add(f"{fields[1]} inode {fields[9]}")
    return links, listening


def steps_per_host(deployment: Deployment) -> dict[str, int]:
    return {host: entry["total"] for host, entry in deployment.hosts.items()}


def redeploy(topology: Topology, owner: Any, doc: Document, message: str) -> Deployment:
    assert topology.head is not None
    revision = save_revision(topology, topology.head.number, doc, owner, message=message)
    topology.refresh_from_db()
    return deploy(topology, owner, revision)


def test_connect_and_disconnect_a_running_instance(lab: FabricSpec) -> None:
    owner, topology = make_topology(lans())
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    deploy_again_changes_nothing(topology, owner)
    vm1 = namespace_name(prefix, "instance", "compute-1", "vm1")
    vm2 = namespace_name(prefix, "instance", "compute-2", "vm2")
    before = {namespace: snapshot(namespace) for namespace in (vm1, vm2)}
    # Each is served by the responder, whose sockets there must not be opened again.
    assert all(listening for _, listening in before.values())
    assert not probe.pings(vm2, NEW_ADDRESS)

    # Connect: vm1 gets a port on lan2. compute-1 gains lan2's bridge and tunnel, the port's
    # veth and its address; lan2's DHCP server on network-1 learns the port; compute-2 has
    # nothing to do.
    connected = redeploy(
        topology, owner, lans(port("p3", "lan2", "vm1", ("v4b", NEW_ADDRESS))), "connect"
    )
    assert steps_per_host(connected) == {"compute-1": 4, "compute-2": 0, "network-1": 1}
    new_port = interface_name(prefix, "port", "p3", "compute-1")
    assert probe.addresses(vm1, new_port) == {f"{NEW_ADDRESS}/24"}
    assert probe.pings(vm2, NEW_ADDRESS)
    links, listening = snapshot(vm1)
    assert links == {**before[vm1][0], new_port: links[new_port]}
    assert listening == before[vm1][1]
    assert snapshot(vm2) == before[vm2]

    # Disconnect: the port goes, and lan2 from compute-1 with it.
    disconnected = redeploy(topology, owner, lans(), "disconnect")
    assert steps_per_host(disconnected) == {"compute-1": 3, "compute-2": 0, "network-1": 1}
    assert snapshot(vm1) == before[vm1]
    assert snapshot(vm2) == before[vm2]
    assert not probe.pings(vm2, NEW_ADDRESS)
    assert probe.pings(vm2, "10.50.0.11")

    destroy_leaving_nothing(topology, owner, lab)

"""Layer-2 scenarios deployed end to end on the lab fabric and proved with real traffic: a
provider flat network on physnet1 joining instances on two compute nodes; a Docker macvlan
network on the same physical network, and Docker's `none` and `host` networks."""

from __future__ import annotations

from typing import Any

from designer.spec import Document
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, interface_name, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy import probe
from tests.deploy.conftest import (
    ECHO,
    deploy,
    deploy_again_changes_nothing,
    destroy_leaving_nothing,
    make_topology,
    python_in,
)


def two_instances(network: dict[str, Any], cidr: str, **more: list[dict[str, Any]]) -> Document:
    """vm1 on compute-1 and vm2 on compute-2 at .11 and .12 of one network's subnet; `more`
    elements added to each list named."""
    base = cidr.rsplit(".", 1)[0]
    return document(
        networks=[network, *more.get("networks", [])],
        subnets=[subnet("v4", network["id"], cidr)],
        instances=[
            {"id": "vm1", "name": "vm1", "host": "compute-1"},
            {"id": "vm2", "name": "vm2", "host": "compute-2"},
            *more.get("instances", []),
        ],
        ports=[
            port("p1", network["id"], "vm1", ("v4", f"{base}.11")),
            port("p2", network["id"], "vm2", ("v4", f"{base}.12")),
            *more.get("ports", []),
        ],
    )


def test_provider_flat_network_joins_instances_on_two_compute_nodes(lab: FabricSpec) -> None:
    doc = two_instances(net("flat", kind="provider", physical_network="physnet1"), "10.70.0.0/24")
    owner, topology = make_topology(doc)
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    deploy_again_changes_nothing(topology, owner)

    vm1 = namespace_name(prefix, "instance", "compute-1", "vm1")
    vm2 = namespace_name(prefix, "instance", "compute-2", "vm2")
    assert probe.addresses(vm2, interface_name(prefix, "port", "p2", "compute-2")) == {
        "10.70.0.12/24"
    }
    assert probe.pings(vm1, "10.70.0.12")
    assert python_in(vm1, ECHO, "10.70.0.12") == "netloom"
    # Carried by the hosts' physnet1 interface on the network's bridge, with no tunnel.
    bridge = interface_name(prefix, "bridge", "flat")
    for host, port_id in (("compute-1", "p1"), ("compute-2", "p2")):
        links = probe.links(lab.host_named(host).namespace)
        assert links["phy1"].get("master") == bridge
        tap = interface_name(prefix, "tap", port_id, host)
        assert {name for name in links if name.startswith(prefix)} == {bridge, tap}

    destroy_leaving_nothing(topology, owner, lab)
    # The physical interfaces are the hosts', not the deployment's: they stay, released.
    assert "master" not in probe.links(lab.host_named("compute-1").namespace)["phy1"]


def test_macvlan_none_and_host_networks(lab: FabricSpec) -> None:
    doc = two_instances(
        net("mv", kind="docker_macvlan", parent="physnet1"),
        "10.80.0.0/24",
        networks=[net("none", kind="docker_none"), net("host", kind="docker_host")],
        instances=[
            {"id": "vm3", "name": "vm3", "host": "compute-1"},
            {"id": "vm4", "name": "vm4", "host": "compute-1"},
        ],
        ports=[port("p3", "none", "vm3"), port("p4", "host", "vm4")],
    )
    owner, topology = make_topology(doc)
    prefix = deployment_prefix(topology.pk)
    compute_1 = lab.host_named("compute-1").namespace
    links_before = set(probe.links(compute_1))
    deploy(topology, owner)
    deploy_again_changes_nothing(topology, owner)

    # macvlan: each instance has its own MAC and address on the hosts' physnet1 segment, and
    # reaches the other host's instance over it, with no bridge of the deployment's.
    vm1 = namespace_name(prefix, "instance", "compute-1", "vm1")
    macvlan = interface_name(prefix, "macvlan", "p1", "compute-1")
    assert probe.addresses(vm1, macvlan) == {"10.80.0.11/24"}
    assert probe.pings(vm1, "10.80.0.12")
    assert python_in(vm1, ECHO, "10.80.0.12") == "netloom"
    assert set(probe.links(compute_1)) == links_before

    # none: a namespace with only its loopback.
    vm3 = namespace_name(prefix, "instance", "compute-1", "vm3")
    assert set(probe.links(vm3)) == {"lo"}
    # host: no namespace of its own; it shares the host's.
    assert namespace_name(prefix, "instance", "compute-1", "vm4") not in probe.namespaces()

    destroy_leaving_nothing(topology, owner, lab)

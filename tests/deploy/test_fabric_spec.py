"""What a lab fabric is, without a kernel: names, addresses, physical networks, and which
kernel names a fabric owns."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Any

import pytest

from tasks.fabric.spec import (
    MAX_HOSTS_PER_ROLE,
    MAX_VLAN,
    OUTSIDE_INTERFACE,
    UNDERLAY_INTERFACE,
    FabricError,
    FabricSpec,
    Role,
    VlanTransport,
)


def test_the_default_fabric() -> None:
    spec = FabricSpec()

    assert [(h.name, h.role, h.namespace, str(h.underlay_address)) for h in spec.hosts] == [
        ("network-1", Role.NETWORK, "nlfab-n1", "198.18.0.11/24"),
        ("network-2", Role.NETWORK, "nlfab-n2", "198.18.0.12/24"),
        ("compute-1", Role.COMPUTE, "nlfab-c1", "198.18.0.101/24"),
        ("compute-2", Role.COMPUTE, "nlfab-c2", "198.18.0.102/24"),
    ]
    assert spec.hosts[0].interfaces == {"external": "ext0", "physnet1": "phy1"}
    assert spec.hosts[2].interfaces == {"physnet1": "phy1"}
    assert spec.bridges == {"underlay": "nlfab0", "external": "nlfabx0", "physnet1": "nlfabp1"}
    outside = spec.outside_host
    assert (outside.namespace, outside.interface, str(outside.address)) == (
        "nlfab-out",
        "eth0",
        "203.0.113.1/24",
    )
    assert spec.vlan_transport is VlanTransport.SEGMENT


def test_a_host_of_both_roles_has_the_external_network() -> None:
    (host,) = FabricSpec(network_nodes=0, compute_nodes=0, both_nodes=1).hosts

    assert (host.name, host.namespace, str(host.underlay_address)) == (
        "node-1",
        "nlfab-b1",
        "198.18.0.201/24",
    )
    assert host.role.is_networking_node
    assert host.interfaces == {"external": "ext0", "physnet1": "phy1"}


def test_a_segment_is_named_from_its_physical_network_and_vlan() -> None:
    spec = FabricSpec()
    segment = spec.segment("physnet1", 101)

    assert (segment.bridge, segment.interface) == ("nlfabp1v101", "p1v101")
    assert spec.hosts[2].segment_link(segment) == "nlfabc1p1v101"
    assert spec.segment("external", 7).bridge == "nlfabx0v7"
    assert spec.segment_of_bridge("nlfabp1v101") == segment
    assert spec.segment_of_bridge("nlfabp1") is None
    assert spec.segment_of_bridge("nlfabp1v4095") is None


def test_every_kernel_name_fits_in_15_bytes_and_is_owned() -> None:
    spec = FabricSpec(
        prefix="abcde",
        network_nodes=MAX_HOSTS_PER_ROLE,
        compute_nodes=MAX_HOSTS_PER_ROLE,
        both_nodes=MAX_HOSTS_PER_ROLE,
    )
    namespaces = {spec.outside_host.namespace} | {host.namespace for host in spec.hosts}
    root_links = {*spec.bridges.values(), spec.outside_host.link}
    inside = {UNDERLAY_INTERFACE, OUTSIDE_INTERFACE}
    for host in spec.hosts:
        root_links.add(host.underlay_link)
        for network in host.physical_networks:
            segment = spec.segment(network.name, MAX_VLAN)
            root_links |= {host.physical_link(network), host.segment_link(segment), segment.bridge}
            inside |= {network.interface, segment.interface}

    assert max(len(name.encode()) for name in namespaces | root_links | inside) == 15
    assert all(spec.owns_namespace(name) for name in namespaces)
    assert all(spec.owns_link(name) for name in root_links)


def test_a_fabric_owns_only_the_names_it_makes() -> None:
    spec = FabricSpec(prefix="nlfab")

    for name in (
        "nlfab0",
        "nlfabx0",
        "nlfabp1",
        "nlfabp1v101",
        "nlfabn1u0",
        "nlfabc50p1v4094",
        "nlfabout",
    ):
        assert spec.owns_link(name), name
    for name in (
        "nlfab",
        "nlfab1",
        "nlfabn0u0",
        "nlfabn05u0",
        "nlfabn1q0",
        "nlfabp1v0",
        "nlfabbn1u0",
        "eth0",
        "nlfa0",
    ):
        assert not spec.owns_link(name), name
    assert spec.owns_namespace("nlfab-n12")
    assert spec.owns_namespace("nlfab-out")
    assert not spec.owns_namespace("nlfab-z1")
    assert not spec.owns_namespace("nlfab-n0")
    # A prefix that begins another fabric's owns none of that fabric's names.
    shorter = FabricSpec(prefix="nlfa")
    assert not any(
        shorter.owns_link(name)
        for name in ("nlfab0", "nlfabx0", "nlfabp1", "nlfabn1u0", "nlfabout")
    )
    assert not shorter.owns_namespace("nlfab-n1")


def test_names_lead_back_to_their_hosts() -> None:
    spec = FabricSpec()
    host = spec.host(Role.COMPUTE, 7)

    assert spec.host_of_namespace("nlfab-c7") == host
    assert spec.host_of_link("nlfabc7p1v9") == host
    assert spec.host_of_name("compute-7") == host
    assert spec.host_of_name("compute-70") is None
    assert spec.host_of_name("local") is None
    assert spec.host_named("network-2") == spec.hosts[1]
    with pytest.raises(FabricError, match="no host 'compute-7'"):
        spec.host_named("compute-7")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"prefix": "nl-fab"}, "2 to 5 lower-case letters"),
        ({"prefix": "nlfabric"}, "2 to 5 lower-case letters"),
        ({"prefix": "a;b"}, "2 to 5 lower-case letters"),
        ({"compute_nodes": MAX_HOSTS_PER_ROLE + 1}, "compute nodes: between 0 and 50"),
        ({"network_nodes": -1}, "network nodes: between 0 and 50"),
        ({"underlay": IPv4Network("198.18.0.0/25")}, "a /24 or larger"),
        ({"outside": IPv4Network("203.0.113.0/31")}, "a /30 or larger"),
        ({"outside": IPv4Network("198.18.0.0/28")}, "overlap"),
    ],
)
def test_a_fabric_that_cannot_be(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(FabricError, match=message):
        FabricSpec(**fields)

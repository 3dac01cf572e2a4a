"""The lab fabric in a real kernel: what `up` builds, that hosts reach each other over the
underlay and the outside host over the external network, VLAN segments, that `up` is
idempotent and repairs, and that `down` leaves nothing and touches nothing else."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from itertools import permutations

import pytest

from tasks.fabric import kernel
from tasks.fabric.spec import PHYSICAL_NETWORKS, FabricError, FabricSpec
from tests.deploy import probe
from tests.deploy.conftest import OTHER_PREFIX, TEST_PREFIX


def snapshot(spec: FabricSpec) -> dict[str, object]:
    """Everything of the fabric a second `up` could change, as iproute2 shows it."""
    owned = sorted(name for name in probe.namespaces() if spec.owns_namespace(name))
    return {
        "namespaces": owned,
        "root links": {
            name: (link["ifindex"], link.get("master"), link["flags"])
            for name, link in probe.links().items()
            if spec.owns_link(name)
        },
        "inside": {
            namespace: {
                name: (link["ifindex"], link["flags"], sorted(probe.addresses(namespace, name)))
                for name, link in probe.links(namespace).items()
            }
            for namespace in owned
        },
    }


def test_up_builds_namespaces_bridges_and_veth_pairs(
    make_fabric: Callable[..., FabricSpec],
) -> None:
    spec = make_fabric(network_nodes=1, compute_nodes=1, both_nodes=1)
    changes = kernel.up(spec)

    assert changes
    network, compute, both = spec.hosts
    outside = spec.outside_host
    assert probe.namespaces() >= {
        network.namespace,
        compute.namespace,
        both.namespace,
        outside.namespace,
    }
    assert [f"{TEST_PREFIX}-n1", f"{TEST_PREFIX}-c1", f"{TEST_PREFIX}-b1"] == [
        host.namespace for host in spec.hosts
    ]
    for bridge in (f"{TEST_PREFIX}0", f"{TEST_PREFIX}x0", f"{TEST_PREFIX}p1"):
        assert probe.is_bridge(bridge)
    assert probe.ports(f"{TEST_PREFIX}0") == {host.underlay_link for host in spec.hosts}
    assert probe.ports(f"{TEST_PREFIX}x0") == {
        network.physical_link(PHYSICAL_NETWORKS[0]),
        both.physical_link(PHYSICAL_NETWORKS[0]),
        outside.link,
    }
    assert probe.ports(f"{TEST_PREFIX}p1") == {
        host.physical_link(PHYSICAL_NETWORKS[1]) for host in spec.hosts
    }

    assert set(probe.links(network.namespace)) == {"lo", "ul0", "ext0", "phy1"}
    assert set(probe.links(compute.namespace)) == {"lo", "ul0", "phy1"}
    assert set(probe.links(both.namespace)) == {"lo", "ul0", "ext0", "phy1"}
    for host in spec.hosts:
        assert probe.addresses(host.namespace, "ul0") == {str(host.underlay_address)}
        assert probe.addresses(host.namespace, "phy1") == set()
        for name, link in probe.links(host.namespace).items():
            assert "UP" in link["flags"], f"{name} in {host.namespace} is down"
        assert probe.sysctl(host.namespace, "net.ipv4.ip_forward") == "1"
    # A provider network's physical interface has no address.
    assert probe.addresses(network.namespace, "ext0") == set()
    assert probe.addresses(outside.namespace, "eth0") == {"203.0.113.1/24"}
    assert [str(host.underlay_address) for host in spec.hosts] == [
        "198.18.0.11/24",
        "198.18.0.101/24",
        "198.18.0.201/24",
    ]


def test_every_host_reaches_every_other_over_the_underlay(
    make_fabric: Callable[..., FabricSpec],
) -> None:
    spec = make_fabric(network_nodes=2, compute_nodes=2)
    kernel.up(spec)

    unreachable = [
        (source.name, target.name)
        for source, target in permutations(spec.hosts, 2)
        if not probe.pings(source.namespace, str(target.underlay_address.ip))
    ]

    assert unreachable == []
    # The underlay is the hosts' own network: the outside host is not on it.
    assert not probe.pings(spec.hosts[0].namespace, "203.0.113.1")


@pytest.fixture
def temporary_address() -> Iterator[Callable[[str, str, str], None]]:
    """`add(namespace, interface, address)`, each removed again whatever the test did."""
    added: list[tuple[str, str, str]] = []

    def add(namespace: str, interface: str, address: str) -> None:
        probe.add_address(namespace, interface, address)
        added.append((namespace, interface, address))

    try:
        yield add
    finally:
        for namespace, interface, address in added:
            probe.remove_address(namespace, interface, address)


def test_a_networking_nodes_ext0_is_on_the_outside_hosts_network(
    fabric: FabricSpec, temporary_address: Callable[[str, str, str], None]
) -> None:
    network, compute = fabric.hosts
    temporary_address(network.namespace, "ext0", "203.0.113.200/24")
    # The same range on the compute node's physnet1 interface: a different layer-2 network.
    temporary_address(compute.namespace, "phy1", "203.0.113.201/24")

    assert probe.pings(network.namespace, "203.0.113.1")
    assert not probe.pings(compute.namespace, "203.0.113.1")
    assert "ext0" not in probe.links(compute.namespace)


def test_a_vlan_segment_is_a_bridge_of_its_own(
    make_fabric: Callable[..., FabricSpec], temporary_address: Callable[[str, str, str], None]
) -> None:
    spec = make_fabric(network_nodes=1, compute_nodes=2)
    kernel.up(spec)
    network, compute1, compute2 = spec.hosts
    bridge = f"{TEST_PREFIX}p1v101"

    assert kernel.add_segment(spec, "physnet1", 101) == [
        f"created bridge {bridge}",
        f"set {bridge} up",
    ]
    kernel.attach_segment(spec, "network-1", "physnet1", 101)
    kernel.attach_segment(spec, "compute-1", "physnet1", 101)
    kernel.attach_segment(spec, "compute-2", "physnet1", 102)
    assert kernel.attach_segment(spec, "compute-1", "physnet1", 101) == []

    assert probe.is_bridge(bridge)
    assert probe.ports(bridge) == {f"{TEST_PREFIX}n1p1v101", f"{TEST_PREFIX}c1p1v101"}
    assert "p1v101" in probe.links(compute1.namespace)
    temporary_address(network.namespace, "p1v101", "192.0.2.1/24")
    temporary_address(compute1.namespace, "p1v101", "192.0.2.2/24")
    temporary_address(compute2.namespace, "p1v102", "192.0.2.3/24")
    assert probe.pings(compute1.namespace, "192.0.2.1")
    # VLAN 102 is another segment: no layer-2 path to VLAN 101, nor to the flat physnet1.
    assert not probe.pings(compute2.namespace, "192.0.2.1")
    assert [s.vlan for s in kernel.observe(spec).segments] == [101, 102]

    assert kernel.detach_segment(spec, "network-1", "physnet1", 101) == [
        f"removed {TEST_PREFIX}n1p1v101"
    ]
    assert "p1v101" not in probe.links(network.namespace)
    kernel.remove_segment(spec, "physnet1", 101)

    assert not probe.is_bridge(bridge)
    assert "p1v101" not in probe.links(compute1.namespace)
    assert "p1v102" in probe.links(compute2.namespace)
    assert kernel.remove_segment(spec, "physnet1", 101) == []


def test_segments_refuse_what_the_fabric_does_not_have(fabric: FabricSpec) -> None:
    with pytest.raises(FabricError, match="compute-1 has no physical network 'external'"):
        kernel.attach_segment(fabric, "compute-1", "external", 10)
    with pytest.raises(FabricError, match="VLAN id is between 1 and 4094"):
        kernel.add_segment(fabric, "physnet1", 4095)
    with pytest.raises(FabricError, match="no physical network 'physnet9'"):
        kernel.add_segment(fabric, "physnet9", 10)
    with pytest.raises(FabricError, match="no host 'compute-7'"):
        kernel.attach_segment(fabric, "compute-7", "physnet1", 10)


def test_up_twice_changes_nothing(make_fabric: Callable[..., FabricSpec]) -> None:
    spec = make_fabric(network_nodes=2, compute_nodes=1)
    assert kernel.up(spec)
    before = snapshot(spec)

    assert kernel.up(spec) == []
    assert snapshot(spec) == before
    assert kernel.observe(spec).complete


def test_up_repairs_only_what_is_missing(fabric: FabricSpec) -> None:
    network, compute = fabric.hosts
    # The pair to physnet1 is gone, and a leftover link holds its root end's name.
    probe.run("ip", "link", "del", network.physical_link(PHYSICAL_NETWORKS[1]))
    probe.run("ip", "link", "add", network.physical_link(PHYSICAL_NETWORKS[1]), "type", "bridge")
    probe.run("ip", "-n", compute.namespace, "addr", "flush", "dev", "ul0")
    probe.run("ip", "netns", "exec", compute.namespace, "sysctl", "-qw", "net.ipv4.ip_forward=0")
    assert not kernel.observe(fabric).complete

    changes = kernel.up(fabric)

    assert changes == [
        f"removed half of the veth pair {TEST_PREFIX}n1p1/phy1",
        f"created veth {TEST_PREFIX}n1p1 to phy1 in {TEST_PREFIX}-n1",
        f"attached {TEST_PREFIX}n1p1 to {TEST_PREFIX}p1",
        f"set {TEST_PREFIX}n1p1 up",
        f"set phy1 up in {TEST_PREFIX}-n1",
        f"added 198.18.0.101/24 to ul0 in {TEST_PREFIX}-c1",
        f"enabled IPv4 forwarding in {TEST_PREFIX}-c1",
    ]
    assert kernel.observe(fabric).complete
    assert probe.pings(network.namespace, "198.18.0.101")


def test_up_with_fewer_hosts_removes_the_others(make_fabric: Callable[..., FabricSpec]) -> None:
    kernel.up(make_fabric(network_nodes=2, compute_nodes=2))
    smaller = make_fabric(network_nodes=1, compute_nodes=1)

    kernel.up(smaller)

    owned = {name for name in probe.namespaces() if smaller.owns_namespace(name)}
    assert owned == {f"{TEST_PREFIX}-n1", f"{TEST_PREFIX}-c1", f"{TEST_PREFIX}-out"}
    assert not any(
        name.startswith((f"{TEST_PREFIX}n2", f"{TEST_PREFIX}c2")) for name in probe.links()
    )
    assert kernel.observe(smaller).complete


def test_down_leaves_nothing_of_the_fabric(make_fabric: Callable[..., FabricSpec]) -> None:
    namespaces_before, links_before = probe.namespaces(), set(probe.links())
    spec = make_fabric(network_nodes=2, compute_nodes=2, both_nodes=1)
    kernel.up(spec)
    kernel.attach_segment(spec, "compute-1", "physnet1", 300)
    kernel.add_segment(spec, "external", 301)
    sleeper = subprocess.Popen(["ip", "netns", "exec", spec.hosts[0].namespace, "sleep", "60"])
    try:
        assert len(probe.namespaces()) == len(namespaces_before) + 6
        changes = kernel.down(spec)
        # The process in a fabric namespace is stopped: it would keep the namespace alive.
        assert sleeper.wait(timeout=10) < 0
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
            sleeper.wait()

    assert f"sent SIGTERM to process {sleeper.pid} in {spec.hosts[0].namespace}" in changes
    assert probe.namespaces() == namespaces_before
    assert set(probe.links()) == links_before
    assert not any(name.startswith(TEST_PREFIX) for name in probe.links())
    assert kernel.observe(spec).empty
    assert kernel.down(spec) == []


def test_down_touches_only_its_own_objects(make_fabric: Callable[..., FabricSpec]) -> None:
    mine = make_fabric()
    theirs = make_fabric(prefix=OTHER_PREFIX)
    kernel.up(mine)
    kernel.up(theirs)
    # Objects whose names begin with the prefix but are not names the fabric makes.
    bystanders = {
        "namespace": f"{TEST_PREFIX}-z1",
        "bridge": f"{TEST_PREFIX}9",
        "other": f"{TEST_PREFIX}n1q0",
    }
    try:
        probe.run("ip", "netns", "add", bystanders["namespace"])
        probe.run("ip", "link", "add", bystanders["bridge"], "type", "bridge")
        probe.run("ip", "link", "add", bystanders["other"], "type", "bridge")
        theirs_before = snapshot(theirs)

        kernel.down(mine)

        assert kernel.observe(mine).empty
        assert snapshot(theirs) == theirs_before
        assert kernel.observe(theirs).complete
        assert bystanders["namespace"] in probe.namespaces()
        assert {bystanders["bridge"], bystanders["other"]} <= set(probe.links())
    finally:
        probe.run("ip", "netns", "del", bystanders["namespace"], check=False)
        probe.run("ip", "link", "del", bystanders["bridge"], check=False)
        probe.run("ip", "link", "del", bystanders["other"], check=False)

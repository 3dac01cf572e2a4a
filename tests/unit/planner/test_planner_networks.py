"""Layer 2: a bridge per domain on each host that needs it; flat networks attach the physical
interface, VLANs ride an 802.1Q device, a fabric segment, or nothing (noted); overlays get one
VXLAN device whose remotes depend on the tunnel mode."""

from __future__ import annotations

from typing import Any

from tasks.planner.allocation import bridge_mac
from tasks.planner.names import interface_name
from tasks.planner.networks import MAX_VNI, VNI_BASE
from tasks.planner.state import Attachment, Bridge, Vlan, Vxlan
from tests.builders import net, port, subnet
from tests.unit.planner.test_planner_support import (
    FABRIC,
    PREFIX,
    codes,
    facts,
    instance,
    objects,
    plan_of,
)


def _on_hosts(network: dict[str, Any], *hosts: str) -> dict[str, Any]:
    """A network with one instance on each host (pinned), each through one port."""
    ids = [f"vm-{h}" for h in hosts]
    return {
        "networks": [network],
        "ports": [port(f"p-{i}", network["id"], i) for i in ids],
        "instances": [instance(i, h) for i, h in zip(ids, hosts, strict=True)],
    }


def test_dynamic_tunnels_reach_only_the_hosts_carrying_the_network() -> None:
    result = plan_of(**_on_hosts(net("app", tunnels="dynamic", vni=77), "compute-1", "compute-2"))
    vxlans = {host: objects(result, host, Vxlan) for host in result.hosts}
    assert vxlans["network-1"] == vxlans["network-2"] == []
    bridge = interface_name(PREFIX, "bridge", "app")
    assert vxlans["compute-1"] == [
        Vxlan(
            name=interface_name(PREFIX, "vxlan", "app"),
            vni=77,
            local="198.18.0.101",
            underlay="",
            owner="app",
            master=bridge,
            remotes=("198.18.0.102",),
        )
    ]
    assert vxlans["compute-2"][0].remotes == ("198.18.0.101",)
    assert vxlans["compute-2"][0].local == "198.18.0.102"


def test_static_tunnels_are_a_full_mesh_over_every_host() -> None:
    result = plan_of(**_on_hosts(net("app", tunnels="static"), "compute-1"))
    (vxlan,) = objects(result, "compute-1", Vxlan)
    # Remotes sorted by address: 198.18.0.11 < 198.18.0.12 < 198.18.0.102.
    assert vxlan.remotes == ("198.18.0.11", "198.18.0.12", "198.18.0.102")
    assert objects(result, "compute-2", Vxlan) == []


def test_vnis_are_the_designs_or_derived_from_the_network_and_stable() -> None:
    def vnis(*networks: dict[str, Any]) -> dict[str, int]:
        ids = [n["id"] for n in networks]
        result = plan_of(
            networks=list(networks),
            ports=[port(f"p{n}", n, "vm") for n in ids],
            instances=[instance("vm", "compute-1")],
        )
        return {v.owner: v.vni for v in objects(result, "compute-1", Vxlan)}

    before = vnis(net("a"), net("b", vni=1000), net("c"), net("o", "docker_overlay"))
    assert before["b"] == 1000
    assert all(VNI_BASE <= before[n] <= MAX_VNI for n in "aco")
    assert len(set(before.values())) == 4
    # Another network added (or one removed) leaves every other network's VNI alone, so a
    # running deployment keeps its tunnels.
    after = vnis(net("a"), net("b", vni=1000), net("c"), net("o", "docker_overlay"), net("aa"))
    assert {n: after[n] for n in before} == before
    assert vnis(net("c")) == {"c": before["c"]}


def test_gre_is_noted_and_the_network_stays_on_its_host() -> None:
    result = plan_of(**_on_hosts(net("g", tunnel_type="gre"), "compute-1", "compute-2"))
    assert codes(result) == ["plan.no_gre"]
    assert [b.owner for b in objects(result, "compute-1", Bridge)] == ["g"]
    assert objects(result, "compute-1", Vxlan) == []


def test_flat_provider_attaches_the_hosts_physical_interface() -> None:
    result = plan_of(**_on_hosts(net("flat", "provider", physical_network="physnet1"), "compute-1"))
    bridge = interface_name(PREFIX, "bridge", "flat")
    # Its MAC is its own, stable, and not the same on another host.
    mac = bridge_mac("compute-1", bridge)
    assert objects(result, "compute-1", Bridge) == [Bridge(bridge, "flat", mac=mac)]
    assert mac.startswith("02:")
    assert mac != bridge_mac("compute-2", bridge)
    assert objects(result, "compute-1", Attachment) == [Attachment("phy1", bridge, "flat")]


def test_a_host_without_the_physical_network_is_noted() -> None:
    result = plan_of(**_on_hosts(net("flat", "provider", physical_network="other"), "compute-1"))
    assert codes(result) == ["plan.no_physical_network"]
    assert result.notes[0].host == "compute-1"
    assert objects(result, "compute-1", Attachment) == []


VLAN_NETWORK = net(
    "v", "provider", physical_network="physnet1", network_type="vlan", segmentation_id=101
)


def test_vlan_with_8021q_is_a_vlan_device_on_the_physical_interface() -> None:
    result = plan_of(**_on_hosts(VLAN_NETWORK, "compute-1"))
    (vlan,) = objects(result, "compute-1", Vlan)
    assert (vlan.parent, vlan.vlan_id, vlan.master, vlan.owner) == (
        "phy1",
        101,
        interface_name(PREFIX, "bridge", "v"),
        "v",
    )
    assert vlan.name.startswith(PREFIX)
    assert len(vlan.name) <= 15
    assert result.notes == ()


def test_vlan_without_8021q_rides_the_fabric_segment_and_says_so() -> None:
    host = facts(
        "compute-1",
        "compute",
        physical_networks={"physnet1": "phy1"},
        vlan_devices=False,
        vlan_segments={("physnet1", 101): "p1v101"},
    )
    result = plan_of((host,), **_on_hosts(VLAN_NETWORK, "compute-1"))
    assert objects(result, "compute-1", Vlan) == []
    assert objects(result, "compute-1", Attachment) == [
        Attachment("p1v101", interface_name(PREFIX, "bridge", "v"), "v")
    ]
    assert codes(result) == ["plan.vlan_segment"]


def test_vlan_with_no_carrier_is_noted() -> None:
    host = facts("compute-1", "compute", physical_networks={"physnet1": "phy1"}, vlan_devices=False)
    result = plan_of((host,), **_on_hosts(VLAN_NETWORK, "compute-1"))
    assert objects(result, "compute-1", Vlan) == []
    assert objects(result, "compute-1", Attachment) == []
    assert codes(result) == ["plan.no_vlan_carrier"]
    assert result.notes[0].elements == ("v",)


def test_routed_provider_segments_get_a_bridge_each_with_their_vlan() -> None:
    result = plan_of(
        FABRIC,
        networks=[net("rp", "routed_provider")],
        segments=[
            {"id": "seg-a", "network": "rp", "physical_network": "physnet1", "segmentation_id": 21},
            {"id": "seg-b", "network": "rp", "physical_network": "physnet1", "segmentation_id": 22},
        ],
        subnets=[
            subnet("sa", "rp", "10.21.0.0/24", segment="seg-a", enable_dhcp=False),
            subnet("sb", "rp", "10.22.0.0/24", segment="seg-b", enable_dhcp=False),
        ],
        ports=[port("pa", "rp", "vm-a", ("sa", None)), port("pb", "rp", "vm-b", ("sb", None))],
        instances=[instance("vm-a", "compute-1"), instance("vm-b", "compute-2")],
    )
    assert [(b.owner, b.name) for b in objects(result, "compute-1", Bridge)] == [
        ("seg-a", interface_name(PREFIX, "bridge", "seg-a"))
    ]
    assert [(v.vlan_id, v.owner) for v in objects(result, "compute-2", Vlan)] == [(22, "seg-b")]


def test_hosts_without_anything_on_a_network_get_no_bridge() -> None:
    result = plan_of(**_on_hosts(net("app", tunnels="static"), "compute-1"))
    assert objects(result, "compute-2", Bridge) == []
    assert objects(result, "network-1", Bridge) == []


def test_two_flat_networks_on_one_interface_are_a_noted_conflict() -> None:
    result = plan_of(
        networks=[
            net("a", "provider", physical_network="physnet1"),
            net("b", "provider", physical_network="physnet1"),
        ],
        ports=[port("pa", "a", "vm"), port("pb", "b", "vm")],
        instances=[instance("vm", "compute-1")],
    )
    # Only the first network (by id) gets the interface; the kernel could not do both.
    assert [a.owner for a in objects(result, "compute-1", Attachment)] == ["a"]
    assert [(n.code, n.elements, n.host) for n in result.notes] == [
        ("plan.conflict", ("a", "b"), "compute-1")
    ]


def test_a_vni_out_of_range_is_noted_and_not_tunnelled() -> None:
    result = plan_of(**_on_hosts(net("bad", vni=0), "compute-1", "compute-2"))
    assert codes(result) == ["plan.bad_vni"]
    assert objects(result, "compute-1", Vxlan) == []


def test_a_host_without_underlay_carries_no_tunnel_and_is_no_remote() -> None:
    hosts = (
        facts("compute-1", "compute", "198.18.0.101"),
        facts("compute-2", "compute", ""),
        facts("compute-3", "compute", "198.18.0.103"),
    )
    result = plan_of(hosts, **_on_hosts(net("app"), "compute-1", "compute-2", "compute-3"))
    assert [v.remotes for v in objects(result, "compute-1", Vxlan)] == [("198.18.0.103",)]
    assert objects(result, "compute-2", Vxlan) == []
    assert [(n.code, n.host) for n in result.notes] == [("plan.no_underlay", "compute-2")]

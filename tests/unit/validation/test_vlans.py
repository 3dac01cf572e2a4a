"""VLAN and tunnel rules: VLAN ids, VNIs and GRE keys, segments, and the parts routed provider
and self-service networks need."""

from __future__ import annotations

from typing import Any

import pytest

from designer.spec import Document
from designer.validation import Finding
from tests.builders import document, findings_for, net, subnet


def only(doc: Document, code: str) -> Finding:
    [finding] = findings_for(doc, code)
    return finding


def provider(
    id: str, vlan: int | None = None, physnet: str = "physnet1", **fields: Any
) -> dict[str, Any]:
    fields.setdefault("network_type", "vlan")
    return net(id, "provider", physical_network=physnet, segmentation_id=vlan, **fields)


def segment(id: str, vlan: int | None = None, network: str = "rp", **fields: Any) -> dict[str, Any]:
    fields.setdefault("physical_network", "physnet1")
    fields.setdefault("hosts", ["compute-1"])
    return {"id": id, "name": id, "network": network, "segmentation_id": vlan, **fields}


def routed(*segments: dict[str, Any], **lists: Any) -> Document:
    """Routed provider network rp (plus any other networks given) with the segments given."""
    networks = [net("rp", "routed_provider"), *lists.pop("networks", [])]
    return document(networks=networks, segments=list(segments), **lists)


# --- VLAN ids -------------------------------------------------------------------------------


def test_a_vlan_provider_network_without_a_vlan_id_is_an_error() -> None:
    finding = only(document(networks=[provider("p1")]), "vlan.id_missing")
    assert finding.elements == ("p1",)
    assert finding.data == {"field": "segmentation_id"}
    assert findings_for(document(networks=[provider("p1", 100)]), "vlan.id_missing") == []


def test_a_vlan_segment_without_a_vlan_id_is_an_error() -> None:
    assert only(routed(segment("seg1")), "vlan.id_missing").elements == ("seg1",)
    flat = routed(segment("seg1", network_type="flat"))
    assert findings_for(flat, "vlan.id_missing") == []


@pytest.mark.parametrize("vlan", [0, 4095, -1, 70000])
def test_a_vlan_id_outside_1_to_4094_is_an_error(vlan: int) -> None:
    finding = only(document(networks=[provider("p1", vlan)]), "vlan.id_out_of_range")
    assert finding.data == {"field": "segmentation_id", "value": vlan}
    assert only(routed(segment("seg1", vlan)), "vlan.id_out_of_range").elements == ("seg1",)


@pytest.mark.parametrize("vlan", [1, 4094])
def test_the_ends_of_the_vlan_range_are_fine(vlan: int) -> None:
    doc = routed(
        segment("seg1", vlan),
        networks=[provider("p1", vlan, "physnet2")],
    )
    assert findings_for(doc, "vlan.id_out_of_range") == []


def test_a_vlan_id_on_a_flat_network_is_a_warning() -> None:
    finding = only(document(networks=[provider("p1", 100, network_type="flat")]), "vlan.id_on_flat")
    assert finding.severity == "warning"
    assert finding.data == {"field": "segmentation_id", "value": 100}
    flat = document(networks=[provider("p1", network_type="flat")])
    assert findings_for(flat, "vlan.id_on_flat") == []


def test_one_vlan_twice_on_one_physical_network_is_an_error() -> None:
    doc = routed(
        segment("seg1", 100),
        segment("seg2", 101),
        networks=[
            provider("p1", 100),
            provider("p2", 100, "physnet2"),
        ],
    )
    finding = only(doc, "vlan.duplicate")
    assert finding.elements == ("p1", "seg1")
    assert finding.data == {"physical_network": "physnet1", "vlan": 100}


def test_one_vlan_on_two_physical_networks_is_fine() -> None:
    doc = document(networks=[provider("p1", 100), provider("p2", 100, "physnet2")])
    assert findings_for(doc, "vlan.duplicate") == []


def test_flat_networks_and_bad_vlan_ids_are_not_counted_as_duplicates() -> None:
    doc = document(
        networks=[
            provider("p1", 5000),
            provider("p2", 5000),
            provider("p3", 7, network_type="flat"),
            provider("p4", 7),
        ]
    )
    assert findings_for(doc, "vlan.duplicate") == []


# --- VNIs and GRE keys ----------------------------------------------------------------------


def overlay(id: str, vni: int, kind: str = "self_service", **fields: Any) -> dict[str, Any]:
    return net(id, kind, vni=vni, **fields)


@pytest.mark.parametrize(
    "network",
    [
        overlay("o1", 0),
        overlay("o1", 2**24),
        overlay("o1", 2**24, "docker_overlay"),
        overlay("o1", 0, tunnel_type="gre"),
        overlay("o1", 2**32, tunnel_type="gre"),
    ],
)
def test_a_tunnel_id_outside_its_space_is_an_error(network: dict[str, Any]) -> None:
    finding = only(document(networks=[network]), "vni.out_of_range")
    assert finding.elements == ("o1",)
    assert finding.data["field"] == "vni"


@pytest.mark.parametrize(
    "network",
    [
        overlay("o1", 1),
        overlay("o1", 2**24 - 1),
        overlay("o1", 2**24 - 1, "docker_overlay"),
        # A GRE key is 32 bits wide.
        overlay("o1", 2**24, tunnel_type="gre"),
        overlay("o1", 2**32 - 1, tunnel_type="gre"),
    ],
)
def test_a_tunnel_id_inside_its_space_is_fine(network: dict[str, Any]) -> None:
    assert findings_for(document(networks=[network]), "vni.out_of_range") == []


def test_one_vni_on_two_vxlan_networks_is_an_error() -> None:
    doc = document(
        networks=[overlay("o1", 5000), overlay("o2", 5000, "docker_overlay"), overlay("o3", 5001)]
    )
    finding = only(doc, "vni.duplicate")
    assert finding.elements == ("o1", "o2")
    assert finding.data == {"vni": 5000, "tunnel_type": "vxlan"}


def test_a_gre_key_may_equal_a_vxlan_vni() -> None:
    doc = document(networks=[overlay("o1", 5000), overlay("o2", 5000, tunnel_type="gre")])
    assert findings_for(doc, "vni.duplicate") == []
    both_gre = document(
        networks=[overlay("o1", 5000, tunnel_type="gre"), overlay("o2", 5000, tunnel_type="gre")]
    )
    assert only(both_gre, "vni.duplicate").data["tunnel_type"] == "gre"


def test_networks_without_a_vni_are_allocated_one_and_never_duplicates() -> None:
    doc = document(networks=[net("o1"), net("o2")])
    assert findings_for(doc, "vni.duplicate") == []


# --- segments -------------------------------------------------------------------------------


def test_a_segment_of_a_network_that_is_not_routed_provider_is_an_error() -> None:
    doc = document(networks=[provider("p1", 100)], segments=[segment("seg1", 10, network="p1")])
    finding = only(doc, "segment.not_routed")
    assert finding.elements == ("seg1", "p1")
    assert finding.data == {"field": "network"}
    assert findings_for(routed(segment("seg1", 10)), "segment.not_routed") == []


def test_a_segment_without_a_subnet_is_a_warning() -> None:
    finding = only(routed(segment("seg1", 10)), "segment.no_subnet")
    assert finding.severity == "warning"
    assert finding.elements == ("seg1",)
    with_subnet = routed(
        segment("seg1", 10), subnets=[subnet("s1", "rp", "10.0.0.0/24", segment="seg1")]
    )
    assert findings_for(with_subnet, "segment.no_subnet") == []


def test_a_segment_without_hosts_is_a_warning() -> None:
    finding = only(routed(segment("seg1", 10, hosts=[])), "segment.no_hosts")
    assert finding.data == {"field": "hosts"}
    assert findings_for(routed(segment("seg1", 10)), "segment.no_hosts") == []


# --- networks that need parts ---------------------------------------------------------------


def test_a_routed_provider_network_without_segments_is_an_error() -> None:
    assert only(routed(), "routed_provider.no_segments").elements == ("rp",)
    assert findings_for(routed(segment("seg1", 10)), "routed_provider.no_segments") == []


def test_a_self_service_network_without_a_subnet_is_an_error() -> None:
    doc = document(
        networks=[net("bare"), net("full"), net("bridge", "docker_user_bridge")],
        subnets=[subnet("s1", "full", "2001:db8::/64")],
    )
    assert only(doc, "self_service.no_subnet").elements == ("bare",)

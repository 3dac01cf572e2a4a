"""VLAN segmentation policy rules: VLAN ranges per role and forbidden routed paths."""

from __future__ import annotations

from typing import Any

import networkx as nx

from designer.graph import nearest_path
from designer.validation import ValidationContext, VlanPolicy
from tests.builders import document, findings_for, net, port, subnet

POLICY = ValidationContext(
    policy=VlanPolicy(
        ranges={"storage": ((30, 39),), "management": ((10, 19), (110, 119))},
        forbidden_pairs=frozenset({frozenset({"storage", "external"})}),
    )
)


def provider(id: str, vlan: int | None = None, **fields: Any) -> dict[str, Any]:
    if vlan is None:
        return net(id, "provider", physical_network="physnet1", **fields)
    return net(
        id,
        "provider",
        physical_network="physnet1",
        network_type="vlan",
        segmentation_id=vlan,
        **fields,
    )


def router(id: str, gateway: str | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"id": id, "name": id}
    if gateway is not None:
        fields["external_gateway"] = {"network": gateway}
    return fields


# --- VLAN ranges ----------------------------------------------------------------------------


def test_vlan_outside_its_roles_range_is_an_error() -> None:
    doc = document(networks=[provider("store", 50, role="storage")])
    [finding] = findings_for(doc, "policy.vlan_outside_range", POLICY)
    assert finding.elements == ("store",)
    assert finding.data == {"role": "storage", "vlan": 50, "ranges": [[30, 39]]}
    assert "30-39" in finding.message


def test_vlan_inside_any_of_its_roles_ranges_is_fine() -> None:
    doc = document(
        networks=[provider("store", 39, role="storage"), provider("mgmt", 115, role="management")]
    )
    assert findings_for(doc, "policy.vlan_outside_range", POLICY) == []


def test_segment_vlan_is_judged_by_its_networks_role() -> None:
    segment = {"id": "seg1", "network": "rp", "physical_network": "physnet1"}
    doc = document(
        networks=[net("rp", "routed_provider", role="management")],
        segments=[
            {**segment, "segmentation_id": 20},
            {**segment, "id": "seg2", "segmentation_id": 12},
        ],
    )
    [finding] = findings_for(doc, "policy.vlan_outside_range", POLICY)
    assert finding.elements == ("seg1", "rp")
    assert finding.data["vlan"] == 20


def test_vlan_ranges_are_skipped_without_a_policy_or_a_role() -> None:
    doc = document(networks=[provider("store", 50, role="storage"), provider("plain", 50)])
    assert findings_for(doc, "policy.vlan_outside_range") == []
    # With the policy, only the network with a role is judged.
    found = findings_for(doc, "policy.vlan_outside_range", POLICY)
    assert [f.elements for f in found] == [("store",)]


def test_flat_provider_network_has_no_vlan_to_judge() -> None:
    doc = document(networks=[provider("store", role="storage")])
    assert findings_for(doc, "policy.vlan_outside_range", POLICY) == []


def test_role_missing_from_the_policy_is_a_warning() -> None:
    doc = document(networks=[provider("bk", 50, role="backup")])
    [finding] = findings_for(doc, "policy.unknown_role", POLICY)
    assert finding.elements == ("bk",)
    assert finding.data == {"role": "backup"}
    assert findings_for(doc, "policy.vlan_outside_range", POLICY) == []


def test_role_named_only_by_a_forbidden_pair_is_known_and_has_no_range() -> None:
    doc = document(networks=[provider("ext", 50, role="external"), net("plain")])
    assert findings_for(doc, "policy.unknown_role", POLICY) == []
    assert findings_for(doc, "policy.vlan_outside_range", POLICY) == []


# --- forbidden routes -----------------------------------------------------------------------


def routed_pair(*, joined: bool) -> dict[str, list[dict[str, Any]]]:
    """A storage network behind router r1, which has its gateway on the external network
    when `joined`."""
    return {
        "networks": [
            provider("store", 30, role="storage"),
            provider("ext", role="external", external=True),
        ],
        "subnets": [
            subnet("store-sub", "store", "10.0.30.0/24"),
            subnet("ext-sub", "ext", "203.0.113.0/24"),
        ],
        "routers": [router("r1", "ext" if joined else None)],
        "ports": [port("rp1", "store", "r1", ("store-sub", "10.0.30.1"))],
    }


def test_router_joining_forbidden_roles_is_an_error() -> None:
    doc = document(**routed_pair(joined=True))
    [finding] = findings_for(doc, "policy.forbidden_route", POLICY)
    assert finding.elements == ("ext", "r1", "store")
    assert finding.data == {
        "roles": ["external", "storage"],
        "path": ["ext", "r1", "store-sub", "store"],
        "routers": ["r1"],
    }
    assert "'r1'" in finding.message


def test_forbidden_roles_without_a_routed_path_are_fine() -> None:
    doc = document(**routed_pair(joined=False))
    assert findings_for(doc, "policy.forbidden_route", POLICY) == []
    assert findings_for(doc, "policy.forbidden_route") == []


def test_forbidden_route_names_every_router_of_the_shortest_path() -> None:
    doc = document(
        networks=[
            provider("store", 30, role="storage"),
            net("transit"),
            provider("ext", role="external", external=True),
        ],
        subnets=[
            subnet("store-sub", "store", "10.0.30.0/24"),
            subnet("transit-sub", "transit", "10.9.0.0/24"),
        ],
        routers=[router("r1"), router("r2", "ext")],
        ports=[
            port("p1", "store", "r1", ("store-sub", "10.0.30.1")),
            port("p2", "transit", "r1", ("transit-sub", "10.9.0.1")),
            port("p3", "transit", "r2", ("transit-sub", "10.9.0.2")),
        ],
    )
    [finding] = findings_for(doc, "policy.forbidden_route", POLICY)
    assert finding.elements == ("ext", "r2", "r1", "store")
    assert finding.data["path"] == ["ext", "r2", "transit-sub", "r1", "store-sub", "store"]
    assert "'r2', 'r1'" in finding.message


def test_forbidden_route_is_reported_once_per_connected_part() -> None:
    many = routed_pair(joined=True)
    for i in range(5):
        many["networks"].append(provider(f"store{i}", 31, role="storage"))
        many["subnets"].append(subnet(f"s{i}", f"store{i}", f"10.1.{i}.0/24"))
        many["ports"].append(port(f"q{i}", f"store{i}", "r1", (f"s{i}", f"10.1.{i}.1")))
    doc = document(**many)
    assert len(findings_for(doc, "policy.forbidden_route", POLICY)) == 1


def test_forbidden_route_reaches_a_segment_of_a_routed_provider_network() -> None:
    doc = document(
        networks=[
            net("rp", "routed_provider", role="storage"),
            provider("ext", role="external", external=True),
        ],
        segments=[
            {"id": "seg", "network": "rp", "physical_network": "physnet1", "segmentation_id": 31}
        ],
        subnets=[subnet("seg-sub", "rp", "10.0.31.0/24", segment="seg")],
        routers=[router("r1", "ext")],
        ports=[port("p1", "rp", "r1", ("seg-sub", "10.0.31.1"))],
    )
    [finding] = findings_for(doc, "policy.forbidden_route", POLICY)
    assert finding.elements == ("ext", "r1", "seg")
    assert "segment 'seg' of network 'rp'" in finding.message


def test_nearest_path_searches_from_every_source_at_once() -> None:
    graph = nx.path_graph(["a", "b", "c", "d", "e", "f"])
    graph.add_node("alone")
    assert nearest_path(graph, ["a", "f"], {"c"}) == ["a", "b", "c"]
    assert nearest_path(graph, ["a", "f"], {"d"}) == ["f", "e", "d"]
    assert nearest_path(graph, ["a"], {"a", "f"}) == ["a"]
    assert nearest_path(graph, ["alone", "missing"], {"f"}) == []

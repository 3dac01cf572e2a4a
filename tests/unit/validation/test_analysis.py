"""Analysis: which instances reach which, and single points of failure."""

from __future__ import annotations

import random
from typing import Any

import networkx as nx

from designer.graph import articulation_parts
from designer.validation.index import TopologyIndex
from designer.validation.rules.analysis import reachability_groups, reachable
from tests.builders import document, findings_for, net, port, subnet


def two_subnets(*routers: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """vm1 on s1 and vm2 on s2, joined by each of `routers`; vm3 alone on s3."""
    lists: dict[str, list[dict[str, Any]]] = {
        "networks": [net("n1"), net("n2"), net("n3")],
        "subnets": [
            subnet("s1", "n1", "10.0.1.0/24"),
            subnet("s2", "n2", "10.0.2.0/24"),
            subnet("s3", "n3", "10.0.3.0/24"),
        ],
        "instances": [{"id": "vm1"}, {"id": "vm2"}, {"id": "vm3"}],
        "routers": list(routers),
        "ports": [
            port("p1", "n1", "vm1", ("s1", "10.0.1.5")),
            port("p2", "n2", "vm2", ("s2", "10.0.2.5")),
            port("p3", "n3", "vm3", ("s3", "10.0.3.5")),
        ],
    }
    for i, router in enumerate(routers):
        lists["ports"] += [
            port(f"r{i}a", "n1", router["id"], ("s1", f"10.0.1.{i + 1}")),
            port(f"r{i}b", "n2", router["id"], ("s2", f"10.0.2.{i + 1}")),
        ]
    return lists


# --- reachability ---------------------------------------------------------------------------


def test_reachability_groups_instances_by_routed_part() -> None:
    doc = document(**two_subnets({"id": "r1"}))
    [finding] = findings_for(doc, "analysis.reachability")
    assert finding.data == {"groups": [["vm1", "vm2"], ["vm3"]]}
    assert finding.elements == ("vm1", "vm2", "vm3")
    index = TopologyIndex(doc)
    assert reachability_groups(index) == [["vm1", "vm2"], ["vm3"]]
    assert reachable(index, "vm1", "vm2")
    assert not reachable(index, "vm1", "vm3")


def test_without_a_router_subnets_do_not_reach_each_other() -> None:
    index = TopologyIndex(document(**two_subnets()))
    assert not reachable(index, "vm1", "vm2")
    assert reachability_groups(index) == [["vm1"], ["vm2"], ["vm3"]]


def test_without_instances_there_is_no_reachability_finding() -> None:
    doc = document(networks=[net("n1")], subnets=[subnet("s1", "n1", "10.0.1.0/24")])
    assert findings_for(doc, "analysis.reachability") == []


def test_user_defined_bridges_are_isolated_from_each_other() -> None:
    doc = document(
        networks=[net("br1", "docker_user_bridge"), net("br2", "docker_user_bridge")],
        instances=[{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "both"}],
        ports=[
            port("pa", "br1", "a"),
            port("pb", "br1", "b"),
            port("pc", "br2", "c"),
            port("pboth1", "br1", "both"),
            port("pboth2", "br2", "both"),
        ],
    )
    index = TopologyIndex(doc)
    assert reachable(index, "a", "b")
    assert reachable(index, "a", "a")
    assert not reachable(index, "a", "c")
    # A container on both bridges reaches each, but does not route between them.
    assert reachable(index, "both", "a")
    assert reachable(index, "both", "c")
    assert reachability_groups(index) == [["a", "b", "both"], ["c", "both"]]


def test_containers_on_the_none_network_reach_nothing() -> None:
    doc = document(
        networks=[net("none", "docker_none")],
        instances=[{"id": "a"}, {"id": "b"}],
        ports=[port("pa", "none", "a"), port("pb", "none", "b")],
    )
    index = TopologyIndex(doc)
    assert not reachable(index, "a", "b")
    assert not reachable(index, "a", "a")
    assert reachability_groups(index) == []
    assert findings_for(doc, "analysis.reachability") == []


# --- single points of failure ---------------------------------------------------------------


def test_the_only_router_between_instances_is_a_single_point_of_failure() -> None:
    doc = document(**two_subnets({"id": "r1"}))
    [finding] = findings_for(doc, "analysis.single_point_of_failure")
    assert finding.elements == ("r1",)
    assert sorted(finding.data["instances_per_part"]) == [1, 1]
    assert finding.data["parts"] == 2


def test_a_second_router_or_an_ha_router_is_no_single_point_of_failure() -> None:
    assert (
        findings_for(
            document(**two_subnets({"id": "r1"}, {"id": "r2"})), "analysis.single_point_of_failure"
        )
        == []
    )
    ha = document(**two_subnets({"id": "r1", "mode": "ha"}))
    assert findings_for(ha, "analysis.single_point_of_failure") == []


def test_a_router_whose_far_side_has_no_instances_is_no_single_point_of_failure() -> None:
    lists = two_subnets({"id": "r1"})
    lists["ports"] = [p for p in lists["ports"] if p["device"] != "vm2"]
    assert findings_for(document(**lists), "analysis.single_point_of_failure") == []


def test_a_network_joining_two_subnets_can_be_a_single_point_of_failure() -> None:
    # n1 holds s1 (vm1) and s1b; r1 joins s1b to s2 (vm2). Losing n1 or r1 splits them.
    lists = two_subnets()
    lists["subnets"].append(subnet("s1b", "n1", "10.0.11.0/24"))
    lists["routers"] = [{"id": "r1"}]
    lists["ports"] += [
        port("ra", "n1", "r1", ("s1b", "10.0.11.1")),
        port("rb", "n2", "r1", ("s2", "10.0.2.1")),
    ]
    findings = findings_for(document(**lists), "analysis.single_point_of_failure")
    assert sorted(f.elements for f in findings) == [("n1",), ("r1",)]


def test_instances_on_the_failing_network_itself_count_as_cut_off() -> None:
    # vm1 sits on n1 without a fixed IP; n1's subnet s1b leads through r1 to vm2 on s2, and
    # its other subnet s1 is empty. Losing n1 cuts vm1 off from vm2.
    lists = two_subnets()
    lists["subnets"].append(subnet("s1b", "n1", "10.0.11.0/24"))
    lists["routers"] = [{"id": "r1"}]
    lists["ports"] = [
        port("p1", "n1", "vm1"),
        port("p2", "n2", "vm2", ("s2", "10.0.2.5")),
        port("ra", "n1", "r1", ("s1b", "10.0.11.1")),
        port("rb", "n2", "r1", ("s2", "10.0.2.1")),
    ]
    findings = findings_for(document(**lists), "analysis.single_point_of_failure")
    assert sorted(f.elements for f in findings) == [("n1",), ("r1",)]


def test_articulation_parts_match_networkx() -> None:
    rng = random.Random(7)
    for seed in range(60):
        graph = nx.gnm_random_graph(rng.randint(1, 30), rng.randint(0, 45), seed=seed)
        graph = nx.relabel_nodes(graph, {n: f"v{n}" for n in graph})
        weight = {node: rng.randint(0, 2) for node in graph}
        parts = articulation_parts(graph, weight)
        assert set(parts) == set(nx.articulation_points(graph))
        for node, found in parts.items():
            rest = graph.subgraph(nx.node_connected_component(graph, node) - {node})
            expected = [sum(weight[n] for n in part) for part in nx.connected_components(rest)]
            assert sorted(found) == sorted(expected)

"""Layer-2 rules: loops made by instances that bridge their ports."""

from __future__ import annotations

from typing import Any

from designer.spec import Document
from designer.validation import Finding
from tests.builders import document, findings_for, net, port, subnet


def bridge(id: str, bridging: bool = True) -> dict[str, Any]:
    return {"id": id, "name": id, "l2_bridge": bridging}


def wired(
    instances: list[dict[str, Any]], links: list[tuple[str, str]], networks: str = "abcd"
) -> Document:
    """Networks a, b, c, d and the instances given, with one port per (instance, network)."""
    return document(
        networks=[net(n) for n in networks],
        instances=instances,
        ports=[port(f"{i}-{n}-{k}", n, i) for k, (i, n) in enumerate(links)],
    )


def loops(doc: Document) -> list[Finding]:
    return findings_for(doc, "l2.loop")


def test_two_bridges_between_the_same_two_networks_make_a_loop() -> None:
    doc = wired(
        [bridge("sw1"), bridge("sw2")], [("sw1", "a"), ("sw1", "b"), ("sw2", "a"), ("sw2", "b")]
    )
    [finding] = loops(doc)
    assert finding.severity == "warning"
    assert finding.elements == ("sw1", "sw2", "a", "b", "sw1-a-0", "sw1-b-1", "sw2-a-2", "sw2-b-3")
    assert finding.data == {
        "instances": ["sw1", "sw2"],
        "domains": ["a", "b"],
        "ports": ["sw1-a-0", "sw1-b-1", "sw2-a-2", "sw2-b-3"],
    }
    assert "'sw1' and 'sw2'" in finding.message
    assert "'a' and 'b'" in finding.message


def test_a_bridge_with_two_ports_on_one_network_is_a_loop() -> None:
    [finding] = loops(wired([bridge("sw1")], [("sw1", "a"), ("sw1", "a")]))
    assert finding.elements == ("sw1", "a", "sw1-a-0", "sw1-a-1")
    assert "two ports" in finding.message


def test_a_chain_of_bridges_is_no_loop() -> None:
    doc = wired(
        [bridge("sw1"), bridge("sw2")], [("sw1", "a"), ("sw1", "b"), ("sw2", "b"), ("sw2", "c")]
    )
    assert loops(doc) == []


def test_an_instance_that_does_not_bridge_closes_no_loop() -> None:
    doc = wired(
        [bridge("sw1"), bridge("vm1", bridging=False)],
        [("sw1", "a"), ("sw1", "b"), ("vm1", "a"), ("vm1", "b")],
    )
    assert loops(doc) == []


def test_bridges_hanging_off_a_loop_are_left_out_of_it() -> None:
    doc = wired(
        [bridge("sw1"), bridge("sw2"), bridge("sw3")],
        [("sw1", "a"), ("sw1", "b"), ("sw2", "a"), ("sw2", "b"), ("sw3", "b"), ("sw3", "c")],
    )
    [finding] = loops(doc)
    assert finding.data["instances"] == ["sw1", "sw2"]
    assert finding.data["domains"] == ["a", "b"]
    assert "sw3" not in finding.elements


def test_two_loops_joined_by_a_bridge_are_reported_once_each() -> None:
    doc = wired(
        [bridge(f"sw{i}") for i in range(1, 6)],
        [
            ("sw1", "a"),
            ("sw1", "b"),
            ("sw2", "a"),
            ("sw2", "b"),
            ("sw3", "b"),
            ("sw3", "c"),  # the link between the two loops
            ("sw4", "c"),
            ("sw4", "d"),
            ("sw5", "c"),
            ("sw5", "d"),
        ],
    )
    assert sorted(f.data["instances"] for f in loops(doc)) == [["sw1", "sw2"], ["sw4", "sw5"]]


def test_a_loop_through_three_networks_is_one_loop() -> None:
    doc = wired(
        [bridge("sw1"), bridge("sw2"), bridge("sw3")],
        [("sw1", "a"), ("sw1", "b"), ("sw2", "b"), ("sw2", "c"), ("sw3", "c"), ("sw3", "a")],
    )
    [finding] = loops(doc)
    assert finding.data["domains"] == ["a", "b", "c"]


def test_bridges_between_segments_loop_over_the_segments() -> None:
    # A port on a segment's subnet is on that segment, not on the whole routed network.
    doc = document(
        networks=[net("rp", "routed_provider")],
        segments=[
            {"id": s, "network": "rp", "physical_network": "physnet1", "segmentation_id": v}
            for s, v in (("seg1", 10), ("seg2", 20))
        ],
        subnets=[
            subnet("s1", "rp", "10.0.1.0/24", segment="seg1"),
            subnet("s2", "rp", "10.0.2.0/24", segment="seg2"),
        ],
        instances=[bridge("sw1"), bridge("sw2")],
        ports=[
            port("p1", "rp", "sw1", ("s1", None)),
            port("p2", "rp", "sw1", ("s2", None)),
            port("p3", "rp", "sw2", ("s1", None)),
            port("p4", "rp", "sw2", ("s2", None)),
        ],
    )
    [finding] = loops(doc)
    assert finding.data["domains"] == ["seg1", "seg2"]
    single = document(**{**doc.to_json(), "ports": doc.to_json()["ports"][:3]})
    assert loops(single) == []

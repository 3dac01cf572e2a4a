"""Routing rules: overlapping subnets that can reach each other, router interfaces, static
routes."""

from __future__ import annotations

import time
from typing import Any

import pytest

from designer.spec import Document
from designer.validation import Finding, ValidationContext
from designer.validation.index import TopologyIndex
from designer.validation.rules.addressing.routing import overlapping_subnets
from tests.builders import document, findings_for, net, port, subnet


def only(doc: Document, code: str) -> Finding:
    [finding] = findings_for(doc, code)
    return finding


def router(id: str, gateway: str | None = None, **fields: Any) -> dict[str, Any]:
    if gateway is not None:
        fields["external_gateway"] = {"network": gateway}
    return {"id": id, "name": id, **fields}


def ext() -> dict[str, Any]:
    return net("ext", "provider", physical_network="physnet1", external=True)


# --- overlapping subnets --------------------------------------------------------------------


def test_overlapping_subnets_on_one_network_are_an_error() -> None:
    doc = document(
        networks=[net("n1")],
        subnets=[subnet("s1", "n1", "10.0.0.0/24"), subnet("s2", "n1", "10.0.0.128/25")],
    )
    finding = only(doc, "subnet.overlap")
    assert finding.elements == ("s2", "s1")
    assert finding.data == {"cidrs": ["10.0.0.128/25", "10.0.0.0/24"], "via": "network"}


def joined(cidr_a: str, cidr_b: str, *, by_router: bool = True) -> Document:
    ports = [
        port("ra", "a", "r1", ("sa", None)),
        port("rb", "b", "r1" if by_router else "r2", ("sb", None)),
    ]
    return document(
        networks=[net("a"), net("b")],
        subnets=[subnet("sa", "a", cidr_a), subnet("sb", "b", cidr_b)],
        routers=[router("r1"), router("r2")],
        ports=ports,
    )


@pytest.mark.parametrize(
    ("cidr_a", "cidr_b"),
    [("10.0.0.0/16", "10.0.5.0/24"), ("2001:db8::/48", "2001:db8:0:5::/64")],
)
def test_overlapping_subnets_joined_by_a_router_are_an_error(cidr_a: str, cidr_b: str) -> None:
    finding = only(joined(cidr_a, cidr_b), "subnet.overlap")
    assert finding.elements == ("sb", "sa")
    assert finding.data["via"] == "routers"


def test_overlapping_subnets_that_cannot_reach_each_other_are_fine() -> None:
    assert (
        findings_for(joined("10.0.0.0/16", "10.0.5.0/24", by_router=False), "subnet.overlap") == []
    )


def test_subnets_next_to_each_other_do_not_overlap() -> None:
    assert findings_for(joined("10.0.0.0/24", "10.0.1.0/24"), "subnet.overlap") == []


def test_subnets_of_different_ip_versions_never_overlap() -> None:
    # ::a00:0/104 holds the same integers as 10.0.0.0/8.
    assert findings_for(joined("10.0.0.0/8", "::a00:0/104"), "subnet.overlap") == []


def test_each_subnet_overlapping_an_earlier_one_is_reported_once() -> None:
    doc = document(
        networks=[net("n1")],
        subnets=[
            subnet("wide", "n1", "10.0.0.0/16"),
            subnet("one", "n1", "10.0.1.0/24"),
            subnet("two", "n1", "10.0.2.0/24"),
            subnet("apart", "n1", "10.1.0.0/24"),
        ],
    )
    assert sorted(f.elements for f in findings_for(doc, "subnet.overlap")) == [
        ("one", "wide"),
        ("two", "wide"),
    ]


def behind_routers(*, snat: bool) -> Document:
    """Two tenants with the same subnet, each behind its own router on one external network."""
    return document(
        networks=[ext(), net("a"), net("b")],
        subnets=[subnet("sa", "a", "10.0.0.0/24"), subnet("sb", "b", "10.0.0.0/24")],
        routers=[router("ra", "ext", snat=snat), router("rb", "ext", snat=snat)],
        ports=[
            port("pa", "a", "ra", ("sa", "10.0.0.1")),
            port("pb", "b", "rb", ("sb", "10.0.0.1")),
        ],
    )


def test_tenants_behind_their_own_snat_routers_may_reuse_addresses() -> None:
    assert findings_for(behind_routers(snat=True), "subnet.overlap") == []


def test_tenants_routed_without_snat_over_one_external_network_must_not_overlap() -> None:
    assert only(behind_routers(snat=False), "subnet.overlap").data["via"] == "routers"


def segmented(*, router_between: bool) -> Document:
    return document(
        networks=[net("rp", "routed_provider")],
        segments=[
            {"id": f"seg{i}", "network": "rp", "physical_network": "physnet1", "segmentation_id": i}
            for i in (1, 2)
        ],
        subnets=[
            subnet("s1", "rp", "10.0.0.0/23", segment="seg1"),
            subnet("s2", "rp", "10.0.1.0/24", segment="seg2"),
        ],
        routers=[router("r1")],
        ports=[port("p1", "rp", "r1", ("s1", None)), port("p2", "rp", "r1", ("s2", None))]
        if router_between
        else [],
    )


@pytest.mark.parametrize("router_between", [True, False])
def test_segments_of_one_routed_provider_network_must_not_overlap(router_between: bool) -> None:
    finding = only(segmented(router_between=router_between), "subnet.overlap")
    assert finding.elements == ("s2", "s1")


def test_overlap_is_found_by_sorting_not_by_comparing_every_pair() -> None:
    # 20,000 subnets that can all reach each other: pairwise comparison would take minutes.
    count = 20_000
    doc = document(
        networks=[net("n1")],
        subnets=[subnet(f"s{i}", "n1", f"10.{i // 256 % 256}.{i % 256}.0/24") for i in range(count)]
        + [subnet("last", "n1", "10.0.0.0/8")],
    )
    index = TopologyIndex(doc)
    index.routed_adjacency  # noqa: B018  (built once, as validate() does)
    start = time.perf_counter()
    found = list(overlapping_subnets(index, ValidationContext()))
    assert time.perf_counter() - start < 5
    assert len(found) == count
    assert all(f.elements[1] == "last" for f in found)


# --- router interfaces ----------------------------------------------------------------------


def test_a_router_with_two_interfaces_on_one_subnet_is_an_error() -> None:
    doc = document(
        networks=[net("n1"), net("n2")],
        subnets=[subnet("s1", "n1", "10.0.0.0/24"), subnet("s2", "n2", "10.0.1.0/24")],
        routers=[router("r1")],
        ports=[
            port("p1", "n1", "r1", ("s1", "10.0.0.1")),
            port("p2", "n1", "r1", ("s1", "10.0.0.2")),
            port("p3", "n2", "r1", ("s2", "10.0.1.1")),
        ],
    )
    finding = only(doc, "router.duplicate_subnet")
    assert finding.elements == ("r1", "s1", "p1", "p2")
    assert finding.data == {"subnet": "s1"}


def test_a_router_on_two_different_subnets_is_fine() -> None:
    doc = joined("10.0.0.0/24", "10.0.1.0/24")
    assert findings_for(doc, "router.duplicate_subnet") == []
    assert findings_for(doc, "router.overlapping_subnets") == []


@pytest.mark.parametrize(
    ("cidr_a", "cidr_b"), [("10.0.0.0/16", "10.0.5.0/24"), ("2001:db8::/48", "2001:db8::/64")]
)
def test_a_router_on_overlapping_subnets_is_an_error(cidr_a: str, cidr_b: str) -> None:
    finding = only(joined(cidr_a, cidr_b), "router.overlapping_subnets")
    assert finding.elements == ("r1", "sa", "sb")


def test_a_router_gateway_subnet_overlapping_an_interface_is_an_error() -> None:
    # The gateway takes an address on the external subnet at deploy, since none is given.
    doc = document(
        networks=[ext(), net("n1")],
        subnets=[subnet("ext-sub", "ext", "10.0.0.0/16"), subnet("s1", "n1", "10.0.3.0/24")],
        routers=[router("r1", "ext")],
        ports=[port("p1", "n1", "r1", ("s1", "10.0.3.1"))],
    )
    assert only(doc, "router.overlapping_subnets").elements == ("r1", "ext-sub", "s1")


def test_a_router_interface_on_its_gateway_subnet_is_a_duplicate() -> None:
    doc = document(
        networks=[ext()],
        subnets=[subnet("ext-sub", "ext", "203.0.113.0/24")],
        routers=[router("r1", "ext")],
        ports=[port("p1", "ext", "r1", ("ext-sub", "203.0.113.9"))],
    )
    finding = only(doc, "router.duplicate_subnet")
    assert finding.elements == ("r1", "ext-sub", "p1")
    assert "its external gateway" in finding.message


# --- static routes --------------------------------------------------------------------------


def routed_by(*routes: tuple[str, str]) -> Document:
    return document(
        networks=[ext(), net("n1")],
        subnets=[
            subnet("ext-sub", "ext", "203.0.113.0/24"),
            subnet("s1", "n1", "10.0.0.0/24"),
            subnet("s6", "n1", "2001:db8::/64"),
        ],
        routers=[router("r1", "ext", routes=[{"destination": d, "nexthop": n} for d, n in routes])],
        ports=[port("p1", "n1", "r1", ("s1", "10.0.0.1"), ("s6", "2001:db8::1"))],
    )


@pytest.mark.parametrize("destination", ["192.168.0.0", "192.168.0.0/33", "::/200"])
def test_a_route_destination_that_is_not_a_cidr_is_invalid(destination: str) -> None:
    finding = only(routed_by((destination, "10.0.0.254")), "route.destination_invalid")
    assert finding.elements == ("r1",)
    assert finding.data == {"field": "routes[0].destination", "value": destination}


def test_a_route_destination_with_host_bits_suggests_the_network() -> None:
    finding = only(routed_by(("192.168.1.1/16", "10.0.0.254")), "route.destination_invalid")
    assert finding.data["suggestion"] == "192.168.0.0/16"


@pytest.mark.parametrize(
    ("destination", "nexthop"),
    [
        ("192.168.0.0/16", "10.0.0.254"),
        ("2001:db8:5::/48", "2001:db8::fe"),
        ("0.0.0.0/0", "203.0.113.1"),  # on the gateway's subnet
    ],
)
def test_a_route_via_a_subnet_of_the_router_is_fine(destination: str, nexthop: str) -> None:
    doc = routed_by((destination, nexthop))
    for code in ("route.destination_invalid", "route.nexthop_invalid", "route.nexthop_unreachable"):
        assert findings_for(doc, code) == []


def test_a_route_nexthop_that_is_not_an_ip_is_invalid() -> None:
    finding = only(routed_by(("192.168.0.0/16", "10.0.0")), "route.nexthop_invalid")
    assert finding.data == {"field": "routes[0].nexthop", "value": "10.0.0"}


@pytest.mark.parametrize("nexthop", ["10.0.1.254", "2001:db8:1::fe"])
def test_a_route_nexthop_on_no_subnet_of_the_router_is_a_warning(nexthop: str) -> None:
    finding = only(routed_by(("192.168.0.0/16", nexthop)), "route.nexthop_unreachable")
    assert finding.severity == "warning"
    assert finding.elements == ("r1",)
    assert finding.data == {"field": "routes[0].nexthop", "address": nexthop}

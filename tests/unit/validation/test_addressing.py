"""Subnet addressing rules: CIDR, gateway IP, allocation pools, DNS nameservers and segments."""

from __future__ import annotations

from typing import Any

import pytest

from designer.spec import Document
from designer.validation import Finding, validate
from tests.builders import document, findings_for, net, subnet


def one_subnet(cidr: str, **fields: Any) -> Document:
    return document(networks=[net("n1")], subnets=[subnet("s1", "n1", cidr, **fields)])


def only(doc: Document, code: str) -> Finding:
    [finding] = findings_for(doc, code)
    return finding


def pools(*ranges: tuple[str, str]) -> list[dict[str, str]]:
    return [{"start": start, "end": end} for start, end in ranges]


# --- CIDR -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cidr", ["10.0.0.0", "10.0.0.0/33", "2001:db8::/129", "10.0.0.256/24"])
def test_a_cidr_that_is_not_a_network_is_invalid(cidr: str) -> None:
    finding = only(one_subnet(cidr), "subnet.cidr_invalid")
    assert finding.elements == ("s1",)
    assert finding.data == {"field": "cidr"}


@pytest.mark.parametrize("cidr", ["10.0.0.0/24", "2001:db8::/64", "2001:DB8:0::/64"])
def test_a_network_cidr_is_neither_invalid_nor_has_host_bits(cidr: str) -> None:
    doc = one_subnet(cidr)
    assert findings_for(doc, "subnet.cidr_invalid") == []
    assert findings_for(doc, "subnet.cidr_host_bits") == []


@pytest.mark.parametrize(
    ("cidr", "suggestion"), [("10.0.0.1/24", "10.0.0.0/24"), ("2001:db8::1/64", "2001:db8::/64")]
)
def test_host_bits_in_a_cidr_suggest_the_network(cidr: str, suggestion: str) -> None:
    finding = only(one_subnet(cidr), "subnet.cidr_host_bits")
    assert finding.data["suggestion"] == suggestion
    assert suggestion in finding.message


# --- gateway IP -----------------------------------------------------------------------------


def test_a_gateway_that_is_not_an_ip_is_invalid() -> None:
    finding = only(one_subnet("10.0.0.0/24", gateway_ip="10.0.0"), "subnet.gateway_invalid")
    assert finding.elements == ("s1",)
    assert finding.data == {"field": "gateway_ip", "value": "10.0.0"}
    assert findings_for(one_subnet("10.0.0.0/24"), "subnet.gateway_invalid") == []


def test_a_gateway_of_the_other_ip_version_is_reported_as_such() -> None:
    doc = one_subnet("10.0.0.0/24", gateway_ip="2001:db8::1")
    finding = only(doc, "subnet.gateway_version")
    assert finding.data["address"] == "2001:db8::1"
    assert findings_for(doc, "subnet.gateway_outside") == []
    assert (
        findings_for(
            one_subnet("2001:db8::/64", gateway_ip="2001:db8::1"), "subnet.gateway_version"
        )
        == []
    )


@pytest.mark.parametrize(
    ("cidr", "gateway"), [("10.0.0.0/24", "10.0.1.1"), ("2001:db8::/64", "2001:db8:1::1")]
)
def test_a_gateway_outside_its_subnet_is_an_error(cidr: str, gateway: str) -> None:
    finding = only(one_subnet(cidr, gateway_ip=gateway), "subnet.gateway_outside")
    assert finding.data == {"field": "gateway_ip", "address": gateway, "cidr": cidr}


@pytest.mark.parametrize(
    ("cidr", "gateway"),
    [("10.0.0.0/24", "10.0.0.1"), ("10.0.0.0/24", "10.0.0.254"), ("2001:db8::/64", "2001:db8::1")],
)
def test_a_gateway_inside_its_subnet_is_fine(cidr: str, gateway: str) -> None:
    found = [f.code for f in validate(one_subnet(cidr, gateway_ip=gateway))]
    assert not [code for code in found if code.startswith("subnet.gateway")]


@pytest.mark.parametrize(
    ("cidr", "gateway", "reserved"),
    [
        ("10.0.0.0/24", "10.0.0.0", "network address"),
        ("10.0.0.0/24", "10.0.0.255", "broadcast address"),
        ("2001:db8::/64", "2001:db8::", "network address"),
    ],
)
def test_a_gateway_on_a_reserved_address_is_an_error(
    cidr: str, gateway: str, reserved: str
) -> None:
    finding = only(one_subnet(cidr, gateway_ip=gateway), "subnet.gateway_reserved")
    assert finding.data["reserved"] == reserved
    assert reserved in finding.message


@pytest.mark.parametrize(
    ("cidr", "gateway"),
    # IPv6 has no broadcast address; a /31 link uses both of its addresses.
    [("2001:db8::/64", "2001:db8::ffff:ffff:ffff:ffff"), ("10.0.0.0/31", "10.0.0.0")],
)
def test_addresses_that_are_not_reserved_may_be_the_gateway(cidr: str, gateway: str) -> None:
    assert findings_for(one_subnet(cidr, gateway_ip=gateway), "subnet.gateway_reserved") == []


def test_a_gateway_is_not_checked_against_a_cidr_that_does_not_parse() -> None:
    found = [f.code for f in validate(one_subnet("10.0.0.0/40", gateway_ip="192.168.0.1"))]
    assert "subnet.cidr_invalid" in found
    assert not [code for code in found if code.startswith("subnet.gateway")]


# --- allocation pools -----------------------------------------------------------------------


def test_a_pool_end_that_is_not_an_ip_is_invalid() -> None:
    doc = one_subnet("10.0.0.0/24", allocation_pools=pools(("10.0.0.10", "10.0.0.300")))
    finding = only(doc, "subnet.pool_invalid")
    assert finding.data == {"field": "allocation_pools[0]", "values": ["10.0.0.300"]}
    ok = one_subnet("10.0.0.0/24", allocation_pools=pools(("10.0.0.10", "10.0.0.200")))
    assert findings_for(ok, "subnet.pool_invalid") == []


def test_a_pool_that_starts_after_it_ends_is_reversed() -> None:
    doc = one_subnet("10.0.0.0/24", allocation_pools=pools(("10.0.0.100", "10.0.0.50")))
    assert only(doc, "subnet.pool_reversed").data == {"field": "allocation_pools[0]"}
    single = one_subnet("10.0.0.0/24", allocation_pools=pools(("10.0.0.50", "10.0.0.50")))
    assert findings_for(single, "subnet.pool_reversed") == []


@pytest.mark.parametrize(
    ("cidr", "start", "end"),
    [
        ("10.0.0.0/24", "10.0.1.10", "10.0.1.20"),  # another subnet
        ("10.0.0.0/24", "10.0.0.0", "10.0.0.50"),  # holds the network address
        ("10.0.0.0/24", "10.0.0.10", "10.0.0.255"),  # holds the broadcast address
        ("10.0.0.0/24", "2001:db8::10", "2001:db8::20"),  # the other IP version
        ("2001:db8::/64", "2001:db8::", "2001:db8::20"),  # the IPv6 network address
    ],
)
def test_a_pool_reaching_outside_the_usable_addresses_is_an_error(
    cidr: str, start: str, end: str
) -> None:
    finding = only(one_subnet(cidr, allocation_pools=pools((start, end))), "subnet.pool_outside")
    assert finding.data == {"field": "allocation_pools[0]", "cidr": cidr}


@pytest.mark.parametrize(
    ("cidr", "start", "end"),
    [
        ("10.0.0.0/24", "10.0.0.1", "10.0.0.254"),
        ("2001:db8::/64", "2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff"),
    ],
)
def test_a_pool_of_every_usable_address_is_inside(cidr: str, start: str, end: str) -> None:
    doc = one_subnet(cidr, allocation_pools=pools((start, end)))
    assert findings_for(doc, "subnet.pool_outside") == []


def test_overlapping_pools_are_reported_once_per_overlap() -> None:
    doc = one_subnet(
        "10.0.0.0/24",
        allocation_pools=pools(
            ("10.0.0.10", "10.0.0.50"), ("10.0.0.51", "10.0.0.60"), ("10.0.0.40", "10.0.0.45")
        ),
    )
    finding = only(doc, "subnet.pools_overlap")
    assert finding.data == {"fields": ["allocation_pools[0]", "allocation_pools[2]"]}
    assert "10.0.0.10 to 10.0.0.50" in finding.message


def test_adjacent_pools_do_not_overlap() -> None:
    doc = one_subnet(
        "2001:db8::/64",
        allocation_pools=pools(("2001:db8::10", "2001:db8::1f"), ("2001:db8::20", "2001:db8::30")),
    )
    assert findings_for(doc, "subnet.pools_overlap") == []


def test_a_pool_holding_the_gateway_is_an_error() -> None:
    doc = one_subnet(
        "10.0.0.0/24", gateway_ip="10.0.0.1", allocation_pools=pools(("10.0.0.1", "10.0.0.50"))
    )
    finding = only(doc, "subnet.pool_holds_gateway")
    assert finding.data == {"field": "allocation_pools[0]", "address": "10.0.0.1"}
    clear = one_subnet(
        "10.0.0.0/24", gateway_ip="10.0.0.1", allocation_pools=pools(("10.0.0.2", "10.0.0.50"))
    )
    assert findings_for(clear, "subnet.pool_holds_gateway") == []


def test_pools_of_a_subnet_whose_cidr_does_not_parse_are_left_alone() -> None:
    doc = one_subnet("10.0.0.0/40", allocation_pools=pools(("10.0.0.1", "10.0.0.50")))
    found = [f.code for f in validate(doc)]
    assert "subnet.cidr_invalid" in found
    assert not [code for code in found if code.startswith("subnet.pool")]


# --- DNS nameservers ------------------------------------------------------------------------


def test_a_nameserver_that_is_not_an_ip_is_invalid() -> None:
    doc = one_subnet("10.0.0.0/24", dns_nameservers=["192.0.2.53", "2001:4860::8888", "8.8.8.256"])
    finding = only(doc, "subnet.dns_invalid")
    assert finding.data == {"field": "dns_nameservers[2]", "value": "8.8.8.256"}
    ok = one_subnet("2001:db8::/64", dns_nameservers=["2001:4860:4860::8888", "192.0.2.53"])
    assert findings_for(ok, "subnet.dns_invalid") == []


# --- segments -------------------------------------------------------------------------------


def routed(*subnets: dict[str, Any], segments: tuple[str, ...] = ("seg1",)) -> Document:
    return document(
        networks=[net("rp", "routed_provider"), net("rp2", "routed_provider")],
        segments=[
            {"id": s, "network": "rp", "physical_network": "physnet1", "segmentation_id": 10 + i}
            for i, s in enumerate(segments)
        ]
        + [
            {"id": "other", "network": "rp2", "physical_network": "physnet1", "segmentation_id": 99}
        ],
        subnets=list(subnets),
    )


def test_a_subnet_with_a_segment_of_another_network_is_an_error() -> None:
    doc = routed(subnet("s1", "rp", "10.0.0.0/24", segment="other"))
    finding = only(doc, "subnet.segment_other_network")
    assert finding.elements == ("s1", "other", "rp", "rp2")
    assert finding.data == {"field": "segment"}
    ok = routed(subnet("s1", "rp", "10.0.0.0/24", segment="seg1"))
    assert findings_for(ok, "subnet.segment_other_network") == []


def test_a_subnet_of_a_routed_provider_network_needs_a_segment() -> None:
    finding = only(routed(subnet("s1", "rp", "10.0.0.0/24")), "subnet.segment_missing")
    assert finding.elements == ("s1", "rp")
    ok = routed(subnet("s1", "rp", "2001:db8::/64", segment="seg1"))
    assert findings_for(ok, "subnet.segment_missing") == []
    # Other networks have no segments to name.
    assert findings_for(one_subnet("10.0.0.0/24"), "subnet.segment_missing") == []


# --- robustness -----------------------------------------------------------------------------


def test_addresses_that_do_not_parse_give_one_finding_each_and_no_crash() -> None:
    doc = document(
        networks=[net("n1"), net("n2")],
        subnets=[
            subnet(
                "s1",
                "n1",
                "10.0.0/24",
                gateway_ip="10.0.0.1",
                allocation_pools=pools(("10.0.0.10", "10.0.0.20")),
                dns_nameservers=["1.2.3"],
            ),
            subnet("s2", "n2", "::/0", gateway_ip="::", allocation_pools=pools(("::", "ffff::"))),
        ],
        ports=[
            {
                "id": "p1",
                "network": "n1",
                "fixed_ips": [{"subnet": "s1", "ip_address": "10.0.0.5"}],
            },
            {"id": "p2", "network": "n2", "fixed_ips": [{"subnet": "s2", "ip_address": ":::"}]},
        ],
        routers=[{"id": "r1", "routes": [{"destination": "/", "nexthop": "."}]}],
    )
    addressing = ("subnet.", "fixed_ip.", "route.", "router.")
    found = sorted(f.code for f in validate(doc) if f.code.startswith(addressing))
    assert found == [
        "fixed_ip.invalid",
        "route.destination_invalid",
        "route.nexthop_invalid",
        "subnet.cidr_invalid",
        "subnet.dns_invalid",
        "subnet.gateway_reserved",  # :: is the network address of ::/0
        "subnet.pool_outside",
    ]

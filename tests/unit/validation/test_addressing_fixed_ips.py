"""Fixed IP rules: the addresses of ports and of routers' external gateways."""

from __future__ import annotations

from typing import Any

import pytest

from designer.spec import Document
from designer.validation import Finding
from tests.builders import document, findings_for, net, port, subnet

V4 = "10.0.0.0/24"
V6 = "2001:db8::/64"


def on_subnet(cidr: str, *ports: dict[str, Any], **fields: Any) -> Document:
    """Network n1 with subnet s1, instances vm1 and vm2, router r1, and the given ports."""
    return document(
        networks=[net("n1")],
        subnets=[subnet("s1", "n1", cidr, **fields)],
        instances=[{"id": "vm1"}, {"id": "vm2"}],
        routers=[{"id": "r1"}, {"id": "r2"}],
        ports=list(ports),
    )


def only(doc: Document, code: str) -> Finding:
    [finding] = findings_for(doc, code)
    return finding


def test_a_fixed_ip_that_is_not_an_ip_is_invalid() -> None:
    doc = on_subnet(V4, port("p1", "n1", "vm1", ("s1", "10.0.0.300")))
    finding = only(doc, "fixed_ip.invalid")
    assert finding.elements == ("p1", "vm1", "s1")
    assert finding.data == {"field": "fixed_ips[0].ip_address", "value": "10.0.0.300"}
    allocated = on_subnet(V4, port("p1", "n1", "vm1", ("s1", None)))
    assert findings_for(allocated, "fixed_ip.invalid") == []


@pytest.mark.parametrize(
    ("cidr", "address"),
    [(V4, "10.0.1.5"), (V4, "2001:db8::5"), (V6, "2001:db8:1::5"), (V6, "10.0.0.5")],
)
def test_a_fixed_ip_outside_its_subnet_is_an_error(cidr: str, address: str) -> None:
    finding = only(
        on_subnet(cidr, port("p1", "n1", "vm1", ("s1", address))), "fixed_ip.outside_subnet"
    )
    assert finding.elements == ("p1", "vm1", "s1")
    assert finding.data == {"field": "fixed_ips[0].ip_address", "address": address, "cidr": cidr}


@pytest.mark.parametrize(("cidr", "address"), [(V4, "10.0.0.254"), (V6, "2001:db8::5")])
def test_a_fixed_ip_inside_its_subnet_is_fine(cidr: str, address: str) -> None:
    doc = on_subnet(cidr, port("p1", "n1", "vm1", ("s1", address)))
    assert findings_for(doc, "fixed_ip.outside_subnet") == []
    assert findings_for(doc, "fixed_ip.reserved") == []


@pytest.mark.parametrize(
    ("cidr", "address", "reserved"),
    [
        (V4, "10.0.0.0", "network address"),
        (V4, "10.0.0.255", "broadcast address"),
        (V6, "2001:db8::", "network address"),
    ],
)
def test_a_fixed_ip_on_a_reserved_address_is_an_error(
    cidr: str, address: str, reserved: str
) -> None:
    doc = on_subnet(cidr, port("p1", "n1", "vm1", ("s1", address)))
    finding = only(doc, "fixed_ip.reserved")
    assert finding.data["reserved"] == reserved


def test_both_addresses_of_a_point_to_point_link_may_be_held() -> None:
    doc = on_subnet(
        "10.0.0.0/31",
        port("p1", "n1", "vm1", ("s1", "10.0.0.0")),
        port("p2", "n1", "vm2", ("s1", "10.0.0.1")),
    )
    assert findings_for(doc, "fixed_ip.reserved") == []


def test_one_address_held_twice_on_a_subnet_is_a_duplicate() -> None:
    doc = on_subnet(
        V4,
        port("p1", "n1", "vm1", ("s1", "10.0.0.5")),
        port("p2", "n1", "vm2", ("s1", "10.0.0.5")),
        port("p3", "n1", "vm2", ("s1", "10.0.0.6")),
    )
    finding = only(doc, "fixed_ip.duplicate")
    assert finding.elements == ("s1", "p1", "vm1", "p2", "vm2")
    assert finding.data == {
        "address": "10.0.0.5",
        "holders": [
            {"element": "p1", "field": "fixed_ips[0].ip_address"},
            {"element": "p2", "field": "fixed_ips[0].ip_address"},
        ],
    }


def test_ipv6_duplicates_are_found_however_the_address_is_written() -> None:
    doc = on_subnet(
        V6,
        port("p1", "n1", "vm1", ("s1", "2001:db8::5")),
        port("p2", "n1", "vm2", ("s1", "2001:DB8:0:0::5")),
    )
    assert only(doc, "fixed_ip.duplicate").data["address"] == "2001:db8::5"


def test_one_address_on_two_subnets_is_not_a_duplicate() -> None:
    doc = document(
        networks=[net("n1"), net("n2")],
        subnets=[subnet("s1", "n1", V4), subnet("s2", "n2", V4)],
        ports=[
            port("p1", "n1", None, ("s1", "10.0.0.5")),
            port("p2", "n2", None, ("s2", "10.0.0.5")),
        ],
    )
    assert findings_for(doc, "fixed_ip.duplicate") == []


def test_the_router_interface_holding_the_gateway_ip_is_no_duplicate() -> None:
    doc = on_subnet(V4, port("rp", "n1", "r1", ("s1", "10.0.0.1")), gateway_ip="10.0.0.1")
    assert findings_for(doc, "fixed_ip.duplicate") == []
    assert findings_for(doc, "fixed_ip.holds_gateway") == []


def test_two_router_interfaces_holding_the_gateway_ip_are_duplicates() -> None:
    doc = on_subnet(
        V6,
        port("rp1", "n1", "r1", ("s1", "2001:db8::1")),
        port("rp2", "n1", "r2", ("s1", "2001:db8::1")),
        gateway_ip="2001:db8::1",
    )
    assert only(doc, "fixed_ip.duplicate").elements == ("s1", "rp1", "r1", "rp2", "r2")
    assert findings_for(doc, "fixed_ip.holds_gateway") == []


def test_an_instance_port_holding_the_gateway_ip_is_an_error() -> None:
    doc = on_subnet(V4, port("p1", "n1", "vm1", ("s1", "10.0.0.1")), gateway_ip="10.0.0.1")
    finding = only(doc, "fixed_ip.holds_gateway")
    assert finding.elements == ("p1", "vm1", "s1")
    assert finding.data == {"field": "fixed_ips[0].ip_address", "address": "10.0.0.1"}
    assert findings_for(doc, "fixed_ip.duplicate") == []


def test_a_port_without_a_device_may_not_hold_the_gateway_ip() -> None:
    doc = on_subnet(V6, port("p1", "n1", None, ("s1", "2001:db8::1")), gateway_ip="2001:db8::1")
    assert only(doc, "fixed_ip.holds_gateway").elements == ("p1", "s1")


def test_a_port_with_a_fixed_ip_on_another_networks_subnet_is_an_error() -> None:
    doc = document(
        networks=[net("n1"), net("n2")],
        subnets=[subnet("s1", "n1", V4), subnet("s2", "n2", "10.0.1.0/24")],
        instances=[{"id": "vm1"}],
        ports=[port("p1", "n1", "vm1", ("s1", "10.0.0.5"), ("s2", "10.0.1.5"))],
    )
    finding = only(doc, "fixed_ip.wrong_network")
    assert finding.elements == ("p1", "vm1", "s2", "n2", "n1")
    assert finding.data == {"field": "fixed_ips[1].subnet"}
    # The address is not checked against a subnet the port cannot be on.
    assert findings_for(doc, "fixed_ip.outside_subnet") == []


# --- router external gateways ---------------------------------------------------------------


def with_gateway(*fixed_ips: tuple[str, str | None]) -> Document:
    return document(
        networks=[net("ext", "provider", physical_network="physnet1", external=True), net("n1")],
        subnets=[
            subnet("ext-v4", "ext", "203.0.113.0/24", gateway_ip="203.0.113.1"),
            subnet("ext-v6", "ext", "2001:db8:ff::/64", gateway_ip="2001:db8:ff::1"),
            subnet("s1", "n1", V4),
        ],
        routers=[
            {
                "id": "r1",
                "external_gateway": {
                    "network": "ext",
                    "fixed_ips": [{"subnet": s, "ip_address": ip} for s, ip in fixed_ips],
                },
            }
        ],
    )


def test_a_gateway_fixed_ip_outside_its_subnet_names_the_gateway_field() -> None:
    doc = with_gateway(("ext-v4", "203.0.114.10"))
    finding = only(doc, "fixed_ip.outside_subnet")
    assert finding.elements == ("r1", "ext-v4")
    assert finding.data["field"] == "external_gateway.fixed_ips[0].ip_address"
    assert "external gateway of router 'r1'" in finding.message
    fine = with_gateway(("ext-v4", "203.0.113.10"), ("ext-v6", "2001:db8:ff::10"))
    assert findings_for(fine, "fixed_ip.outside_subnet") == []


def test_a_router_gateway_on_the_external_subnets_gateway_ip_is_an_error() -> None:
    # The external subnet's gateway is the router beyond the external network.
    finding = only(with_gateway(("ext-v6", "2001:db8:ff::1")), "fixed_ip.holds_gateway")
    assert finding.elements == ("r1", "ext-v6")
    assert finding.data["field"] == "external_gateway.fixed_ips[0].ip_address"


def test_a_router_gateway_on_a_subnet_of_another_network_is_an_error() -> None:
    finding = only(with_gateway(("s1", "10.0.0.5")), "fixed_ip.wrong_network")
    assert finding.elements == ("r1", "s1", "n1", "ext")
    assert finding.data == {"field": "external_gateway.fixed_ips[0].subnet"}
    assert findings_for(with_gateway(("ext-v4", None)), "fixed_ip.wrong_network") == []


def test_a_router_gateway_and_a_port_on_one_address_are_duplicates() -> None:
    doc = with_gateway(("ext-v4", "203.0.113.7"))
    data = doc.to_json()
    data["ports"] = [port("p1", "ext", None, ("ext-v4", "203.0.113.7"))]
    doc = document(**data)
    finding = only(doc, "fixed_ip.duplicate")
    assert finding.elements == ("ext-v4", "p1", "r1")

"""Roles and ownership rules: admin-only elements, floating IPs, SNAT and gateways."""

from __future__ import annotations

from typing import Any

from designer.validation import ValidationContext, validate
from tests.builders import document, findings_for, net, port, subnet

STUDENT = ValidationContext(author_is_admin=False)
ADMIN = ValidationContext(author_is_admin=True)


def ext(id: str = "ext", **fields: Any) -> dict[str, Any]:
    return net(id, "provider", physical_network="physnet1", external=True, **fields)


def router(id: str, gateway: str | None = None, **fields: Any) -> dict[str, Any]:
    if gateway is not None:
        fields["external_gateway"] = {"network": gateway}
    return {"id": id, "name": id, **fields}


# --- admin-only elements --------------------------------------------------------------------


def test_non_admin_adding_a_provider_network_is_an_error() -> None:
    doc = document(networks=[net("p1", "provider", physical_network="physnet1"), net("mine")])
    [finding] = findings_for(doc, "ownership.admin_only_network", STUDENT)
    assert finding.elements == ("p1",)
    assert finding.data == {"change": "add"}


def test_admin_only_rules_need_to_know_the_author() -> None:
    doc = document(networks=[ext()], routers=[router("r1", "ext")])
    for context in (ADMIN, ValidationContext()):
        assert findings_for(doc, "ownership.admin_only_network", context) == []
        assert findings_for(doc, "ownership.admin_only_gateway", context) == []


def test_non_admin_may_rename_but_not_change_a_provider_network() -> None:
    base = document(networks=[net("p1", "provider", physical_network="physnet1")])
    renamed = document(
        networks=[net("p1", "provider", physical_network="physnet1", name="renamed")]
    )
    moved = document(networks=[net("p1", "provider", physical_network="physnet2")])
    context = ValidationContext(author_is_admin=False, base=base)
    assert findings_for(renamed, "ownership.admin_only_network", context) == []
    [finding] = findings_for(moved, "ownership.admin_only_network", context)
    assert finding.data == {"change": "change"}


def test_non_admin_turning_a_network_external_is_an_error() -> None:
    base = document(networks=[net("p1", "provider", physical_network="physnet1")])
    doc = document(networks=[ext("p1")])
    [finding] = findings_for(
        doc, "ownership.admin_only_network", ValidationContext(author_is_admin=False, base=base)
    )
    assert "external network" in finding.message


def test_non_admin_adding_a_segment_is_an_error() -> None:
    rp = net("rp", "routed_provider")
    segment = {"id": "seg", "network": "rp", "physical_network": "physnet1", "segmentation_id": 5}
    base = document(networks=[rp])
    doc = document(networks=[rp], segments=[segment])
    context = ValidationContext(author_is_admin=False, base=base)
    findings = findings_for(doc, "ownership.admin_only_network", context)
    assert [f.elements for f in findings] == [("seg", "rp")]
    unchanged = ValidationContext(author_is_admin=False, base=doc)
    assert findings_for(doc, "ownership.admin_only_network", unchanged) == []


def test_non_admin_setting_a_gateway_is_an_error() -> None:
    base = document(networks=[ext()], routers=[router("r1")])
    doc = document(networks=[ext()], routers=[router("r1", "ext")])
    context = ValidationContext(author_is_admin=False, base=base)
    [finding] = findings_for(doc, "ownership.admin_only_gateway", context)
    assert finding.elements == ("r1", "ext")


def test_non_admin_keeping_a_gateway_or_adding_a_plain_router_is_fine() -> None:
    doc = document(networks=[ext()], routers=[router("r1", "ext"), router("r2")])
    base = document(networks=[ext()], routers=[router("r1", "ext")])
    context = ValidationContext(author_is_admin=False, base=base)
    assert findings_for(doc, "ownership.admin_only_gateway", context) == []


def test_non_admin_changing_snat_on_a_gateway_is_an_error() -> None:
    base = document(networks=[ext()], routers=[router("r1", "ext")])
    doc = document(networks=[ext()], routers=[router("r1", "ext", snat=False)])
    context = ValidationContext(author_is_admin=False, base=base)
    assert len(findings_for(doc, "ownership.admin_only_gateway", context)) == 1


# --- floating IPs ---------------------------------------------------------------------------


def fip_topology(
    *, gateway: bool = True, address: str = "203.0.113.10", **overrides: Any
) -> dict[str, Any]:
    """vm1 on subnet s1 behind router r1 (gateway on ext when `gateway`), floating IP f1."""
    lists: dict[str, Any] = {
        "networks": [ext(), net("n1")],
        "subnets": [subnet("ext-sub", "ext", "203.0.113.0/24"), subnet("s1", "n1", "10.0.0.0/24")],
        "instances": [{"id": "vm1", "name": "vm1"}],
        "routers": [router("r1", "ext" if gateway else None)],
        "ports": [
            port("rp1", "n1", "r1", ("s1", "10.0.0.1")),
            port("p1", "n1", "vm1", ("s1", "10.0.0.5")),
        ],
        "floating_ips": [
            {"id": "f1", "network": "ext", "port": "p1", "floating_ip_address": address}
        ],
    }
    lists.update(overrides)
    return lists


def test_floating_ip_with_a_router_from_its_subnet_to_the_network_is_fine() -> None:
    findings = validate(document(**fip_topology()))
    assert [f.code for f in findings if f.code.startswith("ownership.")] == []


def test_floating_ip_without_a_gateway_router_is_unreachable() -> None:
    doc = document(**fip_topology(gateway=False))
    [finding] = findings_for(doc, "ownership.floating_ip_unreachable")
    assert finding.elements == ("f1", "p1", "s1")
    assert finding.data == {"network": "ext", "subnets": ["s1"]}


def test_floating_ip_needs_the_gateway_router_directly_on_its_subnet() -> None:
    # vm1 sits on s2; r2 joins s2 to s1, and only r1 (on s1) has the gateway.
    lists = fip_topology()
    lists["networks"].append(net("n2"))
    lists["subnets"].append(subnet("s2", "n2", "10.0.2.0/24"))
    lists["routers"].append(router("r2"))
    lists["ports"] = [
        port("rp1", "n1", "r1", ("s1", "10.0.0.1")),
        port("rp2", "n1", "r2", ("s1", "10.0.0.2")),
        port("rp3", "n2", "r2", ("s2", "10.0.2.1")),
        port("p1", "n2", "vm1", ("s2", "10.0.2.5")),
    ]
    [finding] = findings_for(document(**lists), "ownership.floating_ip_unreachable")
    assert finding.elements == ("f1", "p1", "s2")


def test_floating_ip_on_a_port_without_fixed_ips_is_unreachable() -> None:
    lists = fip_topology()
    lists["ports"] = [port("rp1", "n1", "r1", ("s1", "10.0.0.1")), port("p1", "n1", "vm1")]
    [finding] = findings_for(document(**lists), "ownership.floating_ip_unreachable")
    assert finding.data["subnets"] == []


def test_floating_ip_on_a_network_that_is_not_external_is_an_error() -> None:
    lists = fip_topology(networks=[net("ext", "provider", physical_network="p"), net("n1")])
    doc = document(**lists)
    [finding] = findings_for(doc, "ownership.floating_ip_not_external")
    assert finding.elements == ("f1", "ext")
    # The network is the mistake to fix; its reachability is not judged on top.
    assert findings_for(doc, "ownership.floating_ip_unreachable") == []


def test_floating_ip_address_outside_the_external_subnets_is_an_error() -> None:
    doc = document(**fip_topology(address="198.51.100.7"))
    [finding] = findings_for(doc, "ownership.floating_ip_outside_network")
    assert finding.elements == ("f1", "ext")
    assert finding.data == {"address": "198.51.100.7", "subnets": ["203.0.113.0/24"]}


def test_floating_ip_address_is_not_judged_when_it_or_a_cidr_does_not_parse() -> None:
    unparsed = validate(document(**fip_topology(address="203.0.113")))
    assert [f.code for f in unparsed if f.code.startswith("ownership.")] == []
    lists = fip_topology(address="198.51.100.7")
    lists["subnets"] = [subnet("ext-sub", "ext", "203.0.113.0"), subnet("s1", "n1", "10.0.0.0/24")]
    doc = document(**lists)
    assert findings_for(doc, "ownership.floating_ip_outside_network") == []
    # Nothing raises on a document full of unparseable addresses.
    validate(doc, ValidationContext(author_is_admin=False))


def test_two_floating_ips_with_one_address_are_an_error() -> None:
    lists = fip_topology(address="2001:db8::1")
    lists["subnets"][0] = subnet("ext-sub", "ext", "2001:db8::/64")
    lists["floating_ips"].append(
        {"id": "f2", "network": "ext", "floating_ip_address": "2001:0db8:0:0::1"}
    )
    lists["floating_ips"].append(
        {"id": "f3", "network": "ext", "floating_ip_address": "2001:db8::3"}
    )
    [finding] = findings_for(document(**lists), "ownership.floating_ip_duplicate")
    assert finding.elements == ("f1", "f2")
    assert finding.data == {"address": "2001:db8::1"}


def test_floating_ips_with_different_addresses_are_fine() -> None:
    lists = fip_topology()
    lists["floating_ips"].append(
        {"id": "f2", "network": "ext", "floating_ip_address": "203.0.113.11"}
    )
    assert findings_for(document(**lists), "ownership.floating_ip_duplicate") == []


def test_floating_ip_on_a_router_port_is_an_error() -> None:
    lists = fip_topology()
    lists["floating_ips"][0]["port"] = "rp1"
    [finding] = findings_for(document(**lists), "ownership.floating_ip_router_port")
    assert finding.elements == ("f1", "rp1", "r1")


# --- SNAT and gateways ----------------------------------------------------------------------


def test_snat_without_a_gateway_is_an_error() -> None:
    doc = document(routers=[router("r1", snat=True), router("r2"), router("r3", snat=False)])
    [finding] = findings_for(doc, "ownership.snat_without_gateway")
    assert finding.elements == ("r1",)


def test_snat_with_a_gateway_is_fine() -> None:
    doc = document(networks=[ext()], routers=[router("r1", "ext", snat=True)])
    assert findings_for(doc, "ownership.snat_without_gateway") == []


def test_gateway_on_a_network_that_is_not_external_is_an_error() -> None:
    doc = document(
        networks=[ext(), net("tenant"), net("prov", "provider", physical_network="physnet1")],
        routers=[router("r1", "tenant"), router("r2", "prov"), router("r3", "ext")],
    )
    findings = findings_for(doc, "ownership.gateway_not_external")
    assert [f.elements for f in findings] == [("r1", "tenant"), ("r2", "prov")]

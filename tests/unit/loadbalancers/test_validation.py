"""Load balancer rules: the VIP on its subnet and nobody else's, members the VIP's subnet routes
to, no member twice, and a weighted balancer whose weights say nothing."""

from __future__ import annotations

from typing import Any

from designer.spec import Document
from designer.validation import ValidationContext, validate
from designer.validation.rules.quotas import count_usage
from tests.builders import codes, document, findings_for, net, port, subnet

LB_CODES = {
    "lb.vip_invalid",
    "lb.vip_in_use",
    "lb.member_unreachable",
    "lb.member_duplicate",
    "lb.weights_equal",
}


def lan(*balancers: dict[str, Any], routed: bool = True) -> Document:
    """web (10.0.0.0/24, gateway .1) and back (10.1.0.0/24), joined by router r unless
    `routed` is False; vm1 on web (.5), vm2 on back (.5), vm3 on an island (10.9.0.0/24)."""
    router_ports = (
        [port("r-web", "web", "r", ("web4", None)), port("r-back", "back", "r", ("back4", None))]
        if routed
        else []
    )
    return document(
        networks=[net("web"), net("back"), net("island")],
        subnets=[
            subnet("web4", "web", "10.0.0.0/24", gateway_ip="10.0.0.1"),
            subnet("back4", "back", "10.1.0.0/24", gateway_ip="10.1.0.1"),
            subnet("island4", "island", "10.9.0.0/24"),
        ],
        instances=[{"id": v, "name": v} for v in ("vm1", "vm2", "vm3")],
        routers=[{"id": "r", "name": "r"}],
        ports=[
            port("p1", "web", "vm1", ("web4", "10.0.0.5")),
            port("p2", "back", "vm2", ("back4", "10.1.0.5")),
            port("p3", "island", "vm3", ("island4", "10.9.0.5")),
            *router_ports,
        ],
        load_balancers=list(balancers),
    )


def lb(id: str = "lb1", *members: tuple[str, int, int], **fields: Any) -> dict[str, Any]:
    listed = members or (("vm1", 8080, 1), ("vm2", 8080, 1))
    return {
        "id": id,
        "name": id,
        "subnet": "web4",
        "port": 80,
        "members": [{"instance": i, "port": p, "weight": w} for i, p, w in listed],
        **fields,
    }


def lb_codes(doc: Document) -> list[str]:
    return [code for code in codes(validate(doc)) if code in LB_CODES]


def test_a_sound_load_balancer_has_no_findings() -> None:
    assert lb_codes(lan(lb(vip_address="10.0.0.50"), lb("lb2"))) == []


def test_a_vip_outside_its_subnet_is_an_error() -> None:
    [finding] = findings_for(lan(lb(vip_address="10.1.0.50")), "lb.vip_invalid")
    assert finding.elements == ("lb1", "web4")
    assert "is not an address of subnet 'web4'" in finding.message


def test_a_vip_that_is_the_network_or_broadcast_address_is_an_error() -> None:
    for vip in ("10.0.0.0", "10.0.0.255"):
        assert lb_codes(lan(lb(vip_address=vip))) == ["lb.vip_invalid"]


def test_a_vip_held_by_the_gateway_a_port_or_another_vip_is_an_error() -> None:
    [gateway] = findings_for(lan(lb(vip_address="10.0.0.1")), "lb.vip_in_use")
    assert "the subnet's gateway" in gateway.message
    [fixed] = findings_for(lan(lb(vip_address="10.0.0.5")), "lb.vip_in_use")
    assert "port 'p1'" in fixed.message
    both = lan(lb("lb1", vip_address="10.0.0.50"), lb("lb2", vip_address="10.0.0.50"))
    [twice] = findings_for(both, "lb.vip_in_use")
    assert twice.elements == ("lb2", "web4")
    assert "load balancer 'lb1'" in twice.message


def test_a_member_the_vip_cannot_reach_is_an_error() -> None:
    [island] = findings_for(lan(lb("lb1", ("vm1", 80, 1), ("vm3", 80, 1))), "lb.member_unreachable")
    assert island.elements == ("lb1", "vm3")
    # Without the router, back is as far as the island.
    [unrouted] = findings_for(lan(lb(), routed=False), "lb.member_unreachable")
    assert unrouted.elements == ("lb1", "vm2")
    # Through the router it is reachable.
    assert lb_codes(lan(lb())) == []


def test_a_member_listed_twice_is_an_error() -> None:
    doc = lan(lb("lb1", ("vm1", 80, 1), ("vm1", 80, 2), ("vm1", 81, 1)))
    [finding] = findings_for(doc, "lb.member_duplicate")
    assert finding.elements == ("lb1", "vm1")


def test_weighted_with_equal_weights_is_information() -> None:
    equal = lan(lb("lb1", ("vm1", 80, 5), ("vm2", 80, 5), algorithm="weighted"))
    [finding] = findings_for(equal, "lb.weights_equal")
    assert finding.severity == "info"
    assert lb_codes(lan(lb("lb1", ("vm1", 80, 5), ("vm2", 80, 5)))) == []
    assert lb_codes(lan(lb("lb1", ("vm1", 80, 1), ("vm2", 80, 3), algorithm="weighted"))) == []


def test_quotas_do_not_count_load_balancers() -> None:
    assert "load_balancers" not in count_usage(lan(lb()))
    context = ValidationContext(quotas={"instances": 3, "ports": 5})
    assert "quota.exceeded" not in codes(validate(lan(lb()), context))

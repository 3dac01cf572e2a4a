"""Legacy routers: a forwarding namespace, a veth per interface, the external gateway with its
default route, static routes, and the nat rules: floating IPs (DNAT in, SNAT out) before the
SNAT of each internal subnet to the gateway address."""

from __future__ import annotations

from typing import Any

from tasks.planner.names import interface_name, namespace_name
from tasks.planner.state import Address, Firewall, Namespace, Plan, Route, Veth
from tests.builders import net, port, subnet
from tests.unit.planner.test_planner_support import PREFIX, codes, instance, objects, plan_of

HOST = "network-1"
NS = namespace_name(PREFIX, "router", HOST, "r")
GW = interface_name(PREFIX, "gateway", "r", HOST)


def _routed(router: dict[str, Any] | None = None, **extra: Any) -> Plan:
    """Two self-service subnets behind router r on network-1, its gateway on `ext`; vm-1 on
    app-1 (10.1.0.5) with a floating IP."""
    return plan_of(
        networks=[
            net("ext", "provider", physical_network="external", external=True),
            net("app"),
            net("db"),
        ],
        subnets=[
            subnet("ext-v4", "ext", "203.0.113.0/24", gateway_ip="203.0.113.1", enable_dhcp=False),
            subnet("app-v4", "app", "10.1.0.0/24", gateway_ip="10.1.0.1", enable_dhcp=False),
            subnet("db-v4", "db", "10.2.0.0/24", gateway_ip="10.2.0.1", enable_dhcp=False),
        ],
        ports=[
            port("r-app", "app", "r", ("app-v4", None)),
            port("r-db", "db", "r", ("db-v4", "10.2.0.1")),
            port("vm-1-eth0", "app", "vm-1", ("app-v4", "10.1.0.5")),
        ],
        instances=[instance("vm-1", "compute-1")],
        routers=[
            router
            or {
                "id": "r",
                "hosts": [HOST],
                "external_gateway": {
                    "network": "ext",
                    "fixed_ips": [{"subnet": "ext-v4", "ip_address": "203.0.113.10"}],
                },
                "routes": [{"destination": "192.168.0.0/16", "nexthop": "10.2.0.254"}],
            }
        ],
        floating_ips=[
            {
                "id": "fip",
                "network": "ext",
                "floating_ip_address": "203.0.113.50",
                "port": "vm-1-eth0",
            }
        ],
        **extra,
    )


def test_router_namespace_forwards_and_has_a_veth_per_interface() -> None:
    result = _routed()
    assert objects(result, HOST, Namespace) == [
        Namespace(NS, "router", "r", (("net.ipv4.ip_forward", "1"),))
    ]
    veths = {v.owner: v for v in objects(result, HOST, Veth)}
    assert sorted(veths) == ["r", "r-app", "r-db"]
    assert veths["r-app"].master == interface_name(PREFIX, "bridge", "app")
    assert veths["r"].peer == GW
    assert veths["r"].master == interface_name(PREFIX, "bridge", "ext")
    assert all(v.peer_namespace == NS for v in veths.values())
    addresses = {(a.owner, a.cidr) for a in objects(result, HOST, Address)}
    assert addresses == {
        ("r-app", "10.1.0.1/24"),
        ("r-db", "10.2.0.1/24"),
        ("r", "203.0.113.10/24"),
        ("fip", "203.0.113.50/32"),
    }
    routes = {r.destination: r for r in objects(result, HOST, Route)}
    assert routes["default"] == Route("default", "r", NS, gateway="203.0.113.1", device=GW)
    assert routes["192.168.0.0/16"] == Route("192.168.0.0/16", "r", NS, gateway="10.2.0.254")


def test_floating_ip_rules_come_before_the_subnets_snat() -> None:
    (firewall,) = objects(_routed(), HOST, Firewall)
    assert (firewall.table, firewall.namespace, firewall.owner) == ("nat", NS, "r")
    chains = dict(firewall.chains)
    dnat = ("-d", "203.0.113.50/32", "-j", "DNAT", "--to-destination", "10.1.0.5")
    assert chains[f"{PREFIX}-pre"] == (dnat,)
    assert chains[f"{PREFIX}-out"] == (dnat,)
    assert chains[f"{PREFIX}-post"] == (
        ("-s", "10.1.0.5/32", "-o", GW, "-j", "SNAT", "--to-source", "203.0.113.50"),
        ("-s", "10.1.0.0/24", "-o", GW, "-j", "SNAT", "--to-source", "203.0.113.10"),
        ("-s", "10.2.0.0/24", "-o", GW, "-j", "SNAT", "--to-source", "203.0.113.10"),
    )
    assert firewall.hooks == (
        ("OUTPUT", ("-j", f"{PREFIX}-out")),
        ("POSTROUTING", ("-j", f"{PREFIX}-post")),
        ("PREROUTING", ("-j", f"{PREFIX}-pre")),
    )


def test_snat_off_keeps_only_the_floating_ip_translation() -> None:
    router = {
        "id": "r",
        "snat": False,
        "external_gateway": {"network": "ext"},
    }
    (firewall,) = objects(_routed(router), HOST, Firewall)
    gateway = next(a for a in objects(_routed(router), HOST, Address) if a.owner == "r")
    # The gateway address is the first free one of the external subnet.
    assert gateway.cidr == "203.0.113.2/24"
    assert dict(firewall.chains)[f"{PREFIX}-post"] == (
        ("-s", "10.1.0.5/32", "-o", GW, "-j", "SNAT", "--to-source", "203.0.113.50"),
    )


def test_router_without_gateway_has_no_nat_and_no_default_route() -> None:
    result = _routed({"id": "r"})
    assert objects(result, HOST, Firewall) == []
    assert objects(result, HOST, Route) == []
    assert codes(result) == ["plan.floating_ip_unrouted"]
    assert result.notes[0].elements == ("fip", "vm-1-eth0")


def test_the_external_network_is_carried_to_the_router_host() -> None:
    result = _routed()
    bridges = {b.owner for b in result.hosts[HOST].bridges}
    assert bridges == {"ext", "app", "db"}
    assert [a.interface for a in result.hosts[HOST].attachments] == ["ext0"]

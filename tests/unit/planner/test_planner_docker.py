"""Docker bridges in the host namespace: the gateway address on the bridge, MASQUERADE, DNS by
container name on user-defined bridges, the isolation chain, and published-port DNAT."""

from __future__ import annotations

from typing import Any

from tasks.planner.names import interface_name
from tasks.planner.state import Address, Dnsmasq, Firewall, Plan
from tests.builders import net, port, subnet
from tests.unit.planner.test_planner_support import PREFIX, codes, instance, objects, plan_of

HOST = "compute-1"
FRONT = interface_name(PREFIX, "bridge", "front")
BACK = interface_name(PREFIX, "bridge", "back")


def _two_bridges(**extra: Any) -> Plan:
    return plan_of(
        networks=[
            net("front", "docker_user_bridge"),
            net("back", "docker_user_bridge", internal=True),
        ],
        subnets=[
            subnet("front-v4", "front", "172.20.0.0/24", gateway_ip="172.20.0.1"),
            subnet("back-v4", "back", "172.21.0.0/24", gateway_ip="172.21.0.1"),
        ],
        ports=[
            port("web-front", "front", "web", ("front-v4", "172.20.0.10")),
            port("web-back", "back", "web", ("back-v4", None)),
            port("db-back", "back", "db", ("back-v4", None)),
        ],
        instances=[
            instance(
                "web",
                HOST,
                published_ports=[
                    {"host_port": 8080, "container_port": 80},
                    {
                        "host_port": 5353,
                        "container_port": 53,
                        "protocol": "udp",
                        "host_ip": "192.0.2.7",
                    },
                ],
            ),
            {"id": "db", "name": "Main DB", "host": HOST},
        ],
        **extra,
    )


def _firewall(result: Plan, table: str) -> Firewall:
    return next(f for f in objects(result, HOST, Firewall) if f.table == table)


def test_bridges_carry_their_gateway_address_in_the_host_namespace() -> None:
    result = _two_bridges()
    host_addresses = [a for a in objects(result, HOST, Address) if a.namespace is None]
    assert sorted((a.interface, a.cidr, a.owner) for a in host_addresses) == sorted(
        [(FRONT, "172.20.0.1/24", "front-v4"), (BACK, "172.21.0.1/24", "back-v4")]
    )


def test_masquerade_only_for_networks_that_may_leave() -> None:
    nat = _firewall(_two_bridges(), "nat")
    assert nat.namespace is None
    chains = dict(nat.chains)
    assert chains[f"{PREFIX}-masq"] == (
        ("-s", "172.20.0.0/24", "!", "-o", FRONT, "-j", "MASQUERADE"),
    )
    assert ("POSTROUTING", ("-j", f"{PREFIX}-masq")) in nat.hooks


def test_published_ports_are_dnat_on_the_host() -> None:
    nat = _firewall(_two_bridges(), "nat")
    assert dict(nat.chains)[f"{PREFIX}-dnat"] == (
        ("-p", "tcp", "--dport", "8080", "-j", "DNAT", "--to-destination", "172.20.0.10:80"),
        (
            "-d",
            "192.0.2.7/32",
            "-p",
            "udp",
            "--dport",
            "5353",
            "-j",
            "DNAT",
            "--to-destination",
            "172.20.0.10:53",
        ),
    )
    local = ("-m", "addrtype", "--dst-type", "LOCAL")
    assert ("PREROUTING", (*local, "-j", f"{PREFIX}-dnat")) in nat.hooks
    assert ("OUTPUT", ("!", "-d", "127.0.0.0/8", *local, "-j", f"{PREFIX}-dnat")) in nat.hooks


def test_isolation_between_bridges_and_other_deployments() -> None:
    firewall = _firewall(_two_bridges(), "filter")
    assert firewall.hooks == (("FORWARD", ("-j", f"{PREFIX}-iso")),)
    (chain,) = firewall.chains
    assert chain == (
        f"{PREFIX}-iso",
        (
            # The internal network may not leave its bridge, nor be entered from outside it.
            ("-i", BACK, "!", "-o", BACK, "-j", "DROP"),
            ("!", "-i", BACK, "-o", BACK, "-j", "DROP"),
            ("-i", BACK, "-o", FRONT, "-j", "DROP"),
            ("-i", FRONT, "-o", BACK, "-j", "DROP"),
            ("-i", f"{PREFIX}+", "-o", f"{PREFIX}+", "-j", "RETURN"),
            ("-i", f"{PREFIX}+", "-o", "nl+", "-j", "DROP"),
        ),
    )


def test_user_defined_bridges_answer_container_names() -> None:
    dnsmasqs = {d.owner: d for d in objects(_two_bridges(), HOST, Dnsmasq)}
    assert dnsmasqs["back"] == Dnsmasq(
        interface=BACK,
        owner="back",
        # Port-id order: db-back before web-back.
        records=(("main-db", "172.21.0.2"), ("web", "172.21.0.3")),
    )
    assert dnsmasqs["front"].records == (("web", "172.20.0.10"),)


def test_the_default_bridge_has_no_dns_and_dns_off_means_none() -> None:
    result = plan_of(
        networks=[net("docker0", "docker_bridge"), net("quiet", "docker_user_bridge", dns=False)],
        subnets=[
            subnet("d0", "docker0", "172.17.0.0/16", gateway_ip="172.17.0.1"),
            subnet("q", "quiet", "172.30.0.0/24", gateway_ip="172.30.0.1"),
        ],
        ports=[port("a", "docker0", "c", ("d0", None)), port("b", "quiet", "c", ("q", None))],
        instances=[instance("c", HOST)],
    )
    assert objects(result, HOST, Dnsmasq) == []


def test_publishing_without_an_address_is_noted() -> None:
    result = plan_of(
        networks=[net("none", "docker_none")],
        ports=[port("p", "none", "c")],
        instances=[instance("c", HOST, published_ports=[{"host_port": 1, "container_port": 2}])],
    )
    assert codes(result) == ["plan.publish_without_address"]
    assert objects(result, HOST, Firewall) == []

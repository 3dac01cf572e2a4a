"""Instances: a namespace, a veth per port onto the bridge with MAC and addresses, a default
route via the gateway, a responder; Docker's none, host and macvlan networks."""

from __future__ import annotations

from tasks.planner.names import interface_name, namespace_name
from tasks.planner.state import (
    Address,
    Macvlan,
    Namespace,
    Responder,
    Route,
    Veth,
)
from tests.builders import net, port, subnet
from tests.unit.planner.test_planner_support import (
    PREFIX,
    codes,
    facts,
    instance,
    objects,
    plan_of,
)


def test_an_instance_port_is_a_veth_onto_the_bridge_with_mac_address_and_route() -> None:
    result = plan_of(
        networks=[net("n", mtu=1450)],
        subnets=[subnet("s", "n", "10.0.0.0/24", gateway_ip="10.0.0.1", enable_dhcp=False)],
        ports=[
            {
                "id": "p",
                "network": "n",
                "device": "vm",
                "mac_address": "02:00:00:00:00:07",
                "fixed_ips": [{"subnet": "s", "ip_address": "10.0.0.7"}],
            }
        ],
        instances=[
            instance(
                "vm",
                "compute-1",
                published_ports=[
                    {"host_port": 8080, "container_port": 8000},
                    {"host_port": 8081, "container_port": 80},
                ],
            )
        ],
    )
    namespace = namespace_name(PREFIX, "instance", "compute-1", "vm")
    inside = interface_name(PREFIX, "port", "p", "compute-1")
    assert objects(result, "compute-1", Namespace) == [Namespace(namespace, "instance", "vm")]
    assert objects(result, "compute-1", Veth) == [
        Veth(
            name=interface_name(PREFIX, "tap", "p", "compute-1"),
            peer=inside,
            owner="p",
            peer_namespace=namespace,
            master=interface_name(PREFIX, "bridge", "n"),
            peer_mac="02:00:00:00:00:07",
            mtu=1450,
        )
    ]
    assert objects(result, "compute-1", Address) == [Address(inside, "10.0.0.7/24", "p", namespace)]
    assert objects(result, "compute-1", Route) == [
        Route("default", "p", namespace, gateway="10.0.0.1", device=inside)
    ]
    assert objects(result, "compute-1", Responder) == [Responder("vm", namespace, (7, 8000), 80)]


def test_the_default_route_follows_the_first_port_with_a_gateway() -> None:
    result = plan_of(
        networks=[net("a"), net("b")],
        subnets=[
            subnet("sa", "a", "10.1.0.0/24", gateway_ip=None, enable_dhcp=False),
            subnet("sb", "b", "10.2.0.0/24", gateway_ip="10.2.0.1", enable_dhcp=False),
        ],
        ports=[port("p1", "a", "vm", ("sa", None)), port("p2", "b", "vm", ("sb", None))],
        instances=[instance("vm", "compute-1")],
    )
    (route,) = objects(result, "compute-1", Route)
    assert (route.owner, route.gateway) == ("p2", "10.2.0.1")
    assert sorted(a.cidr for a in objects(result, "compute-1", Address)) == [
        "10.1.0.1/24",
        "10.2.0.2/24",
    ]


def test_docker_none_gives_a_namespace_and_no_port() -> None:
    result = plan_of(
        networks=[net("none", "docker_none")],
        ports=[port("p", "none", "c")],
        instances=[instance("c", "compute-1")],
    )
    state = result.hosts["compute-1"]
    assert [ns.owner for ns in state.namespaces] == ["c"]
    assert state.veths == state.bridges == state.addresses == ()
    assert len(state.responders) == 1


def test_docker_host_shares_the_host_stack_no_namespace_and_a_note() -> None:
    result = plan_of(
        networks=[net("host", "docker_host")],
        ports=[port("p", "host", "c")],
        instances=[
            instance(
                "c",
                "compute-1",
                published_ports=[
                    {"host_port": 80, "container_port": 80},
                ],
            )
        ],
    )
    assert all(not list(state.objects()) for state in result.hosts.values())
    assert codes(result) == ["plan.host_network"]
    assert result.notes[0].elements == ("c", "p")


def test_macvlan_sits_on_the_parents_physical_interface_inside_the_namespace() -> None:
    hosts = (facts("compute-1", "compute", physical_networks={"physnet1": "eth1"}),)
    result = plan_of(
        hosts,
        networks=[net("mv", "docker_macvlan", parent="physnet1", mode="bridge")],
        subnets=[subnet("s", "mv", "192.168.5.0/24", gateway_ip="192.168.5.1")],
        ports=[port("p", "mv", "c", ("s", "192.168.5.9"))],
        instances=[instance("c", "compute-1")],
    )
    namespace = namespace_name(PREFIX, "instance", "compute-1", "c")
    name = interface_name(PREFIX, "macvlan", "p", "compute-1")
    (macvlan,) = objects(result, "compute-1", Macvlan)
    assert macvlan == Macvlan(name, "eth1", "bridge", "p", namespace, macvlan.mac)
    assert objects(result, "compute-1", Address) == [
        Address(name, "192.168.5.9/24", "p", namespace)
    ]
    assert objects(result, "compute-1", Route)[0].gateway == "192.168.5.1"
    # No bridge, and no DHCP server: Docker assigns the address itself.
    assert result.hosts["compute-1"].bridges == ()
    assert result.hosts["compute-1"].dnsmasqs == ()


def test_macvlan_parent_may_name_the_interface_itself() -> None:
    hosts = (facts("compute-1", "compute", physical_networks={"physnet1": "eth1"}),)
    result = plan_of(
        hosts,
        networks=[net("mv", "docker_macvlan", parent="eth1")],
        ports=[port("p", "mv", "c")],
        instances=[instance("c", "compute-1")],
    )
    assert [m.parent for m in objects(result, "compute-1", Macvlan)] == ["eth1"]


def test_macvlan_without_a_parent_interface_is_noted() -> None:
    result = plan_of(
        networks=[net("mv", "docker_macvlan", parent="nowhere")],
        ports=[port("p", "mv", "c")],
        instances=[instance("c", "compute-1")],
    )
    assert objects(result, "compute-1", Macvlan) == []
    assert codes(result) == ["plan.no_physical_network"]

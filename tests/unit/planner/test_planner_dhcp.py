"""DHCP: a namespace on the networking node with a veth onto the bridge, the server's address,
and a dnsmasq with the pools, a fixed lease per instance port and the router and DNS options."""

from __future__ import annotations

from tasks.planner.allocation import mac_for
from tasks.planner.names import interface_name, namespace_name
from tasks.planner.state import Address, DhcpHost, Dnsmasq, Namespace, Veth, Vxlan
from tests.builders import net, port, subnet
from tests.unit.planner.test_planner_support import PREFIX, instance, objects, plan_of


def test_dhcp_server_serves_pools_fixed_leases_and_options() -> None:
    result = plan_of(
        networks=[net("app")],
        subnets=[
            subnet(
                "app-v4",
                "app",
                "10.1.0.0/24",
                gateway_ip="10.1.0.1",
                dns_nameservers=["9.9.9.9", "1.1.1.1"],
                allocation_pools=[{"start": "10.1.0.100", "end": "10.1.0.150"}],
            )
        ],
        ports=[
            {
                "id": "web-eth0",
                "network": "app",
                "device": "web",
                "mac_address": "02:00:00:00:00:01",
                "fixed_ips": [{"subnet": "app-v4", "ip_address": "10.1.0.20"}],
            },
            port("db-eth0", "app", "db", ("app-v4", None)),
        ],
        instances=[
            {"id": "web", "name": "Web Server #1", "host": "compute-1"},
            {"id": "db", "name": "", "host": "compute-2"},
        ],
    )
    host = "network-1"
    namespace = namespace_name(PREFIX, "dhcp", host, "app")
    inside = interface_name(PREFIX, "port", "dhcp", "app", host)
    assert objects(result, host, Namespace) == [Namespace(namespace, "dhcp", "app")]
    (veth,) = objects(result, host, Veth)
    assert (veth.peer, veth.peer_namespace, veth.master) == (
        inside,
        namespace,
        interface_name(PREFIX, "bridge", "app"),
    )
    # The server takes the first free pool address; the db port the next one.
    assert objects(result, host, Address) == [Address(inside, "10.1.0.100/24", "app-v4", namespace)]
    db_mac = mac_for("db-eth0", {"02:00:00:00:00:01"})
    assert objects(result, host, Dnsmasq) == [
        Dnsmasq(
            interface=inside,
            owner="app",
            namespace=namespace,
            ranges=(("10.1.0.100", "10.1.0.150", 24),),
            hosts=tuple(
                sorted(
                    [
                        DhcpHost("02:00:00:00:00:01", "10.1.0.20", "web-server-1"),
                        DhcpHost(db_mac, "10.1.0.101", "db"),
                    ],
                    key=lambda h: h.mac,
                )
            ),
            router="10.1.0.1",
            dns_servers=("9.9.9.9", "1.1.1.1"),
        )
    ]
    # The network reaches the DHCP server's host over VXLAN from both compute nodes.
    (vxlan,) = objects(result, host, Vxlan)
    assert vxlan.remotes == ("198.18.0.101", "198.18.0.102")


def test_without_pools_the_range_is_the_subnet_around_the_gateway() -> None:
    result = plan_of(
        networks=[net("n")],
        subnets=[subnet("s", "n", "10.0.0.0/24", gateway_ip="10.0.0.129")],
    )
    (dnsmasq,) = objects(result, "network-1", Dnsmasq)
    assert dnsmasq.ranges == (("10.0.0.1", "10.0.0.128", 24), ("10.0.0.130", "10.0.0.254", 24))
    assert dnsmasq.hosts == ()


def test_docker_networks_and_disabled_subnets_have_no_dhcp_server() -> None:
    result = plan_of(
        networks=[net("d", "docker_user_bridge"), net("off")],
        subnets=[
            subnet("ds", "d", "172.20.0.0/24", gateway_ip="172.20.0.1"),
            subnet("os", "off", "10.9.0.0/24", enable_dhcp=False),
        ],
        ports=[port("p", "d", "c", ("ds", None))],
        instances=[instance("c", "compute-1")],
    )
    assert all(ns.role != "dhcp" for s in result.hosts.values() for ns in s.namespaces)

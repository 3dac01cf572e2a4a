"""HA routers: an instance on each of the router's hosts, joined by the topology's HA network,
with the gateway addresses, floating IPs and routes left to keepalived as virtual ones."""

from __future__ import annotations

import ipaddress
from typing import Any

from tasks.planner.allocation import bridge_mac
from tasks.planner.ha import HA_NETWORK, ha_bridge
from tasks.planner.names import interface_name, namespace_name
from tasks.planner.state import Address, Bridge, Firewall, Keepalived, Namespace, Plan, Veth, Vxlan
from tests.builders import net, port, subnet
from tests.unit.planner.test_planner_support import PREFIX, codes, instance, objects, plan_of

NODES = ("network-1", "network-2")


def _ha(router: dict[str, Any] | None = None, *more: dict[str, Any]) -> Plan:
    """HA router r (on the first two networking nodes unless it says otherwise) between app
    and the external network, vm-1 behind it with a floating IP."""
    return plan_of(
        networks=[
            net("ext", "provider", physical_network="external", external=True),
            net("app"),
        ],
        subnets=[
            subnet("ext-v4", "ext", "203.0.113.0/24", gateway_ip="203.0.113.1", enable_dhcp=False),
            subnet("app-v4", "app", "10.1.0.0/24", gateway_ip="10.1.0.1", enable_dhcp=False),
        ],
        ports=[
            port("r-app", "app", "r", ("app-v4", None)),
            port("vm-1-eth0", "app", "vm-1", ("app-v4", "10.1.0.5")),
        ],
        instances=[instance("vm-1", "compute-1")],
        routers=[
            {
                "id": "r",
                "mode": "ha",
                "external_gateway": {
                    "network": "ext",
                    "fixed_ips": [{"subnet": "ext-v4", "ip_address": "203.0.113.10"}],
                },
                "routes": [{"destination": "192.168.0.0/16", "nexthop": "10.1.0.254"}],
                **(router or {}),
            },
            *more,
        ],
        floating_ips=[
            {
                "id": "fip",
                "network": "ext",
                "floating_ip_address": "203.0.113.50",
                "port": "vm-1-eth0",
            }
        ],
    )


def _keepalived(result: Plan, host: str) -> Keepalived:
    (found,) = [k for k in objects(result, host, Keepalived) if k.owner == "r"]
    return found


def test_an_instance_on_each_of_the_first_two_networking_nodes() -> None:
    result = _ha()
    assert codes(result) == []
    for host in NODES:
        namespace = namespace_name(PREFIX, "router", host, "r")
        assert Namespace(namespace, "router", "r", (("net.ipv4.ip_forward", "1"),)) in objects(
            result, host, Namespace
        )
        veths = {v.owner: v for v in objects(result, host, Veth) if v.peer_namespace == namespace}
        assert veths["r-app"].master == interface_name(PREFIX, "bridge", "app")
        # Both the gateway veth and the HA veth belong to the router.
        assert {v.master for v in objects(result, host, Veth) if v.owner == "r"} == {
            interface_name(PREFIX, "bridge", "ext"),
            ha_bridge(PREFIX),
        }
    assert not objects(result, "compute-1", Keepalived)
    # Each instance has MACs of its own, none the allocated one of the port.
    macs = [v.peer_mac for host in NODES for v in objects(result, host, Veth) if v.owner == "r-app"]
    assert len(set(macs)) == 2


def test_gateway_addresses_floating_ips_and_routes_are_virtual() -> None:
    result = _ha()
    for host in NODES:
        namespace = namespace_name(PREFIX, "router", host, "r")
        inside = interface_name(PREFIX, "port", "r-app", host)
        gateway = interface_name(PREFIX, "gateway", "r", host)
        static = {a.cidr for a in objects(result, host, Address) if a.namespace == namespace}
        # Only the HA network's address is the instance's own.
        assert len(static) == 1
        assert ipaddress.ip_interface(static.pop()).network == HA_NETWORK
        keepalived = _keepalived(result, host)
        assert keepalived.namespace == namespace
        assert keepalived.interface == interface_name(PREFIX, "ha_port", "r", host)
        assert keepalived.virtual_addresses == (
            ("10.1.0.1/24", inside),
            ("203.0.113.10/24", gateway),
            ("203.0.113.50/32", gateway),
        )
        assert keepalived.virtual_routes == (
            ("192.168.0.0/16", "10.1.0.254", None),
            ("default", "203.0.113.1", gateway),
        )
        # NAT waits in every instance for when it becomes master.
        (nat,) = [f for f in objects(result, host, Firewall) if f.namespace == namespace]
        assert nat.table == "nat"


def test_the_ha_network_is_a_vxlan_of_its_own_between_the_routers_hosts() -> None:
    result = _ha()
    network_vnis = {x.vni for host in result.hosts for x in objects(result, host, Vxlan)}
    for host, other in (NODES, NODES[::-1]):
        bridge = Bridge(ha_bridge(PREFIX), "r", mac=bridge_mac(host, ha_bridge(PREFIX)))
        assert bridge in objects(result, host, Bridge)
        (vxlan,) = [x for x in objects(result, host, Vxlan) if x.master == ha_bridge(PREFIX)]
        assert vxlan.remotes == (result_address(other),)
    ha_vnis = {
        x.vni
        for host in NODES
        for x in objects(result, host, Vxlan)
        if x.master == ha_bridge(PREFIX)
    }
    assert len(ha_vnis) == 1
    assert len(network_vnis) == 2  # the HA network's and app's, apart
    addresses = [_keepalived(result, host).interface for host in NODES]
    assert len(set(addresses)) == 2


def result_address(host: str) -> str:
    return {"network-1": "198.18.0.11", "network-2": "198.18.0.12"}[host]


def test_vrrp_settings_come_from_the_design() -> None:
    result = _ha(
        {
            "hosts": ["network-2", "network-1"],
            "vrrp": {
                "vrrp_id": 7,
                "advert_interval": 0.1,
                "nopreempt": True,
                "priorities": {"network-1": 200},
            },
        }
    )
    one, two = (_keepalived(result, host) for host in NODES)
    assert (one.virtual_router_id, two.virtual_router_id) == (7, 7)
    assert (one.priority, two.priority) == (200, 100)
    assert one.advert_centiseconds == 10
    assert one.nopreempt


def test_virtual_router_ids_are_allocated_apart_and_stay() -> None:
    alone = _keepalived(_ha(), "network-1")
    other = {"id": "s", "mode": "ha"}
    both = _ha(None, other)
    assert _keepalived(both, "network-1") == alone
    (s,) = [k for k in objects(both, "network-1", Keepalived) if k.owner == "s"]
    assert 1 <= s.virtual_router_id <= 255
    assert s.virtual_router_id != alone.virtual_router_id
    ha_addresses = {
        a.cidr
        for host in NODES
        for a in objects(both, host, Address)
        if ipaddress.ip_interface(a.cidr).network == HA_NETWORK
    }
    assert len(ha_addresses) == 4


def test_listed_hosts_place_the_instances() -> None:
    result = _ha({"hosts": ["network-2", "compute-1"]})
    # The validator refuses a compute node; the plan still takes the hosts it is given.
    assert {k.owner for k in objects(result, "compute-1", Keepalived)} == {"r"}
    assert not objects(result, "network-1", Keepalived)


def test_fewer_than_two_hosts_realise_nothing() -> None:
    result = _ha({"hosts": ["network-1", "elsewhere"]})
    assert sorted(codes(result)) == ["plan.ha_too_few_hosts", "plan.unknown_host"]
    assert all(not objects(result, host, Keepalived) for host in result.hosts)
    assert not [n for n in objects(result, "network-1", Namespace) if n.owner == "r"]


def test_an_invalid_vrrp_id_is_noted() -> None:
    result = _ha({"vrrp": {"vrrp_id": 300}})
    assert codes(result) == ["plan.bad_vrrp_id"]
    assert all(not objects(result, host, Keepalived) for host in result.hosts)

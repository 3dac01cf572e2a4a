"""Load balancers in the plan: a namespace on a networking node joined to the VIP subnet's
bridge, the VIP (the design's or allocated), the members' addresses, and the realisation the
host's kernel allows."""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

from tasks.planner.allocation import pool_addresses
from tasks.planner.hosts import HostFacts
from tasks.planner.loadbalancers import SYSCTLS, balancer_namespace
from tasks.planner.names import interface_name
from tasks.planner.state import Address, Bridge, LoadBalancer, Namespace, Plan, Route, Veth
from tasks.planner.steps import plan_steps
from tests.builders import net, port, subnet
from tests.unit.planner.test_planner_support import (
    FABRIC,
    PREFIX,
    codes,
    instance,
    objects,
    plan_of,
)


def balanced(*balancers: dict[str, Any], hosts: tuple[HostFacts, ...] = FABRIC) -> Plan:
    """web (10.0.0.0/24, gateway .1 on router r) with vm1 (.5) and vm2 (allocated); back
    (10.1.0.0/24) with vm3, behind r; vm4 pinned nowhere."""
    return plan_of(
        hosts,
        networks=[net("web"), net("back")],
        subnets=[
            subnet("web4", "web", "10.0.0.0/24", gateway_ip="10.0.0.1", enable_dhcp=False),
            subnet("back4", "back", "10.1.0.0/24", gateway_ip="10.1.0.1", enable_dhcp=False),
        ],
        instances=[
            instance("vm1", "compute-1"),
            instance("vm2", "compute-2"),
            instance("vm3", "compute-1"),
            instance("vm4", "elsewhere"),
        ],
        routers=[{"id": "r", "name": "r", "hosts": ["network-2"]}],
        ports=[
            port("p1", "web", "vm1", ("web4", "10.0.0.5")),
            port("p2", "web", "vm2", ("web4", None)),
            port("p3", "back", "vm3", ("back4", None)),
            port("r-web", "web", "r", ("web4", None)),
            port("r-back", "back", "r", ("back4", None)),
        ],
        load_balancers=list(balancers),
    )


def lb(id: str = "lb1", **fields: Any) -> dict[str, Any]:
    return {
        "id": id,
        "subnet": "web4",
        "port": 80,
        "members": [
            {"instance": "vm1", "port": 8080, "weight": 1},
            {"instance": "vm2", "port": 8080, "weight": 2},
            {"instance": "vm3", "port": 8081, "weight": 3},
        ],
        **fields,
    }


def test_a_load_balancer_has_its_namespace_port_vip_and_route() -> None:
    result = balanced(lb(health_check={"type": "http", "interval": 0.5, "http_path": "/ok"}))
    namespace = balancer_namespace(PREFIX, "network-1", "lb1")
    inside = interface_name(PREFIX, "port", "lb", "lb1", "network-1")
    assert [n for n in objects(result, "network-1", Namespace) if n.owner == "lb1"] == [
        Namespace(
            namespace,
            "balancer",
            "lb1",
            sysctls=(
                ("net.ipv4.conf.all.send_redirects", "0"),
                ("net.ipv4.conf.default.send_redirects", "0"),
                ("net.ipv4.ip_forward", "1"),
            ),
        )
    ]
    [veth] = [v for v in objects(result, "network-1", Veth) if v.owner == "lb1"]
    assert (veth.peer, veth.peer_namespace) == (inside, namespace)
    # The web bridge is on network-1 for the load balancer alone.
    assert veth.master in {b.name for b in objects(result, "network-1", Bridge)}
    # .1 is the gateway (the router's), .2 vm2's (allocated), .5 vm1's: the VIP is .3.
    [address] = [a for a in objects(result, "network-1", Address) if a.owner == "lb1"]
    assert address == Address(inside, "10.0.0.3/24", "lb1", namespace)
    assert [r for r in objects(result, "network-1", Route) if r.owner == "lb1"] == [
        Route("default", "lb1", namespace, gateway="10.0.0.1", device=inside)
    ]
    [balancer] = objects(result, "network-1", LoadBalancer)
    assert balancer.realisation == "nftables"
    assert balancer.vip == address.cidr.split("/")[0]
    assert [(m.id, m.port, m.weight) for m in balancer.members] == [
        ("vm1:8080", 8080, 1),
        ("vm2:8080", 8080, 2),
        ("vm3:8081", 8081, 3),
    ]
    assert balancer.members[0].address == "10.0.0.5"
    assert balancer.members[2].address.startswith("10.1.0.")
    assert (balancer.check.type, balancer.check.interval_ms, balancer.check.http_path) == (
        "http",
        500,
        "/ok",
    )
    assert balancer.table == f"{PREFIX}-lb"


def test_the_design_s_vip_is_kept_and_allocated_ones_avoid_it() -> None:
    result = balanced(lb("lb1", vip_address="10.0.0.9"), lb("lb2"), lb("lb3", hosts=["network-2"]))
    vips = {b.owner: b.vip for host in result.hosts.values() for b in host.load_balancers}
    assert vips["lb1"] == "10.0.0.9"
    assert len(set(vips.values())) == 3
    port_addresses = {
        a.cidr.split("/")[0]
        for host in result.hosts.values()
        for a in host.addresses
        if not a.owner.startswith("lb")
    }
    assert not set(vips.values()) & port_addresses


def test_a_vip_the_design_gives_is_never_allocated_to_a_port() -> None:
    # Without lb1, vm2's port would be allocated 10.0.0.2, the first free address.
    result = balanced(lb("lb1", vip_address="10.0.0.2"))
    vips = {b.owner: b.vip for host in result.hosts.values() for b in host.load_balancers}
    assert vips == {"lb1": "10.0.0.2"}
    assert [a.cidr for a in objects(result, "compute-2", Address) if a.owner == "p2"] == [
        "10.0.0.3/24"
    ]
    assert "plan.lb_vip_taken" not in codes(result)


def test_a_vip_another_load_balancer_has_is_not_realised() -> None:
    result = balanced(lb("lb1", vip_address="10.0.0.7"), lb("lb2", vip_address="10.0.0.7"))
    assert "plan.lb_vip_taken" in codes(result)
    vips = {b.owner: b.vip for host in result.hosts.values() for b in host.load_balancers}
    assert vips == {"lb1": "10.0.0.7"}


def test_a_pool_ending_at_the_last_ipv4_address_is_used_up_without_counting_past_it() -> None:
    # One address, 255.255.255.255, taken by the first load balancer; the second finds none.
    result = plan_of(
        FABRIC,
        networks=[net("top")],
        subnets=[subnet("edge", "top", "255.255.255.255/32", enable_dhcp=False)],
        load_balancers=[lb("lb1", subnet="edge", members=[]), lb("lb2", subnet="edge", members=[])],
    )
    vips = {b.owner: b.vip for host in result.hosts.values() for b in host.load_balancers}
    assert vips == {"lb1": "255.255.255.255"}
    assert "plan.pool_exhausted" in codes(result)


def pool_test_addresses(*pools: tuple[str, str]) -> list[str]:
    parsed = [(ipaddress.ip_address(start), ipaddress.ip_address(end)) for start, end in pools]
    return [str(address) for address in pool_addresses(parsed)]


def test_pool_addresses_stop_at_each_pool_s_end() -> None:
    assert pool_test_addresses(
        ("10.0.0.5", "10.0.0.6"), ("255.255.255.254", "255.255.255.255")
    ) == [
        "10.0.0.5",
        "10.0.0.6",
        "255.255.255.254",
        "255.255.255.255",
    ]
    assert pool_test_addresses(("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",) * 2) == [
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
    ]


def test_placement_is_the_listed_host_or_the_least_loaded_networking_node() -> None:
    result = balanced(lb("lb1"), lb("lb2"), lb("lb3", hosts=["network-1"]))
    where = {b.owner: host for host, s in result.hosts.items() for b in s.load_balancers}
    assert where == {"lb1": "network-1", "lb2": "network-2", "lb3": "network-1"}
    missing = balanced(lb("lb1", hosts=["gone"]))
    assert "plan.unknown_host" in codes(missing)
    assert not any(s.load_balancers for s in missing.hosts.values())


def test_a_host_with_ipvs_uses_it() -> None:
    hosts = tuple(dataclasses.replace(host, ipvs=host.name == "network-2") for host in FABRIC)
    result = balanced(lb("lb1", hosts=["network-1"]), lb("lb2", hosts=["network-2"]), hosts=hosts)
    [one] = result.hosts["network-1"].load_balancers
    [two] = result.hosts["network-2"].load_balancers
    assert (one.realisation, two.realisation) == ("nftables", "ipvs")
    # IPVS's own sysctl is set with the balancer, once the module is loaded.
    [namespace] = [n for n in objects(result, "network-2", Namespace) if n.owner == "lb2"]
    assert namespace.sysctls == SYSCTLS


def test_a_member_that_does_not_run_is_left_out_and_noted() -> None:
    result = balanced(
        lb(members=[{"instance": "vm4", "port": 80}, {"instance": "vm1", "port": 80}])
    )
    [balancer] = result.hosts["network-1"].load_balancers
    assert [m.id for m in balancer.members] == ["vm1:80"]
    assert "plan.lb_member_not_placed" in codes(result)


def test_the_plan_does_not_depend_on_element_order() -> None:
    one = balanced(lb("lb1"), lb("lb2", vip_address="10.0.0.77"))
    two = balanced(lb("lb2", vip_address="10.0.0.77"), lb("lb1"))
    assert one == two


def test_any_change_updates_the_load_balancer_in_place() -> None:
    before = balanced(lb()).hosts["network-1"]
    after = balanced(lb(port=8000)).hosts["network-1"]
    steps = plan_steps(before, after)
    assert [(s.action, type(s.obj).__name__) for s in steps] == [("update", "LoadBalancer")]
    # Its namespace going takes it down first: it is stopped, not left to the kernel.
    gone = dataclasses.replace(
        before,
        namespaces=tuple(n for n in before.namespaces if n.owner != "lb1"),
    )
    removed = plan_steps(before, gone)
    assert ("remove", "LoadBalancer") in [(s.action, type(s.obj).__name__) for s in removed]

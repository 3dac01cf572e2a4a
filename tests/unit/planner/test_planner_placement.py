"""Placement: pinned instances stay, the others spread over compute-capable hosts; legacy
routers and DHCP servers go to networking nodes; HA and distributed routers are noted."""

from __future__ import annotations

from tasks.planner.state import Namespace, Plan
from tests.builders import net, subnet
from tests.unit.planner.test_planner_support import (
    FABRIC,
    codes,
    facts,
    instance,
    objects,
    plan_of,
)


def test_unpinned_instances_spread_fewest_first_ties_by_name() -> None:
    result = plan_of(
        instances=[
            instance("a-pinned", "compute-2"),
            instance("b"),
            instance("c"),
            instance("d"),
        ]
    )
    # compute-2 holds a-pinned, so b goes to compute-1; then c to compute-1 (tie, by name) ...
    assert result.placement == {
        "a-pinned": "compute-2",
        "b": "compute-1",
        "c": "compute-1",
        "d": "compute-2",
    }


def test_scheduler_uses_compute_capable_hosts_only() -> None:
    hosts = (
        facts("alpha", "network"),
        facts("beta", "both", "198.18.0.2"),
        facts("gamma", "compute", "198.18.0.3"),
    )
    result = plan_of(hosts, instances=[instance("x"), instance("y"), instance("z")])
    assert result.placement == {"x": "beta", "y": "gamma", "z": "beta"}


def test_pinned_to_an_unknown_host_is_noted_not_planned() -> None:
    result = plan_of(instances=[instance("vm", "compute-9")])
    assert result.placement == {}
    assert codes(result) == ["plan.unknown_host"]
    assert result.notes[0].elements == ("vm",)


def test_without_compute_hosts_instances_are_noted() -> None:
    result = plan_of((facts("n", "network"),), instances=[instance("vm")])
    assert result.placement == {}
    assert codes(result) == ["plan.no_compute_host"]


def _router_namespaces(result: Plan, host: str) -> list[str]:
    return sorted(ns.owner for ns in objects(result, host, Namespace) if ns.role == "router")


def test_routers_go_to_their_listed_host_or_the_least_loaded_networking_node() -> None:
    result = plan_of(
        routers=[
            {"id": "r1", "hosts": ["network-2"]},
            {"id": "r2"},
            {"id": "r3"},
            {"id": "r4"},
        ]
    )
    # r1 is pinned to network-2; r2 takes network-1 (fewest), r3 network-1 (tie, by name)...
    assert _router_namespaces(result, "network-1") == ["r2", "r3"]
    assert _router_namespaces(result, "network-2") == ["r1", "r4"]
    assert not objects(result, "compute-1", Namespace)


def test_a_distributed_router_with_no_instance_behind_it_has_no_copy() -> None:
    # A copy runs where instances on its networks do (tests/unit/planner/test_planner_dvr.py).
    result = plan_of(routers=[{"id": "dvr", "mode": "distributed"}])
    assert codes(result) == []
    assert all(not state.namespaces for state in result.hosts.values())


def test_one_dhcp_server_per_network_spread_over_networking_nodes() -> None:
    result = plan_of(
        networks=[net("n1"), net("n2"), net("n3"), net("quiet")],
        subnets=[
            subnet("s1", "n1", "10.1.0.0/24"),
            subnet("s1b", "n1", "10.11.0.0/24"),
            subnet("s2", "n2", "10.2.0.0/24"),
            subnet("s3", "n3", "10.3.0.0/24"),
            subnet("s4", "quiet", "10.4.0.0/24", enable_dhcp=False),
        ],
    )
    dhcp = {
        host: sorted(ns.owner for ns in objects(result, host, Namespace) if ns.role == "dhcp")
        for host in result.hosts
    }
    assert dhcp == {
        "compute-1": [],
        "compute-2": [],
        "network-1": ["n1", "n3"],
        "network-2": ["n2"],
    }


def test_every_given_host_has_a_state_even_when_empty() -> None:
    result = plan_of(instances=[instance("vm", "compute-1")])
    assert sorted(result.hosts) == sorted(h.name for h in FABRIC)
    assert objects(result, "network-1", Namespace) == []
    assert [ns.owner for ns in objects(result, "compute-1", Namespace)] == ["vm"]

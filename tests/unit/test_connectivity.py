"""What a connectivity check expects before sending anything: where each instance runs, the
address a source uses for a target, the validator's prediction and the predicted path; and the
findings drawn from results that disagree with the design. Pure: no kernel, no database."""

from __future__ import annotations

from typing import Any

import pytest

from designer.validation.index import TopologyIndex
from tasks.connectivity import UNEXPECTED_BLOCK, UNEXPECTED_REACH, Design, Probe, findings
from tasks.planner.names import deployment_prefix, namespace_name
from tests.builders import document, net, port, subnet
from tests.unit.planner.test_planner_support import FABRIC, TOPOLOGY, instance


def design(**lists: Any) -> Design:
    return Design(document(**lists), TOPOLOGY, FABRIC)


def two_tiers() -> Design:
    """web1 and web2 on `web`, db1 on `db`, a router joining them; `lonely` on a network of
    its own; web2 also on `db` (its second port)."""
    return design(
        networks=[net("web"), net("db"), net("island")],
        subnets=[
            subnet("web-v4", "web", "10.0.1.0/24", gateway_ip="10.0.1.1", enable_dhcp=False),
            subnet("web-v6", "web", "fd00:1::/64", enable_dhcp=False),
            subnet("db-v4", "db", "10.0.2.0/24", gateway_ip="10.0.2.1", enable_dhcp=False),
            subnet("island-v4", "island", "10.0.9.0/24", enable_dhcp=False),
        ],
        routers=[{"id": "r1", "name": "r1"}],
        instances=[
            instance("web1", "compute-1"),
            instance("web2", "compute-2"),
            instance("db1", "compute-1"),
            instance("lonely", "compute-2"),
        ],
        ports=[
            # IPv6 listed first: the IPv4 address is still the one chosen.
            port("web1-p", "web", "web1", ("web-v6", "fd00:1::10"), ("web-v4", "10.0.1.10")),
            port("web2-p", "web", "web2", ("web-v4", "10.0.1.20")),
            port("web2-q", "db", "web2", ("db-v4", "10.0.2.20")),
            port("db1-p", "db", "db1", ("db-v4", "10.0.2.10")),
            port("lonely-p", "island", "lonely", ("island-v4", "10.0.9.10")),
            port("r1-web", "web", "r1", ("web-v4", "10.0.1.1")),
            port("r1-db", "db", "r1", ("db-v4", "10.0.2.1")),
        ],
    )


def bridges() -> Design:
    """Two Docker user-defined bridges, a container on each, and one on the host network."""
    return design(
        networks=[
            net("br1", kind="docker_user_bridge"),
            net("br2", kind="docker_user_bridge"),
            net("hostnet", kind="docker_host"),
        ],
        subnets=[
            subnet("s1", "br1", "172.31.1.0/24", gateway_ip="172.31.1.1"),
            subnet("s2", "br2", "172.31.2.0/24", gateway_ip="172.31.2.1"),
        ],
        instances=[
            instance("c1", "compute-1"),
            instance("c2", "compute-1"),
            instance("h", "compute-2"),
        ],
        ports=[
            port("p1", "br1", "c1", ("s1", "172.31.1.11")),
            port("p2", "br2", "c2", ("s2", "172.31.2.11")),
            port("ph", "hostnet", "h"),
        ],
    )


# --- where instances run ------------------------------------------------------------------


def test_each_instance_has_the_host_and_namespace_the_deploy_gave_it() -> None:
    found = two_tiers().endpoints["web2"]
    prefix = deployment_prefix(TOPOLOGY)
    assert found.host == "compute-2"
    assert found.namespace == namespace_name(prefix, "instance", "compute-2", "web2")
    assert found.addresses == (("web-v4", "10.0.1.20"), ("db-v4", "10.0.2.20"))
    assert found.listening == frozenset({7, 80})


def test_an_instance_on_the_host_network_has_no_namespace_and_is_refused() -> None:
    checked = bridges()
    assert checked.endpoints["h"].namespace is None
    problem = checked.problem("h")
    assert problem is not None
    assert "host network" in problem
    assert checked.checkable() == ["c1", "c2"]


def test_unknown_and_unplaced_instances_are_refused() -> None:
    unplaced = design(
        networks=[net("n")],
        subnets=[subnet("s", "n", "10.0.0.0/24", enable_dhcp=False)],
        instances=[instance("vm", "nowhere"), instance("ok", "compute-1")],
        ports=[port("p", "n", "vm", ("s", "10.0.0.5")), port("q", "n", "ok", ("s", "10.0.0.6"))],
    )
    assert unplaced.problem("vm") == (
        "was not placed on any host when the topology was deployed (see the plan)"
    )
    assert unplaced.problem("nosuch") == "names no instance of the deployed revision"
    assert unplaced.problem("ok") is None
    assert unplaced.problem("ok", as_target=True) is None


def test_a_target_without_an_address_is_refused_as_a_target_only() -> None:
    bare = design(
        networks=[net("n", kind="docker_none")],
        instances=[instance("a", "compute-1")],
        ports=[port("p", "n", "a")],
    )
    assert bare.problem("a") is None
    assert bare.problem("a", as_target=True) == (
        "has no address to send to: give its port a fixed IP on a subnet"
    )


# --- the address a source uses ------------------------------------------------------------


def test_the_address_is_on_a_subnet_the_source_shares() -> None:
    tiers = two_tiers()
    # web2 is on web and db: db1 uses its db address, web1 its web address.
    assert tiers.target_address("db1", "web2") == ("db-v4", "10.0.2.20")
    assert tiers.target_address("web1", "web2") == ("web-v4", "10.0.1.20")


def test_ipv4_comes_before_ipv6_whatever_the_port_lists_first() -> None:
    assert two_tiers().target_address("web2", "web1") == ("web-v4", "10.0.1.10")


def test_without_a_shared_subnet_the_address_is_one_the_routers_reach_else_the_first() -> None:
    tiers = two_tiers()
    # db1 shares no subnet with web1; the router joins db to web.
    assert tiers.target_address("db1", "web1") == ("web-v4", "10.0.1.10")
    # Nothing joins lonely to anything: the target's first address, IPv4 first.
    assert tiers.target_address("lonely", "web1") == ("web-v4", "10.0.1.10")
    assert tiers.target_address("web1", "lonely") == ("island-v4", "10.0.9.10")


# --- the prediction and the path ---------------------------------------------------------


def test_instances_on_one_subnet_reach_each_other_through_it() -> None:
    probe = two_tiers().probe("web1", "web2", "icmp", None)
    assert probe.expected is True
    assert probe.address == "10.0.1.20"
    assert probe.path == ("web1", "web-v4", "web2")
    assert probe.namespace == namespace_name(
        deployment_prefix(TOPOLOGY), "instance", "compute-1", "web1"
    )
    assert probe.host == "compute-1"


def test_a_router_between_is_on_the_path() -> None:
    probe = two_tiers().probe("db1", "web1", "icmp", None)
    assert probe.expected is True
    assert probe.path == ("db1", "db-v4", "r1", "web-v4", "web1")


def test_instances_nothing_joins_are_predicted_apart_with_no_path() -> None:
    probe = two_tiers().probe("web1", "lonely", "icmp", None)
    assert probe.expected is False
    assert probe.path == ()


def test_two_user_defined_bridges_are_predicted_apart() -> None:
    probe = bridges().probe("c1", "c2", "icmp", None)
    assert probe.expected is False
    assert probe.address == "172.31.2.11"
    assert probe.path == ()


@pytest.mark.parametrize(("port_number", "expected"), [(7, True), (80, True), (22, False)])
def test_tcp_is_expected_only_where_the_responder_listens(port_number: int, expected: bool) -> None:
    probe = two_tiers().probe("web1", "web2", "tcp", port_number)
    assert probe.protocol == "tcp"
    assert probe.port == port_number
    assert probe.expected is expected


def test_the_matrix_is_every_ordered_pair_of_instances_with_namespaces() -> None:
    pairs = [(p.source, p.target) for p in bridges().matrix("icmp", None)]
    assert pairs == [("c1", "c2"), ("c2", "c1")]
    tiers = two_tiers().matrix("tcp", 7)
    assert len(tiers) == 4 * 3
    assert {p.port for p in tiers} == {7}


def test_a_probe_travels_as_json_and_back() -> None:
    probe = two_tiers().probe("db1", "web1", "tcp", 80)
    assert Probe.from_dict(probe.as_dict()) == probe


# --- results and findings -----------------------------------------------------------------


def test_a_result_says_whether_the_traffic_agreed_with_the_design() -> None:
    probe = two_tiers().probe("web1", "web2", "icmp", None)
    agreed = probe.result(True, 0.05, "reply in 0.05 ms")
    assert agreed == {
        "source": "web1",
        "target": "web2",
        "address": "10.0.1.20",
        "protocol": "icmp",
        "port": None,
        "reachable": True,
        "expected": True,
        "agrees": True,
        "rtt_ms": 0.05,
        "detail": "reply in 0.05 ms",
        "path": ["web1", "web-v4", "web2"],
    }
    assert probe.result(False, None, "no reply within 1 s")["agrees"] is False


def test_nothing_sent_is_nothing_compared() -> None:
    probe = Probe("a", "b", "compute-1", "ns", None, "icmp", None, expected=False)
    result = probe.result(False, None, "the target has no address the source could use")
    assert result["address"] == ""
    assert result["agrees"] is None


def test_traffic_through_where_the_design_keeps_apart_is_an_error() -> None:
    checked = bridges()
    result = checked.probe("c1", "c2", "icmp", None).result(True, 0.1, "reply in 0.1 ms")
    (finding,) = findings(checked.index, [result])
    assert finding.code == UNEXPECTED_REACH
    assert finding.severity == "error"
    assert finding.elements == ("c1", "c2")
    assert "'c1' reached 'c2' at 172.31.2.11" in finding.message
    assert finding.data == {"address": "172.31.2.11", "protocol": "icmp", "port": None}


def test_traffic_blocked_where_the_design_says_it_reaches_is_a_warning() -> None:
    tiers = two_tiers()
    result = tiers.probe("web1", "db1", "tcp", 7).result(False, None, "connection refused")
    (finding,) = findings(tiers.index, [result])
    assert finding.code == UNEXPECTED_BLOCK
    assert finding.severity == "warning"
    assert finding.elements == ("web1", "db1")
    assert "TCP port 7 of 'db1' at 10.0.2.10 (connection refused)" in finding.message
    assert finding.data["path"] == ["web1", "web-v4", "r1", "db-v4", "db1"]


def test_agreeing_and_unsent_results_make_no_finding() -> None:
    tiers = two_tiers()
    results = [
        tiers.probe("web1", "web2", "icmp", None).result(True, 0.1, "reply"),
        tiers.probe("web1", "lonely", "icmp", None).result(False, None, "no reply within 1 s"),
        Probe("a", "b", "h", "ns", None, "icmp", None, expected=True).result(False, None, "-"),
    ]
    assert findings(TopologyIndex(tiers.document), results) == []

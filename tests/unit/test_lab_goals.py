"""Lab goals: the written form parsed to typed goals, and each kind checked against designs
where it holds and near ones where it does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from designer.labs.checking import check_design, single_points
from designer.labs.goals import (
    OUTSIDE,
    GoalSyntaxError,
    HaRouter,
    NoErrors,
    NoSinglePoint,
    Reach,
    Survives,
    VlanInRole,
    parse_goal,
    parse_goals,
)
from designer.spec import Document, parse_document
from designer.validation import HostInfo, ValidationContext, VlanPolicy
from designer.validation.index import TopologyIndex
from tests.builders import document, net, port, subnet

DEMO = Path(__file__).resolve().parents[2] / "designer" / "demo" / "ha-router.yaml"
HOSTS = {
    name: HostInfo(name, frozenset({role}), frozenset({"external"}), role == "network")
    for name, role in (
        ("network-1", "network"),
        ("network-2", "network"),
        ("compute-1", "compute"),
        ("compute-2", "compute"),
    )
}
POLICY = VlanPolicy(ranges={"storage": ((30, 39),), "management": ((10, 19),)})
CONTEXT = ValidationContext(hosts=HOSTS, policy=POLICY, author_is_admin=True)


def demo(**changes: Any) -> Document:
    raw = yaml.safe_load(DEMO.read_text())
    raw.pop("schema_version", None)
    for key, value in changes.items():
        raw[key] = value
    return parse_document(raw)


def results(doc: Document, text: str) -> list[tuple[str, str]]:
    return [(r.status, r.detail) for r in check_design(doc, parse_goals(text), CONTEXT)]


def status(doc: Document, line: str) -> str:
    [(found, _)] = results(doc, line)
    return found


# --- the written form -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "goal"),
    [
        ("web reaches db", Reach("web", "db")),
        ("web REACHES db on TCP 5432", Reach("web", "db", True, "tcp", 5432)),
        ("web reaches db by ping", Reach("web", "db")),
        ("web does not reach mgmt", Reach("web", "mgmt", False)),
        ("web must not reach mgmt on tcp 22", Reach("web", "mgmt", False, "tcp", 22)),
        ("app-1 reaches outside", Reach("app-1", OUTSIDE)),
        ('"web server" reaches db', Reach("web server", "db")),
        ("no errors", NoErrors()),
        ("No validation errors", NoErrors()),
        ("edge is ha on 2 networking nodes", HaRouter("edge", 2)),
        ("store uses a vlan in storage", VlanInRole("store", "storage")),
        ("store uses a VLAN in storage range", VlanInRole("store", "storage")),
        ("no single point of failure between web and db", NoSinglePoint("web", "db")),
        (
            "after crash master of edge, app-1 reaches outside within 2 s",
            Survives("crash master", "edge", "app-1", OUTSIDE, 2.0),
        ),
        (
            "after cut link of edge, app-1 reaches app-2 within 1.5 seconds",
            Survives("cut link", "edge", "app-1", "app-2", 1.5),
        ),
    ],
)
def test_each_form_parses_to_its_goal(line: str, goal: object) -> None:
    assert parse_goal(line) == goal


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("web reaches", "expected an element's id or name, found the end"),
        ("web reaches db on tcp 70000", "a TCP port is a whole number from 1 to 65535"),
        ("web reaches db on tcp http", "expected a TCP port, found 'http'"),
        ("web reaches db twice", "unexpected 'twice' at the end"),
        ("web likes db", "expected 'reaches', 'does not reach', 'is ha on', or 'uses a vlan in'"),
        ("edge is ha on 1 networking nodes", "an HA router runs on 2 to 16 networking nodes"),
        ("after reboot of edge, a reaches b within 2 s", "expected a drill"),
        ("after crash master of edge, a reaches b within 0 s", "more than 0 and at most 60"),
        ("after crash master of edge a reaches b within 2 s", "expected ','"),
        ('"web reaches db', "unbalanced quotes"),
        ("web reaches \x1b[31mdb", "control characters are not allowed"),
    ],
)
def test_bad_goals_say_what_is_wrong(line: str, message: str) -> None:
    with pytest.raises(GoalSyntaxError) as raised:
        parse_goal(line, 7)
    assert message in raised.value.message
    assert str(raised.value).startswith("line 7: ")


def test_text_skips_blank_lines_and_comments_and_numbers_lines() -> None:
    text = "# the app\n\nweb reaches db\n  # isolation\nweb does not reach mgmt\nweb likes db\n"
    with pytest.raises(GoalSyntaxError) as raised:
        parse_goals(text)
    assert raised.value.line == 6
    assert parse_goals(text.rsplit("web likes", 1)[0]) == [
        Reach("web", "db"),
        Reach("web", "mgmt", False),
    ]


def test_a_lab_has_a_bounded_number_of_goals() -> None:
    with pytest.raises(GoalSyntaxError, match="at most 50 goals"):
        parse_goals("no errors\n" * 51)
    with pytest.raises(GoalSyntaxError, match="at most 300 characters"):
        parse_goals("a reaches " + "b" * 300)


def test_goals_read_as_sentences() -> None:
    words = [goal.words() for goal in parse_goals(DEMO_GOALS)]
    assert words == [
        "The design has no validation errors.",
        "app-1 reaches app-2.",
        "app-1 reaches the outside on TCP port 80.",
        "Router edge is an HA router on 2 networking nodes or more.",
        "No single router or network failing cuts app-1 off from the outside.",
        "After a crash master drill on router edge, app-1 reaches the outside again within 2 s.",
    ]


# --- checking a design ----------------------------------------------------------------------

DEMO_GOALS = """
no errors
app-1 reaches app-2
app-1 reaches outside on tcp 80
edge is ha on 2 networking nodes
no single point of failure between app-1 and outside
after crash master of edge, app-1 reaches outside within 2 s
"""


def test_the_demo_ha_design_meets_its_goals_and_leaves_the_drill_to_a_deployment() -> None:
    found = check_design(demo(), parse_goals(DEMO_GOALS), CONTEXT)
    assert [r.status for r in found] == ["pass"] * 5 + ["pending"]
    assert found[-1].by == "drill"


def test_a_legacy_router_is_not_ha_and_is_a_single_point_of_failure() -> None:
    doc = demo()
    raw = doc.model_dump(mode="json", exclude_none=True)
    raw["routers"][0]["mode"] = "legacy"
    raw["routers"][0]["hosts"] = ["network-1"]
    legacy = parse_document(raw)
    assert results(legacy, "edge is ha on 2 networking nodes") == [
        ("fail", "Router edge is legacy, not HA.")
    ]
    [(state, detail)] = results(legacy, "no single point of failure between app-1 and outside")
    assert state == "fail"
    assert "edge" in detail
    assert single_points(TopologyIndex(legacy), "app-1", OUTSIDE) == ["edge"]


def test_an_ha_router_listing_one_networking_node_falls_short() -> None:
    raw = demo().model_dump(mode="json", exclude_none=True)
    raw["routers"][0]["hosts"] = ["network-1", "compute-1"]
    doc = parse_document(raw)
    assert results(doc, "edge is ha on 2 networking nodes") == [
        ("fail", "It has 1 networking node to run on.")
    ]


def test_without_the_gateway_the_outside_is_out_of_reach() -> None:
    raw = demo().model_dump(mode="json", exclude_none=True)
    del raw["routers"][0]["external_gateway"]
    raw["routers"][0]["snat"] = False
    raw["floating_ips"] = []
    raw["layout"] = {}
    doc = parse_document(raw)
    assert status(doc, "app-1 reaches outside") == "fail"
    assert status(doc, "app-1 does not reach outside") == "pass"
    assert status(doc, "app-1 reaches app-2") == "pass"


def test_isolation_and_reach_between_instances() -> None:
    doc = document(
        networks=[net("n1"), net("n2")],
        subnets=[subnet("s1", "n1", "10.0.1.0/24"), subnet("s2", "n2", "10.0.2.0/24")],
        instances=[{"id": "web", "name": "web server"}, {"id": "db"}],
        ports=[port("p1", "n1", "web", ("s1", "10.0.1.5")), port("p2", "n2", "db", ("s2", None))],
    )
    assert status(doc, "web does not reach db") == "pass"
    assert status(doc, '"web server" reaches db') == "fail"
    assert results(doc, "nobody reaches db") == [("fail", "The design has no instance nobody.")]


def test_an_element_is_named_by_id_or_unique_name() -> None:
    doc = document(
        networks=[net("n1")],
        subnets=[subnet("s1", "n1", "10.0.1.0/24")],
        instances=[{"id": "a", "name": "twin"}, {"id": "b", "name": "twin"}],
        ports=[port("pa", "n1", "a", ("s1", None)), port("pb", "n1", "b", ("s1", None))],
    )
    assert results(doc, "twin reaches a") == [
        ("fail", "More than one instance is named twin; use its id.")
    ]
    assert status(doc, "a reaches b") == "pass"


def test_no_errors_names_the_first_error() -> None:
    doc = document(networks=[net("n1")], subnets=[subnet("s1", "n1", "10.0.1.0/33")])
    [(state, detail)] = results(doc, "no errors")
    assert state == "fail"
    assert detail.startswith("Validation finds 1 error. The first: ")


def test_vlan_within_the_policy_range() -> None:
    def provider(vlan: int) -> Document:
        return document(
            networks=[
                net(
                    "store",
                    "provider",
                    physical_network="physnet1",
                    network_type="vlan",
                    segmentation_id=vlan,
                    role="storage",
                ),
                net("flat", "provider", physical_network="physnet1"),
            ]
        )

    assert results(provider(31), "store uses a vlan in storage") == [
        ("pass", "VLAN 31 is within 30-39.")
    ]
    assert results(provider(41), "store uses a vlan in storage") == [
        ("fail", "VLAN 41 is outside 30-39.")
    ]
    assert results(provider(31), "store uses a vlan in tenant") == [
        ("fail", "The project's policy has no tenant range.")
    ]
    assert results(provider(31), "flat uses a vlan in storage") == [
        ("fail", "Network flat uses no VLAN.")
    ]


def test_a_second_router_around_the_first_removes_the_single_point() -> None:
    lists: dict[str, Any] = {
        "networks": [net("n1"), net("n2")],
        "subnets": [subnet("s1", "n1", "10.0.1.0/24"), subnet("s2", "n2", "10.0.2.0/24")],
        "instances": [{"id": "vm1"}, {"id": "vm2"}],
        "routers": [{"id": "r1"}],
        "ports": [
            port("p1", "n1", "vm1", ("s1", "10.0.1.5")),
            port("p2", "n2", "vm2", ("s2", "10.0.2.5")),
            port("r1a", "n1", "r1", ("s1", "10.0.1.1")),
            port("r1b", "n2", "r1", ("s2", "10.0.2.1")),
        ],
    }
    one = document(**lists)
    assert status(one, "no single point of failure between vm1 and vm2") == "fail"
    lists["routers"].append({"id": "r2"})
    lists["ports"] += [
        port("r2a", "n1", "r2", ("s1", "10.0.1.2")),
        port("r2b", "n2", "r2", ("s2", "10.0.2.2")),
    ]
    assert status(document(**lists), "no single point of failure between vm1 and vm2") == "pass"

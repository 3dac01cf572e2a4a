"""A student's lab copy, deployed on the lab fabric, checked with real traffic: reachability
goals go out as real connectivity checks from the instances' namespaces, wait as `pending`,
and end as the packets say; a goal the design meets but the deployment does not (a port
nothing listens on) fails. A behaviour goal runs its drill on the copy's HA router with a
probe, passes on the outage it measured, and the copy is failed back to its design."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User

from designer.models import HaDrill, LabCopy
from designer.services.labs import check_copy, create_invite, create_lab, join_class, start_lab
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from tasks.fabric.spec import FabricSpec
from tests.builders import document, net, port, subnet
from tests.deploy.conftest import LANE, deploy, destroy_leaving_nothing, fabric_up
from tests.deploy.drill_client import recorded_master

# This module's fabric: letters only, one per lane, apart from every other test fabric.
LAB_CHECKS_PREFIX = f"nllc{'abcdefghijklmnopqrstuvwxyz'[LANE]}"


@pytest.fixture(scope="module")
def lab_fabric() -> Iterator[FabricSpec]:
    """Two networking nodes (an HA router's two instances) and two compute nodes."""
    with fabric_up(FabricSpec(prefix=LAB_CHECKS_PREFIX, network_nodes=2, compute_nodes=2)) as spec:
        yield spec


# The echo responder every deployed instance runs answers on TCP port 7; nothing on 22.
GOALS = """
web reaches db
web reaches db on tcp 7
web reaches db on tcp 22
web does not reach cache
"""


def design() -> dict[str, list[dict[str, object]]]:
    return {
        "networks": [net("lan"), net("side")],
        "subnets": [
            subnet("lan-v4", "lan", "10.62.0.0/24", gateway_ip="10.62.0.1"),
            subnet("side-v4", "side", "10.62.1.0/24", gateway_ip="10.62.1.1"),
        ],
        "instances": [
            {"id": "web", "name": "web", "host": "compute-1"},
            {"id": "db", "name": "db", "host": "compute-2"},
            {"id": "cache", "name": "cache", "host": "compute-1"},
        ],
        "ports": [
            port("p-web", "lan", "web", ("lan-v4", "10.62.0.11")),
            port("p-db", "lan", "db", ("lan-v4", "10.62.0.12")),
            port("p-cache", "side", "cache", ("side-v4", "10.62.1.13")),
        ],
    }


def settled(copy: LabCopy, timeout: float = 30) -> LabCopy:
    deadline = time.monotonic() + timeout
    copy.refresh_from_db()
    while copy.checking:
        assert time.monotonic() < deadline, copy.results
        time.sleep(0.1)
        copy.refresh_from_db()
    return copy


def started(doc: dict[str, list[dict[str, object]]], goals: str) -> tuple[User, User, LabCopy]:
    """A class with a lab of `doc` and `goals`, and a student's copy; (teacher, student, it)."""
    teacher = User.objects.create_user("teacher", is_staff=True)
    student = User.objects.create_user("sam")
    project = create_project("Class of the lab checks", teacher)
    start = create_topology(project, "Start", teacher, document=document(**doc))
    lab_ = create_lab(project, teacher, title="Reach", source=start, goals=goals)
    lab_.published = True
    lab_.save()
    join_class(student, create_invite(project, teacher).code)
    copy, _ = start_lab(lab_, student)
    return teacher, student, copy


def test_reachability_goals_are_checked_with_real_traffic(lab: FabricSpec) -> None:
    teacher, student, copy = started(design(), GOALS)

    # Not deployed: the design alone judges, and it cannot see ports.
    results = check_copy(copy, student)
    assert [(r.status, r.by) for r in results] == [("pass", "design")] * 4

    deploy(copy.topology, teacher)
    results = check_copy(copy, student)
    assert [r.status for r in results] == ["pending"] * 4
    copy = settled(copy)
    statuses = [(r["status"], r["by"]) for r in copy.results]
    assert statuses == [
        ("pass", "deployment"),
        ("pass", "deployment"),
        ("fail", "deployment"),
        ("pass", "deployment"),  # isolation, with real traffic too
    ], copy.results
    assert "answered" in copy.results[0]["detail"]
    assert "got no answer" in copy.results[2]["detail"]
    assert "got no answer" in copy.results[3]["detail"]
    assert (copy.passed, copy.total, copy.pending) == (3, 4, {})
    destroy_leaving_nothing(copy.topology, teacher, lab)


def two_tiers() -> dict[str, list[dict[str, object]]]:
    """web on one subnet, db on another, joined only by HA router r1 (adverts every 0.1 s)."""
    return {
        "networks": [net("web-net"), net("db-net")],
        "subnets": [
            subnet("web-v4", "web-net", "10.63.0.0/24", gateway_ip="10.63.0.1"),
            subnet("db-v4", "db-net", "10.63.1.0/24", gateway_ip="10.63.1.1"),
        ],
        "routers": [{"id": "r1", "name": "r1", "mode": "ha", "vrrp": {"advert_interval": 0.1}}],
        "instances": [
            {"id": "web", "name": "web", "host": "compute-1"},
            {"id": "db", "name": "db", "host": "compute-2"},
        ],
        "ports": [
            port("r1-web", "web-net", "r1", ("web-v4", "10.63.0.1")),
            port("r1-db", "db-net", "r1", ("db-v4", "10.63.1.1")),
            port("p-web", "web-net", "web", ("web-v4", "10.63.0.11")),
            port("p-db", "db-net", "db", ("db-v4", "10.63.1.11")),
        ],
    }


def test_a_behaviour_goal_runs_its_drill_and_passes_on_the_measured_outage(
    lab: FabricSpec,
) -> None:
    teacher, student, copy = started(
        two_tiers(),
        "after crash master of r1, web reaches db within 2 s\n"
        "after crash master of r1, web reaches db within 0.01 s\n",
    )
    deploy(copy.topology, teacher)
    initial = recorded_master(15, router="r1")
    results = check_copy(copy, student)
    # One drill at a time: the second behaviour goal waits for the first's drill and failback.
    assert [(r.status, r.by) for r in results] == [("pending", "drill"), ("pending", "drill")]
    assert results[1].detail == "Waiting for the drill before it."
    copy = settled(copy, timeout=90)
    first, second = copy.results
    assert first["status"] == "pass", first
    assert "longest gap in replies was" in first["detail"]
    # No failover is over in 10 ms.
    assert second["status"] == "fail", second
    crashes = HaDrill.objects.filter(kind="crash_master").order_by("id")
    assert [d.state for d in crashes] == ["done", "done"]
    assert all(d.outage_seconds is not None and 0 < d.outage_seconds < 2 for d in crashes)
    # After each drill a failback returned the copy to its design.
    failbacks = HaDrill.objects.filter(kind="failback").order_by("id")
    assert [d.state for d in failbacks] == ["done", "done"]
    assert recorded_master(15, router="r1") == initial
    assert (copy.passed, copy.total) == (1, 2)
    destroy_leaving_nothing(copy.topology, teacher, lab)

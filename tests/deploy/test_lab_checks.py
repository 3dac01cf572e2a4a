"""A student's lab copy, deployed on the lab fabric, checked with real traffic: reachability
goals go out as real connectivity checks from the instances' namespaces, wait as `pending`,
and end as the packets say, live on the lab's dashboard; a goal the design meets but the
deployment does not (a port nothing listens on) fails."""

from __future__ import annotations

import time

from django.contrib.auth.models import User

from designer.models import LabCopy
from designer.services.labs import check_copy, create_invite, create_lab, join_class, start_lab
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from tasks.fabric.spec import FabricSpec
from tests.builders import document, net, port, subnet
from tests.deploy.conftest import deploy, destroy_leaving_nothing

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


def test_reachability_goals_are_checked_with_real_traffic(lab: FabricSpec) -> None:
    teacher = User.objects.create_user("teacher", is_staff=True)
    student = User.objects.create_user("sam")
    project = create_project("Class of the lab checks", teacher)
    start = create_topology(project, "Start", teacher, document=document(**design()))
    lab_ = create_lab(project, teacher, title="Reach", source=start, goals=GOALS)
    lab_.published = True
    lab_.save()
    join_class(student, create_invite(project, teacher).code)
    copy, _ = start_lab(lab_, student)

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

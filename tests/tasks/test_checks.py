"""The connectivity check's tasks around the probes: the fan-in of the hosts' results (each
host counted once, the last one ending the check with its findings), and a check whose
deployment is no longer what is deployed failing with a reason instead of probing."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from designer.models import (
    CheckState,
    ConnectivityCheck,
    Deployment,
    DeploymentAction,
    DeploymentState,
)
from tasks.checks import host_finished, run_check
from tests.api.conftest import Factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def make(db: None) -> Factory:
    return Factory()


def _running_check(make: Factory, state: str = DeploymentState.DEPLOYED) -> ConnectivityCheck:
    project = make.project()
    topology = make.topology(project)
    deployment = Deployment.objects.create(
        topology=topology,
        revision=topology.head,
        action=DeploymentAction.DEPLOY,
        state=state,
        finished_at=timezone.now(),
    )
    return ConnectivityCheck.objects.create(
        topology=topology,
        deployment=deployment,
        kind="matrix",
        state=CheckState.RUNNING,
        hosts={
            "compute-1": {"done": 0, "total": 1, "state": "pending"},
            "compute-2": {"done": 0, "total": 1, "state": "pending"},
        },
    )


def _result(source: str, target: str, reachable: bool, expected: bool) -> dict[str, Any]:
    return {
        "source": source,
        "target": target,
        "address": "10.0.2.10" if target == "db1" else "10.0.1.10",
        "protocol": "icmp",
        "port": None,
        "reachable": reachable,
        "expected": expected,
        "agrees": reachable == expected,
        "rtt_ms": 0.1 if reachable else None,
        "detail": "reply" if reachable else "no reply within 1 s",
        "path": [],
    }


def test_the_last_host_ends_the_check_and_a_host_counts_once(make: Factory) -> None:
    check = _running_check(make)
    # db1 -> web1 comes first, though web1 comes first in the document.
    late = [_result("db1", "web1", True, True)]
    host_finished(check.pk, "compute-2", late, ok=True)
    host_finished(check.pk, "compute-2", late, ok=True)  # delivered again
    check.refresh_from_db()
    assert check.state == CheckState.RUNNING
    assert len(check.results) == 1
    assert check.hosts["compute-2"] == {"done": 1, "total": 1, "state": "done"}

    host_finished(check.pk, "compute-1", [_result("web1", "db1", False, True)], ok=True)
    check.refresh_from_db()
    assert check.state == CheckState.DONE
    assert check.finished_at is not None
    assert [(r["source"], r["target"]) for r in check.results] == [
        ("web1", "db1"),
        ("db1", "web1"),
    ]
    (finding,) = check.findings
    assert finding["code"] == "connectivity.unexpected_block"
    assert finding["elements"] == ["web1", "db1"]


def test_a_check_against_what_is_no_longer_deployed_fails_with_a_reason(make: Factory) -> None:
    check = _running_check(make, state=DeploymentState.DEPLOYED)
    ConnectivityCheck.objects.filter(pk=check.pk).update(state=CheckState.QUEUED, hosts={})
    Deployment.objects.filter(pk=check.deployment_id).update(state=DeploymentState.FAILED)
    run_check(check.pk)
    check.refresh_from_db()
    assert check.state == CheckState.FAILED
    assert "gone" in check.error
    assert check.results == []


def test_a_check_already_under_way_is_not_started_twice(make: Factory) -> None:
    check = _running_check(make)
    run_check(check.pk)
    check.refresh_from_db()
    assert check.state == CheckState.RUNNING
    assert check.hosts["compute-1"]["state"] == "pending"

"""Connectivity checks over the API: who may run and read them, a request checked against the
deployed revision field by field, 409 when nothing is deployed, and the list and detail in the
`connectivity` event's shape. The probes themselves run in tests/deploy/test_checks.py."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from designer.models import (
    ConnectivityCheck,
    Deployment,
    DeploymentAction,
    DeploymentState,
    Revision,
    Topology,
)
from designer.realtime.events import CheckOut, ConnectivityEvent
from tests.api.conftest import (
    API,
    CALLERS,
    Factory,
    World,
    assert_input_error,
    sample_document,
)

pytestmark = pytest.mark.django_db

CHECK_FIELDS = set(CheckOut.model_fields)
PING = {"kind": "ping", "source": "web1", "target": "db1"}


def _url(topology: Topology, rest: str = "") -> str:
    return f"{API}topologies/{topology.pk}/checks/{rest}"


def _deployed(topology: Topology, number: int | None = None) -> Deployment:
    """A finished deploy of `number` (the head by default), as the deploy tasks leave it."""
    revision = (
        Revision.objects.get(topology=topology, number=number)
        if number is not None
        else topology.head
    )
    return Deployment.objects.create(
        topology=topology,
        revision=revision,
        action=DeploymentAction.DEPLOY,
        state=DeploymentState.DEPLOYED,
        finished_at=timezone.now(),
    )


def _check(topology: Topology, **fields: Any) -> ConnectivityCheck:
    return ConnectivityCheck.objects.create(
        topology=topology, deployment=_deployed(topology), kind="matrix", **fields
    )


@pytest.fixture
def deployed(world: World) -> World:
    """The world with its first topology deployed at its head."""
    _deployed(world.topology)
    return world


# --- running a check ----------------------------------------------------------------------


def test_a_ping_is_recorded_and_answered_queued(deployed: World) -> None:
    response = deployed.clients["editor"].post(_url(deployed.topology), PING, format="json")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert set(body) == CHECK_FIELDS
    assert body["kind"] == "ping"
    assert body["state"] == "queued"
    assert (body["source"], body["target"], body["port"]) == ("web1", "db1", None)
    assert body["results"] == body["findings"] == []
    assert body["revision"] == 2
    assert body["requested_by"]["name"] == "editor"
    stored = ConnectivityCheck.objects.get(pk=body["id"])
    assert stored.topology == deployed.topology
    assert stored.deployment is not None
    assert body["deployment"] == stored.deployment.pk
    assert stored.requested_by == deployed.editor
    # The answer is the event's check, as the socket sends it.
    ConnectivityEvent(check=CheckOut.model_validate(body))


def test_owners_run_tcp_checks_and_matrices(deployed: World) -> None:
    owner = deployed.clients["owner"]
    tcp = owner.post(_url(deployed.topology), {**PING, "kind": "tcp", "port": 7}, format="json")
    assert tcp.status_code == 202, tcp.json()
    assert tcp.json()["port"] == 7
    matrix = owner.post(_url(deployed.topology), {"kind": "matrix", "port": 80}, format="json")
    assert matrix.status_code == 202, matrix.json()
    assert (matrix.json()["source"], matrix.json()["target"]) == (None, None)
    assert matrix.json()["port"] == 80


def test_the_check_runs_against_the_deployed_revision_not_the_head(
    world: World, make: Factory
) -> None:
    # Revision 1 is deployed; the head (2) adds a network, and nothing about instances.
    _deployed(world.topology, 1)
    response = world.clients["editor"].post(_url(world.topology), PING, format="json")
    assert response.status_code == 202, response.json()
    assert response.json()["revision"] == 1


# --- who may --------------------------------------------------------------------------------

# One status per caller, in CALLERS order: anonymous, project link, topology link (T1), revoked
# link, expired link, viewer, editor, owner, outsider, admin.
ROLE_MATRIX = [
    ("GET", "{T1}/checks/", None, (401, 200, 200, 401, 401, 200, 200, 200, 404, 200)),
    ("GET", "{T2}/checks/", None, (401, 200, 404, 401, 401, 200, 200, 200, 404, 200)),
    ("POST", "{T1}/checks/", PING, (401, 403, 403, 401, 401, 403, 202, 202, 404, 202)),
    ("GET", "{T1}/checks/{C1}/", None, (401, 200, 200, 401, 401, 200, 200, 200, 404, 200)),
    ("GET", "{T2}/checks/{C1}/", None, (401, 404, 404, 401, 401, 404, 404, 404, 404, 404)),
    ("DELETE", "{T1}/checks/{C1}/", None, (401, 403, 403, 401, 401, 405, 405, 405, 405, 405)),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), ROLE_MATRIX)
def test_every_caller_gets_what_its_role_allows(
    deployed: World, method: str, path: str, body: dict[str, Any] | None, expected: tuple[int]
) -> None:
    check = _check(deployed.topology)
    url = f"{API}topologies/" + path.format(
        T1=deployed.topology.pk, T2=deployed.second_topology.pk, C1=check.pk
    )
    for caller, status in zip(CALLERS, expected, strict=True):
        before = ConnectivityCheck.objects.count()
        response = deployed.clients[caller].generic(
            method,
            url,
            data="" if body is None else json.dumps(body),
            content_type="application/json",
        )
        assert response.status_code == status, (caller, response.content)
        if status != 202:
            assert ConnectivityCheck.objects.count() == before, caller


# --- what may not be checked ----------------------------------------------------------------


def test_nothing_deployed_is_a_conflict(world: World) -> None:
    response = world.clients["editor"].post(_url(world.topology), PING, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_deployed"
    assert not ConnectivityCheck.objects.exists()


def test_after_a_destroy_nothing_is_deployed(deployed: World) -> None:
    Deployment.objects.create(
        topology=deployed.topology,
        action=DeploymentAction.DESTROY,
        state=DeploymentState.DESTROYED,
        finished_at=timezone.now(),
    )
    response = deployed.clients["editor"].post(_url(deployed.topology), PING, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_deployed"


def test_a_deploy_that_failed_is_not_what_is_deployed(world: World) -> None:
    Deployment.objects.create(
        topology=world.topology,
        revision=world.topology.head,
        action=DeploymentAction.DEPLOY,
        state=DeploymentState.FAILED,
        finished_at=timezone.now(),
    )
    response = world.clients["editor"].post(_url(world.topology), PING, format="json")
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"kind": "ping", "source": "web1", "target": "nosuch"}, "target"),
        ({"kind": "ping", "source": "r1", "target": "db1"}, "source"),
        ({"kind": "ping", "target": "db1"}, "source"),
        ({"kind": "ping", "source": "web1"}, "target"),
        ({"kind": "ping", "source": "web1", "target": "web1"}, "target"),
        ({"kind": "ping", "source": "web1", "target": "db1", "port": 7}, "port"),
        ({"kind": "tcp", "source": "web1", "target": "db1"}, "port"),
        ({"kind": "tcp", "source": "web1", "target": "db1", "port": 0}, "port"),
        ({"kind": "tcp", "source": "web1", "target": "db1", "port": 65536}, "port"),
        ({"kind": "tcp", "source": "web1", "target": "db1", "port": "seven"}, "port"),
        ({"kind": "matrix", "source": "web1"}, "source"),
        ({"kind": "traceroute", "source": "web1", "target": "db1"}, "kind"),
        ({"source": "web1", "target": "db1"}, "kind"),
        ({"kind": "ping", "source": "not an id!", "target": "db1"}, "source"),
    ],
)
def test_a_bad_request_names_the_field_and_stores_nothing(
    deployed: World, body: dict[str, Any], path: str
) -> None:
    response = deployed.clients["editor"].post(_url(deployed.topology), body, format="json")
    assert_input_error(response, path)
    assert not ConnectivityCheck.objects.exists()


def test_an_unknown_instance_is_named_with_the_deployed_revision(deployed: World) -> None:
    body = {"kind": "ping", "source": "nosuch", "target": "db1"}
    response = deployed.clients["editor"].post(_url(deployed.topology), body, format="json")
    assert_input_error(response, "source")
    assert response.json()["errors"][0]["message"] == (
        "names no instance of the deployed revision (revision 2)"
    )


def _with_host_network_instance() -> dict[str, Any]:
    document = sample_document()
    document["networks"].append({"id": "hostnet", "name": "host", "kind": "docker_host"})
    document["instances"].append({"id": "agent", "name": "agent"})
    document["ports"].append({"id": "agent-p", "network": "hostnet", "device": "agent"})
    return document


def test_an_instance_on_the_host_network_is_refused_clearly(world: World, make: Factory) -> None:
    topology = make.topology(world.project, document=_with_host_network_instance())
    _deployed(topology)
    editor = world.clients["editor"]
    for body, path in (
        ({"kind": "ping", "source": "agent", "target": "db1"}, "source"),
        ({"kind": "tcp", "source": "web1", "target": "agent", "port": 80}, "target"),
    ):
        response = editor.post(_url(topology), body, format="json")
        assert_input_error(response, path)
        assert "Docker's host network" in response.json()["errors"][0]["message"]
    # A matrix leaves it out rather than refuse.
    matrix = editor.post(_url(topology), {"kind": "matrix"}, format="json")
    assert matrix.status_code == 202, matrix.json()


def test_a_matrix_needs_two_instances(world: World, make: Factory) -> None:
    document = sample_document()
    document["instances"] = document["instances"][:1]
    document["ports"] = [p for p in document["ports"] if p["device"] != "db1"]
    topology = make.topology(world.project, document=document)
    _deployed(topology)
    response = world.clients["editor"].post(_url(topology), {"kind": "matrix"}, format="json")
    assert_input_error(response, "kind")


def test_a_check_no_worker_finished_is_given_up_at_the_next_request(deployed: World) -> None:
    stuck = _check(deployed.topology, state="running")
    ConnectivityCheck.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    recent = _check(deployed.topology, state="running")
    response = deployed.clients["editor"].post(_url(deployed.topology), PING, format="json")
    assert response.status_code == 202
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert stuck.state == "failed"
    assert stuck.error == "No worker finished the probes in time."
    assert recent.state == "running"


# --- reading ---------------------------------------------------------------------------------


def test_the_list_is_newest_first_and_paginated(deployed: World) -> None:
    first = _check(deployed.topology)
    second = _check(deployed.topology, state="done", finished_at=timezone.now())
    _check(deployed.second_topology)
    response = deployed.clients["topology_link"].get(_url(deployed.topology))
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 2
    assert [c["id"] for c in page["results"]] == [second.pk, first.pk]
    assert all(set(c) == CHECK_FIELDS for c in page["results"])
    paged = deployed.clients["viewer"].get(_url(deployed.topology, "?limit=1&offset=1"))
    assert [c["id"] for c in paged.json()["results"]] == [first.pk]


def test_the_detail_shows_results_and_findings(deployed: World) -> None:
    result = {
        "source": "web1",
        "target": "db1",
        "address": "10.0.2.10",
        "protocol": "icmp",
        "port": None,
        "reachable": False,
        "expected": True,
        "agrees": False,
        "rtt_ms": None,
        "detail": "no reply within 1 s",
        "path": ["web1", "web-v4", "r1", "db-v4", "db1"],
    }
    finding = {
        "code": "connectivity.unexpected_block",
        "severity": "warning",
        "elements": ["web1", "db1"],
        "message": "Instance 'web1' could not reach 'db1'.",
        "data": {},
    }
    check = _check(
        deployed.topology,
        state="done",
        results=[result],
        findings=[finding],
        hosts={"compute-1": {"done": 1, "total": 1, "state": "done"}},
        finished_at=timezone.now(),
    )
    response = deployed.clients["viewer"].get(_url(deployed.topology, f"{check.pk}/"))
    assert response.status_code == 200
    body = response.json()
    assert body["results"] == [result]
    assert body["findings"] == [finding]
    assert body["hosts"] == {"compute-1": {"done": 1, "total": 1, "state": "done"}}
    assert body["finished_at"] is not None


def test_a_check_is_found_only_under_its_own_topology(deployed: World) -> None:
    check = _check(deployed.topology)
    viewer = deployed.clients["viewer"]
    for url in (
        _url(deployed.second_topology, f"{check.pk}/"),
        _url(deployed.topology, f"{check.pk + 1000}/"),
        _url(deployed.topology, f"{2**70}/"),
    ):
        response = viewer.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"

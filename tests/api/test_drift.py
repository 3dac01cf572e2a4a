"""Drift over the API: a deployment's detail carries what the last observation of its hosts
found, and editors can have the deployed attempt observed now; anything else is refused with
a stable code, and a refused request starts no observation."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from designer.models import Deployment, DeploymentAction, DeploymentState, Revision, Topology
from tests.api.conftest import API, World

pytestmark = pytest.mark.django_db

REPORT = {
    "checked_at": "2026-01-02T03:04:05+00:00",
    "elements": {"web1-p": "missing", "web": "changed"},
    "items": [
        {
            "host": "compute-1",
            "element": "web1-p",
            "object": "veth nl0001t1a2b3c4d5",
            "change": "missing",
            "detail": "not found on the host",
        },
        {
            "host": "compute-1",
            "element": "web",
            "object": "dnsmasq on nl0001p9z8y7x6w5 in nl0001-d-0123456789",
            "change": "missing",
            "detail": "not running",
        },
    ],
}


def _url(topology: Topology, rest: str = "") -> str:
    return f"{API}topologies/{topology.pk}/{rest}"


def _deployment(
    topology: Topology, state: str = DeploymentState.DEPLOYED, revision: int | None = 1, **more: Any
) -> Deployment:
    finished = state not in Deployment.active_states()
    return Deployment.objects.create(
        topology=topology,
        revision=Revision.objects.get(topology=topology, number=revision) if revision else None,
        action=DeploymentAction.DEPLOY if revision else DeploymentAction.DESTROY,
        state=state,
        finished_at=timezone.now() if finished else None,
        **more,
    )


def _observe(world: World, caller: str, deployment: Deployment) -> Any:
    return world.clients[caller].post(_url(world.topology, f"deployments/{deployment.pk}/observe/"))


def test_the_detail_shows_the_last_report_without_the_chain(world: World) -> None:
    chain = {"token": "0123abcd", "link": 7}
    deployment = _deployment(world.topology, drift={**REPORT, "chain": chain})
    body = world.clients["topology_link"].get(_url(world.topology, f"deployments/{deployment.pk}/"))
    assert body.status_code == 200
    assert body.json()["drift"] == REPORT


def test_a_deployment_never_observed_has_an_empty_report(world: World) -> None:
    deployment = _deployment(world.topology, DeploymentState.APPLYING)
    body = world.clients["viewer"].get(_url(world.topology, f"deployments/{deployment.pk}/"))
    assert body.json()["drift"] == {"checked_at": None, "elements": {}, "items": []}


@pytest.mark.parametrize("caller", ["editor", "owner"])
def test_editors_have_the_deployed_attempt_observed_now(
    world: World, caller: str, django_capture_on_commit_callbacks: Any
) -> None:
    deployment = _deployment(world.topology, drift={**REPORT, "chain": {"token": "old", "link": 3}})
    with django_capture_on_commit_callbacks() as enqueued:
        response = _observe(world, caller, deployment)
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["id"] == deployment.pk
    assert body["drift"] == REPORT  # the new report comes by event
    # A new chain takes over from now (the old one ends at its next link), its first link
    # enqueued once the request commits.
    deployment.refresh_from_db()
    assert deployment.drift["chain"]["token"] != "old"
    assert deployment.drift["chain"]["link"] == 0
    assert len(enqueued) == 1


@pytest.mark.parametrize("caller", ["viewer", "project_link", "topology_link"])
def test_readers_cannot_ask_for_an_observation(world: World, caller: str) -> None:
    deployment = _deployment(world.topology, drift={"chain": {"token": "old", "link": 3}})
    response = _observe(world, caller, deployment)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    deployment.refresh_from_db()
    assert deployment.drift == {"chain": {"token": "old", "link": 3}}


def test_others_do_not_learn_the_deployment_exists(world: World) -> None:
    deployment = _deployment(world.topology)
    assert _observe(world, "outsider", deployment).status_code == 404
    assert _observe(world, "anonymous", deployment).status_code == 401


def test_an_unknown_deployment_is_not_found(world: World) -> None:
    elsewhere = _deployment(world.second_topology)
    editor = world.clients["editor"]
    for number in (elsewhere.pk, 2**63, 0, elsewhere.pk + 1000):
        response = editor.post(_url(world.topology, f"deployments/{number}/observe/"))
        assert response.status_code == 404, number
        assert response.json()["code"] == "not_found"


def test_only_what_is_deployed_now_can_be_observed(world: World) -> None:
    older = _deployment(world.topology)
    newer = _deployment(world.topology, revision=2)
    failed = _deployment(world.topology, DeploymentState.FAILED, revision=2)
    for deployment in (older, failed):
        response = _observe(world, "editor", deployment)
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "deployment_not_deployed"
        assert body["deployment"] == deployment.pk
    assert _observe(world, "editor", newer).status_code == 202
    destroyed = _deployment(world.topology, DeploymentState.DESTROYED, revision=None)
    for deployment in (newer, destroyed):
        response = _observe(world, "editor", deployment)
        assert response.status_code == 409
        assert response.json()["code"] == "deployment_not_deployed"
        assert response.json()["state"] == deployment.state


def test_no_observation_while_another_attempt_is_under_way(world: World) -> None:
    deployed = _deployment(world.topology)
    under_way = _deployment(world.topology, DeploymentState.APPLYING, revision=2)
    response = _observe(world, "editor", deployed)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "deployment_in_progress"
    assert body["deployment"] == under_way.pk
    deployed.refresh_from_db()
    assert deployed.drift == {}

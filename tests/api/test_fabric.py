"""The lab fabric's endpoint without touching the kernel: who may call it, the layout's errors
by field, and the refusal to remove hosts a topology is deployed on. Every request here is
answered before any kernel step, so these run as any user; the kernel side, as root, is in
tests/deploy/test_fabric_api.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from designer.api.errors import ERROR_CODES
from designer.models import Deployment, DeploymentAction, DeploymentState, Host, Topology
from designer.services.fabric import register_fabric, topologies_on
from tasks.fabric.spec import FabricSpec
from tests.api.conftest import API, CALLERS, World, assert_input_error, stored_state

URL = API + "fabric/"
# No kernel object is made here; a prefix of its own all the same, never the default fabric's.
PREFIX = "nlfx"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fabric_prefix(settings: Any) -> None:
    settings.NETLOOM_FABRIC_PREFIX = PREFIX


def _call(world: World, caller: str, method: str, body: Any = None) -> Any:
    return world.clients[caller].generic(
        method,
        URL,
        data="" if body is None else json.dumps(body),
        content_type="application/json",
    )


REFUSED = {
    "anonymous": 401,
    "project_link": 403,
    "topology_link": 403,
    "revoked_link": 401,
    "expired_link": 401,
    "viewer": 403,
    "editor": 403,
    "owner": 403,
    "outsider": 403,
}


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("caller", [c for c in CALLERS if c != "admin"])
def test_only_an_admin_may_see_or_change_the_fabric(world: World, caller: str, method: str) -> None:
    before = stored_state()

    response = _call(world, caller, method, {"network_nodes": 1} if method == "POST" else None)

    body = response.json()
    assert response.status_code == REFUSED[caller], body
    assert ERROR_CODES[body["code"]][0] == response.status_code
    assert stored_state() == before


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"network_nodes": -1}, "network_nodes"),
        ({"compute_nodes": 51}, "compute_nodes"),
        ({"both_nodes": "two"}, "both_nodes"),
        ({"network_nodes": 1.5}, "network_nodes"),
        ({"compute_nodes": None}, "compute_nodes"),
        ({"network_nodes": True}, "network_nodes"),
        (["network_nodes", 2], "(body)"),
    ],
)
def test_a_bad_layout_is_named_by_its_field(world: World, body: Any, path: str) -> None:
    before = stored_state()

    response = _call(world, "admin", "POST", body)

    assert_input_error(response, path)
    assert stored_state() == before


def _fabric_registered(world: World) -> FabricSpec:
    """The fabric's hosts in the registry (no kernel objects: nothing here reaches them)."""
    world.host.delete()
    spec = FabricSpec(prefix=PREFIX, network_nodes=1, compute_nodes=2)
    register_fabric(spec)
    return spec


def _deployed(topology: Topology, hosts: list[str], state: str = DeploymentState.DEPLOYED) -> None:
    Deployment.objects.create(
        topology=topology,
        revision=topology.head,
        action=DeploymentAction.DEPLOY,
        state=state,
        hosts={name: {"done": 1, "total": 1, "state": "done"} for name in hosts},
        finished_at=timezone.now() if state == DeploymentState.DEPLOYED else None,
    )


def test_removing_the_fabric_under_a_deployment_is_refused_naming_it(world: World) -> None:
    _fabric_registered(world)
    _deployed(world.topology, ["compute-2", "network-1"])
    before = stored_state()

    response = _call(world, "admin", "DELETE")

    body = response.json()
    assert response.status_code == 409, body
    assert body["code"] == "fabric_in_use"
    assert body["topologies"] == [
        {"id": world.topology.pk, "name": "Campus", "project": world.project.name}
    ]
    assert body["hosts"] == ["compute-1", "compute-2", "network-1"]
    assert "Campus" in body["detail"]
    assert stored_state() == before
    assert Host.objects.filter(namespace__startswith=f"{PREFIX}-").count() == 3


def test_a_layout_that_drops_a_deployed_host_is_refused(world: World) -> None:
    _fabric_registered(world)
    _deployed(world.second_topology, ["compute-2"])
    before = stored_state()

    response = _call(world, "admin", "POST", {"network_nodes": 1, "compute_nodes": 1})

    body = response.json()
    assert response.status_code == 409, body
    assert body["code"] == "fabric_in_use"
    assert [t["name"] for t in body["topologies"]] == ["Branch"]
    assert body["hosts"] == ["compute-2"]
    assert stored_state() == before


def test_what_counts_as_deployed_on_the_fabric(world: World) -> None:
    _fabric_registered(world)
    fabric_hosts = ["compute-1", "compute-2", "network-1"]
    assert topologies_on(fabric_hosts) == []

    # A deploy that has not started yet goes to every registered host.
    waiting = Deployment.objects.create(
        topology=world.topology, revision=world.topology.head, action=DeploymentAction.DEPLOY
    )
    assert topologies_on(fabric_hosts) == [world.topology]
    waiting.delete()

    # Deployed elsewhere only, then destroyed: neither is on the fabric.
    _deployed(world.topology, ["compute-9"])
    assert topologies_on(fabric_hosts) == []
    _deployed(world.second_topology, ["compute-1"])
    assert topologies_on(fabric_hosts) == [world.second_topology]
    Deployment.objects.create(
        topology=world.second_topology,
        action=DeploymentAction.DESTROY,
        state=DeploymentState.DESTROYED,
        hosts={"compute-1": {"done": 1, "total": 1, "state": "done"}},
        finished_at=timezone.now(),
    )
    assert topologies_on(fabric_hosts) == []
    # A failed deploy rolled back what it made.
    _deployed(world.second_topology, ["compute-1"], state=DeploymentState.FAILED)
    assert topologies_on(fabric_hosts) == []

"""The VRRP timeline over the API: who may read it, the transitions oldest first in the `vrrp`
event's shape, each instance's state now, the history running across deploys and starting again
after a destroy. Transitions are recorded through the service the hosts' relays call."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.utils import timezone

from designer.models import DeploymentAction, DeploymentState, Topology
from designer.realtime.events import VrrpEvent
from designer.services.vrrp import record_vrrp_transition
from designer.services.vrrp_timeline import vrrp_timeline
from tests.api.conftest import API, CALLERS, World, deployment_attempt

pytestmark = pytest.mark.django_db

TRANSITION_FIELDS = set(VrrpEvent.model_fields) - {"type"}
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()


def _url(topology: Topology | int) -> str:
    number = topology if isinstance(topology, int) else topology.pk
    return f"{API}topologies/{number}/vrrp/"


def _report(topology: Topology, host: str, state: str, second: float, router: str = "r1") -> Any:
    """The instance of `router` on `host` reports `state`, `second`s after START."""
    return record_vrrp_transition(
        topology.pk,
        router,
        host,
        f"nl00ab-r-{router}-{host}",
        state,
        monotonic=1000 + second,
        wall=START + second,
    )


def _at(second: float) -> str:
    return datetime.fromtimestamp(START + second, tz=UTC).isoformat()


def _failover(topology: Topology) -> None:
    """Both instances start as backups, net1 wins the election, then loses its keepalived."""
    _report(topology, "net1", "backup", 0)
    _report(topology, "net2", "backup", 0.5)
    _report(topology, "net1", "master", 3)
    _report(topology, "net1", "stop", 60)
    _report(topology, "net2", "master", 63)


def test_a_topology_never_deployed_has_no_timeline(world: World) -> None:
    response = world.clients["viewer"].get(_url(world.topology))
    assert response.status_code == 200, response.json()
    assert response.json() == {"after": None, "transitions": [], "earlier": 0, "states": {}}


def test_transitions_come_oldest_first_with_each_instances_state_now(world: World) -> None:
    deployment = deployment_attempt(world.topology)
    _failover(world.topology)
    body = world.clients["viewer"].get(_url(world.topology)).json()
    transitions = body["transitions"]
    assert all(set(t) == TRANSITION_FIELDS for t in transitions)
    assert [(t["host"], t["old_state"], t["new_state"]) for t in transitions] == [
        ("net1", None, "backup"),
        ("net2", None, "backup"),
        ("net1", "backup", "master"),
        ("net1", "master", "stop"),
        ("net2", "backup", "master"),
    ]
    assert transitions[2]["at"] == _at(3)
    assert {t["deployment"] for t in transitions} == {deployment.pk}
    assert {t["router"] for t in transitions} == {"r1"}
    assert body["states"] == {"r1": {"net1": "stop", "net2": "master"}}
    assert body["after"] is None
    assert body["earlier"] == 0


def test_each_router_has_its_own_instances(world: World) -> None:
    deployment_attempt(world.topology)
    _report(world.topology, "net1", "master", 1, router="r1")
    _report(world.topology, "net2", "backup", 1, router="r1")
    _report(world.topology, "net1", "backup", 2, router="r2")
    _report(world.topology, "net2", "master", 2, router="r2")
    body = world.clients["viewer"].get(_url(world.topology)).json()
    assert body["states"] == {
        "r1": {"net1": "master", "net2": "backup"},
        "r2": {"net1": "backup", "net2": "master"},
    }


def test_the_history_runs_across_deploys_and_starts_again_after_a_destroy(
    world: World,
) -> None:
    topology = world.topology
    first = deployment_attempt(topology)
    _report(topology, "net1", "master", 1)
    _report(topology, "net2", "backup", 1)
    # A deploy of a new revision leaves keepalived running: its instances' history goes on.
    second = deployment_attempt(topology)
    _report(topology, "net1", "backup", 10)
    _report(topology, "net2", "master", 10)
    body = world.clients["viewer"].get(_url(topology)).json()
    assert [t["deployment"] for t in body["transitions"]] == [first.pk] * 2 + [second.pk] * 2
    assert body["states"] == {"r1": {"net1": "backup", "net2": "master"}}

    # While a destroy is under way, its instances stopping are part of the history.
    destroy = deployment_attempt(topology, DeploymentAction.DESTROY, DeploymentState.APPLYING)
    _report(topology, "net1", "stop", 20)
    _report(topology, "net2", "stop", 20)
    body = world.clients["viewer"].get(_url(topology)).json()
    assert len(body["transitions"]) == 6
    assert body["states"] == {"r1": {"net1": "stop", "net2": "stop"}}

    # Once it has finished, those instances are gone: a new deploy starts a new history.
    destroy.state = DeploymentState.DESTROYED
    destroy.finished_at = timezone.now()
    destroy.save()
    assert world.clients["viewer"].get(_url(topology)).json() == {
        "after": destroy.pk,
        "transitions": [],
        "earlier": 0,
        "states": {},
    }
    third = deployment_attempt(topology)
    _report(topology, "net2", "master", 40)
    body = world.clients["viewer"].get(_url(topology)).json()
    assert body["after"] == destroy.pk
    assert [(t["deployment"], t["new_state"]) for t in body["transitions"]] == [
        (third.pk, "master")
    ]
    assert body["states"] == {"r1": {"net2": "master"}}


def test_a_destroy_that_failed_does_not_end_the_history(world: World) -> None:
    deployment_attempt(world.topology)
    _report(world.topology, "net1", "master", 1)
    deployment_attempt(world.topology, DeploymentAction.DESTROY, DeploymentState.FAILED)
    body = world.clients["viewer"].get(_url(world.topology)).json()
    assert body["after"] is None
    assert body["states"] == {"r1": {"net1": "master"}}


def test_only_the_newest_transitions_are_listed_but_all_count(world: World) -> None:
    deployment_attempt(world.topology)
    _failover(world.topology)
    timeline = vrrp_timeline(world.topology, limit=2)
    assert [(t.host, t.new_state) for t in timeline.transitions] == [
        ("net1", "stop"),
        ("net2", "master"),
    ]
    assert timeline.earlier == 3
    assert timeline.states == {"r1": {"net1": "stop", "net2": "master"}}


def test_another_topologys_transitions_are_not_shown(world: World) -> None:
    deployment_attempt(world.topology)
    deployment_attempt(world.second_topology)
    _report(world.second_topology, "net1", "master", 1)
    body = world.clients["viewer"].get(_url(world.topology)).json()
    assert body["transitions"] == []
    assert body["states"] == {}


READERS = {"project_link", "topology_link", "viewer", "editor", "owner", "admin"}


@pytest.mark.parametrize("caller", CALLERS)
def test_members_and_share_links_read_it_and_no_one_else(world: World, caller: str) -> None:
    deployment_attempt(world.topology)
    _failover(world.topology)
    response = world.clients[caller].get(_url(world.topology))
    if caller in READERS:
        assert response.status_code == 200, response.json()
        assert response.json()["states"] == {"r1": {"net1": "stop", "net2": "master"}}
    elif caller == "outsider":
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    else:
        assert response.status_code == 401


def test_a_link_to_one_topology_does_not_read_anothers(world: World) -> None:
    response = world.clients["topology_link"].get(_url(world.second_topology))
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_it_is_read_only(world: World, method: str) -> None:
    deployment_attempt(world.topology)
    _report(world.topology, "net1", "master", 1)
    for caller, status in (("owner", 405), ("admin", 405), ("project_link", 403)):
        response = getattr(world.clients[caller], method)(_url(world.topology), {}, format="json")
        assert response.status_code == status, (caller, response.json())
    assert world.clients["viewer"].get(_url(world.topology)).json()["states"] == {
        "r1": {"net1": "master"}
    }


@pytest.mark.parametrize("topology_id", [0, 987654, int("9" * 30)])
def test_a_topology_that_does_not_exist_is_not_found(world: World, topology_id: int) -> None:
    response = world.clients["admin"].get(_url(topology_id))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"

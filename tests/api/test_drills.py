"""HA drills over the API: who may run and read them, a request checked against the deployed
revision (409 when nothing is deployed, for a router that is not HA, or when no instance is
master; 400 naming the field), and the history of drills and HA events. The drills themselves
run against real keepalived in tests/deploy/test_ha_drills.py."""

from __future__ import annotations

import copy
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from designer.models import (
    Deployment,
    DeploymentAction,
    DeploymentState,
    HaDrill,
    HaEvent,
    Host,
    Topology,
)
from designer.services.drills import analyse_router
from designer.services.topologies import save_revision
from designer.services.vrrp import record_vrrp_transition
from designer.spec import parse_document
from tests.api.conftest import API, CALLERS, World, assert_input_error, sample_document

pytestmark = pytest.mark.django_db

NETWORK_NODES = ("network-1", "network-2")


def _url(topology: Topology, router: str = "r1") -> str:
    return f"{API}topologies/{topology.pk}/routers/{router}/drills/"


def ha_document() -> dict[str, Any]:
    """The sample with its router r1 made HA on both networking nodes, and a legacy one."""
    document = copy.deepcopy(sample_document())
    document["routers"][0].update(mode="ha", vrrp={"advert_interval": 0.1})
    document["routers"].append({"id": "r2", "name": "legacy"})
    return document


def _deploy(topology: Topology) -> Deployment:
    """The topology's head as deployed, the way the deploy tasks leave it."""
    return Deployment.objects.create(
        topology=topology,
        revision=topology.head,
        action=DeploymentAction.DEPLOY,
        state=DeploymentState.DEPLOYED,
        finished_at=timezone.now(),
    )


def _head(topology: Topology) -> int:
    assert topology.head is not None
    return topology.head.number


def _report(topology: Topology, host: str, state: str, at: float) -> None:
    record_vrrp_transition(topology.pk, "r1", host, f"nlt{topology.pk}-r-{host}", state, at, at)


@pytest.fixture
def ha(world: World) -> World:
    """The world's topology with an HA router deployed on two networking nodes; network-1 is
    master."""
    Host.objects.filter(pk=world.host.pk).update(role="compute")
    for name in NETWORK_NODES:
        Host.objects.create(name=name, role="network", underlay_address=f"192.0.2.{name[-1]}")
    topology = world.topology
    save_revision(topology, _head(topology), parse_document(ha_document()), world.owner, "HA")
    topology.refresh_from_db()
    _deploy(topology)
    now = time.time()
    _report(topology, "network-1", "backup", now - 5)
    _report(topology, "network-2", "backup", now - 5)
    _report(topology, "network-1", "master", now - 4)
    return world


@pytest.mark.parametrize("caller", CALLERS)
def test_only_editors_and_owners_run_drills(ha: World, caller: str) -> None:
    response = ha.clients[caller].post(_url(ha.topology), {"kind": "crash_master"}, format="json")
    expected = {
        "anonymous": 401,
        "revoked_link": 401,
        "expired_link": 401,
        "project_link": 403,
        "topology_link": 403,
        "viewer": 403,
        "outsider": 404,
        "admin": 202,
        "editor": 202,
        "owner": 202,
    }[caller]
    assert response.status_code == expected, response.json()
    assert HaDrill.objects.exists() == (expected == 202)


@pytest.mark.parametrize("caller", ["viewer", "topology_link", "editor"])
def test_viewers_read_the_history(ha: World, caller: str) -> None:
    response = ha.clients[caller].get(_url(ha.topology))
    assert response.status_code == 200, response.json()
    assert response.json() == {"drills": [], "events": []}


def test_a_crash_acts_on_the_master(ha: World) -> None:
    response = ha.clients["editor"].post(_url(ha.topology), {"kind": "crash_master"}, format="json")
    body = response.json()
    assert response.status_code == 202, body
    assert body["kind"] == "crash_master"
    assert body["host"] == "network-1"
    assert body["state"] == "queued"
    assert body["at"] is None
    assert body["target_host"] is None
    drill = HaDrill.objects.get()
    assert drill.requested_by == ha.editor
    assert drill.deployment == Deployment.objects.get(topology=ha.topology)


def test_a_switchover_acts_on_its_target(ha: World) -> None:
    response = ha.clients["owner"].post(
        _url(ha.topology), {"kind": "switchover", "target_host": "network-2"}, format="json"
    )
    assert response.status_code == 202, response.json()
    assert response.json()["host"] == "network-2"
    assert response.json()["target_host"] == "network-2"


def test_a_failback_returns_to_the_initial_master(ha: World) -> None:
    _report(ha.topology, "network-2", "master", time.time() - 2)
    _report(ha.topology, "network-1", "backup", time.time() - 2)
    response = ha.clients["owner"].post(_url(ha.topology), {"kind": "failback"}, format="json")
    assert response.status_code == 202, response.json()
    assert response.json()["host"] == "network-1"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({}, "kind"),
        ({"kind": "reboot"}, "kind"),
        ({"kind": "switchover"}, "target_host"),
        ({"kind": "switchover", "target_host": None}, "target_host"),
        ({"kind": "switchover", "target_host": "compute-1"}, "target_host"),
        ({"kind": "switchover", "target_host": "network-1"}, "target_host"),
        ({"kind": "switchover", "target_host": "x" * 33}, "target_host"),
        ({"kind": ["crash_master"]}, "kind"),
    ],
)
def test_a_bad_request_names_the_field(ha: World, body: dict[str, Any], path: str) -> None:
    response = ha.clients["editor"].post(_url(ha.topology), body, format="json")
    assert_input_error(response, path)
    assert not HaDrill.objects.exists()


def test_a_switchover_on_a_router_without_preemption_is_refused(ha: World) -> None:
    document = ha_document()
    document["routers"][0]["vrrp"]["nopreempt"] = True
    topology = ha.topology
    save_revision(topology, _head(topology), parse_document(document), ha.owner, "nopreempt")
    topology.refresh_from_db()
    _deploy(topology)
    response = ha.clients["editor"].post(
        _url(topology), {"kind": "switchover", "target_host": "network-2"}, format="json"
    )
    assert_input_error(response, "kind")


def test_nothing_deployed_is_a_conflict(ha: World) -> None:
    response = ha.clients["editor"].post(
        _url(ha.second_topology), {"kind": "crash_master"}, format="json"
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "not_deployed"


def test_a_destroyed_topology_has_nothing_deployed(ha: World) -> None:
    Deployment.objects.create(
        topology=ha.topology,
        action=DeploymentAction.DESTROY,
        state=DeploymentState.DESTROYED,
        finished_at=timezone.now(),
    )
    response = ha.clients["editor"].post(_url(ha.topology), {"kind": "crash_master"}, format="json")
    assert response.json()["code"] == "not_deployed"


def test_a_legacy_router_has_no_drills(ha: World) -> None:
    response = ha.clients["editor"].post(
        _url(ha.topology, "r2"), {"kind": "crash_master"}, format="json"
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "not_ha"
    assert "r2" in response.json()["detail"]


@pytest.mark.parametrize("router", ["nope", "r1;reboot", "%20"])
def test_an_unknown_router_is_not_found(ha: World, router: str) -> None:
    response = ha.clients["editor"].post(
        _url(ha.topology, router), {"kind": "crash_master"}, format="json"
    )
    assert response.status_code == 404, response.json()
    assert response.json()["code"] == "not_found"


def test_no_master_to_crash_is_a_conflict(ha: World) -> None:
    _report(ha.topology, "network-1", "fault", time.time() - 1)
    response = ha.clients["editor"].post(_url(ha.topology), {"kind": "crash_master"}, format="json")
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "no_master"


def test_the_history_shows_the_drills_and_the_events(ha: World) -> None:
    response = ha.clients["editor"].post(_url(ha.topology), {"kind": "crash_master"}, format="json")
    drill = HaDrill.objects.get(pk=response.json()["id"])
    killed = time.time() - 3
    drill.at = timezone.now() - timedelta(seconds=3)
    drill.save()
    _report(ha.topology, "network-2", "master", killed + 0.3)
    events = HaEvent.objects.all()
    assert [event.kind for event in events] == ["failover"]
    history = ha.clients["viewer"].get(_url(ha.topology)).json()
    assert [d["id"] for d in history["drills"]] == [drill.pk]
    (event,) = history["events"]
    assert event["type"] == "failover"
    assert (event["from_host"], event["to_host"]) == ("network-1", "network-2")
    assert event["measured_from"] == "last_known"
    assert event["drill"] == drill.pk
    assert 0.2 < event["no_master_seconds"] < 0.4
    # Analysed again, nothing is added twice.
    with transaction.atomic():
        assert analyse_router(ha.topology.pk, "r1") == []
    assert HaEvent.objects.count() == 1

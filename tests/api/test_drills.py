"""HA drills over the API: who may run and read them, a request checked against the deployed
revision (409 when nothing is deployed, for a router that is not HA, or when no instance is
master; 400 naming the field), and the history of drills and HA events. The drills themselves
run against real keepalived in tests/deploy/test_ha_drills.py."""

from __future__ import annotations

import copy
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections, transaction
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
from designer.services import drills
from designer.services.drills import UNDER_WAY_AT_MOST, analyse_router
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


# --- one drill at a time ---------------------------------------------------------------------


def _drill(ha: World, kind: str) -> Any:
    return _drill_as(ha, "editor", kind)


def _drill_as(ha: World, caller: str, kind: str) -> Any:
    return ha.clients[caller].post(_url(ha.topology), {"kind": kind}, format="json")


def _under_way(response: Any, drill: int) -> None:
    body = response.json()
    assert response.status_code == 409, body
    assert (body["code"], body["drill"]) == ("drill_under_way", drill)
    assert f"Drill #{drill} " in body["detail"]


@pytest.mark.parametrize("kind", ["crash_master", "cut_link", "host_failure", "switchover"])
def test_a_drill_waits_for_the_one_under_way(ha: World, kind: str) -> None:
    first = _drill(ha, "cut_link").json()["id"]
    body = {"kind": kind, "target_host": "network-2"} if kind == "switchover" else {"kind": kind}
    response = ha.clients["owner"].post(_url(ha.topology), body, format="json")
    _under_way(response, first)
    assert "or fail back to end it" in response.json()["detail"]
    assert HaDrill.objects.count() == 1
    # Once its task and its probe are over, the router takes the next.
    HaDrill.objects.filter(pk=first).update(state="done", probe_state="done")
    assert ha.clients["owner"].post(_url(ha.topology), body, format="json").status_code == 202


def test_a_drill_waits_for_the_probe_of_the_one_before(ha: World) -> None:
    first = _drill(ha, "crash_master").json()["id"]
    HaDrill.objects.filter(pk=first).update(state="done", probe_state="running")
    _under_way(_drill(ha, "cut_link"), first)
    HaDrill.objects.filter(pk=first).update(probe_state="failed")
    assert _drill(ha, "cut_link").status_code == 202


def test_a_failback_ends_a_drill_under_way_but_waits_for_another_failback(ha: World) -> None:
    cut = _drill(ha, "cut_link").json()["id"]
    failback = _drill(ha, "failback")
    assert failback.status_code == 202, failback.json()
    response = _drill(ha, "failback")
    _under_way(response, failback.json()["id"])
    assert "fail back" not in response.json()["detail"]
    # The cut, still under way, is what the other drills wait for.
    _under_way(_drill(ha, "crash_master"), cut)


def test_a_drill_lost_long_ago_no_longer_holds_the_router(ha: World) -> None:
    lost = _drill(ha, "crash_master").json()["id"]
    long_ago = timezone.now() - UNDER_WAY_AT_MOST - timedelta(seconds=1)
    HaDrill.objects.filter(pk=lost).update(requested_at=long_ago)
    assert _drill(ha, "crash_master").status_code == 202


def test_a_drill_from_before_a_destroy_does_not_count(ha: World) -> None:
    first = _drill(ha, "crash_master").json()["id"]
    Deployment.objects.create(
        topology=ha.topology,
        action=DeploymentAction.DESTROY,
        state=DeploymentState.DESTROYED,
        finished_at=timezone.now(),
    )
    _deploy(ha.topology)
    _report(ha.topology, "network-1", "master", time.time())
    assert HaDrill.objects.get(pk=first).state == "queued"
    assert _drill(ha, "crash_master").status_code == 202


@pytest.mark.django_db(transaction=True)
def test_of_two_drills_asked_for_at_once_one_runs(
    ha: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The requests meet at the deployment's row lock: the second sees the first's drill. (The
    drills are committed here, so the one let through is kept from the hosts' workers: these
    hosts are not real.)"""
    enqueued: list[int] = []
    monkeypatch.setattr(drills, "_enqueue", lambda drill, hosts: enqueued.append(drill.pk))
    start = threading.Barrier(2)
    answers: dict[str, int] = {}

    def ask(caller: str) -> None:
        try:
            start.wait()
            answers[caller] = _drill_as(ha, caller, "crash_master").status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(caller,)) for caller in ("editor", "owner")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # The VRRP reports of the fixture, committed too, left analyses waiting.
    drills.cancel_later_analyses()
    assert sorted(answers.values()) == [202, 409], answers
    assert enqueued == [HaDrill.objects.get().pk]


def test_a_lab_drill_cannot_start_while_another_is_under_way(ha: World) -> None:
    first = _drill(ha, "crash_master").json()["id"]
    with pytest.raises(drills.DrillUnderWay) as refused:
        drills.request_drill(ha.topology, None, "r1", "cut_link", None)
    assert refused.value.drill.pk == first


# --- cutting links and failing hosts -------------------------------------------------------


def test_a_cut_acts_on_the_master_for_five_seconds_by_default(ha: World) -> None:
    response = ha.clients["editor"].post(_url(ha.topology), {"kind": "cut_link"}, format="json")
    body = response.json()
    assert response.status_code == 202, body
    assert (body["kind"], body["host"], body["hold_seconds"]) == ("cut_link", "network-1", 5)
    assert HaDrill.objects.get().hold_seconds == 5


@pytest.mark.parametrize("hold", [1, 120])
def test_a_cut_holds_as_long_as_asked(ha: World, hold: int) -> None:
    response = ha.clients["owner"].post(
        _url(ha.topology), {"kind": "cut_link", "hold_seconds": hold}, format="json"
    )
    assert response.status_code == 202, response.json()
    assert response.json()["hold_seconds"] == hold


def test_a_host_failure_fails_the_masters_host_by_default(ha: World) -> None:
    response = ha.clients["editor"].post(_url(ha.topology), {"kind": "host_failure"}, format="json")
    body = response.json()
    assert response.status_code == 202, body
    assert (body["host"], body["target_host"], body["hold_seconds"]) == ("network-1", None, None)


def test_a_host_failure_fails_the_host_named(ha: World) -> None:
    response = ha.clients["editor"].post(
        _url(ha.topology), {"kind": "host_failure", "target_host": "network-2"}, format="json"
    )
    body = response.json()
    assert response.status_code == 202, body
    assert (body["host"], body["target_host"]) == ("network-2", "network-2")
    assert HaDrill.objects.get().hosts == {"network-2": "queued"}


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"kind": "cut_link", "hold_seconds": 0}, "hold_seconds"),
        ({"kind": "cut_link", "hold_seconds": 121}, "hold_seconds"),
        ({"kind": "cut_link", "hold_seconds": -5}, "hold_seconds"),
        ({"kind": "cut_link", "hold_seconds": 1.5}, "hold_seconds"),
        ({"kind": "cut_link", "hold_seconds": "soon"}, "hold_seconds"),
        ({"kind": "cut_link", "hold_seconds": True}, "hold_seconds"),
        ({"kind": "cut_link", "hold_seconds": [5]}, "hold_seconds"),
        ({"kind": "crash_master", "hold_seconds": 5}, "hold_seconds"),
        ({"kind": "host_failure", "target_host": "network-9"}, "target_host"),
        ({"kind": "host_failure", "target_host": "x" * 33}, "target_host"),
        ({"kind": "host_failure", "target_host": "network-1; reboot"}, "target_host"),
    ],
)
def test_a_bad_cut_or_host_failure_names_the_field(
    ha: World, body: dict[str, Any], path: str
) -> None:
    response = ha.clients["editor"].post(_url(ha.topology), body, format="json")
    assert_input_error(response, path)
    assert not HaDrill.objects.exists()


def test_a_host_without_a_copy_of_the_router_cannot_be_failed(ha: World) -> None:
    # A registered host, but the router has no namespace there.
    response = ha.clients["editor"].post(
        _url(ha.topology), {"kind": "host_failure", "target_host": ha.host.name}, format="json"
    )
    assert_input_error(response, "target_host")


@pytest.mark.parametrize("kind", ["cut_link", "host_failure"])
def test_without_a_master_a_cut_or_host_failure_is_a_conflict(ha: World, kind: str) -> None:
    _report(ha.topology, "network-1", "fault", time.time() - 1)
    response = ha.clients["editor"].post(_url(ha.topology), {"kind": kind}, format="json")
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "no_master"


@pytest.mark.parametrize("kind", ["cut_link", "host_failure"])
@pytest.mark.parametrize("caller", ["viewer", "project_link", "outsider"])
def test_viewers_cannot_cut_or_fail(ha: World, caller: str, kind: str) -> None:
    response = ha.clients[caller].post(_url(ha.topology), {"kind": kind}, format="json")
    assert response.status_code == (404 if caller == "outsider" else 403), response.json()
    assert not HaDrill.objects.exists()


def test_a_split_brain_is_kept_once_and_ends(ha: World) -> None:
    now = time.time()
    _report(ha.topology, "network-2", "master", now - 3)
    (split,) = HaEvent.objects.all()
    assert (split.kind, split.ended_at) == ("split_brain", None)
    _report(ha.topology, "network-2", "backup", now - 1)
    split.refresh_from_db()
    assert split.ended_at is not None
    assert abs(split.ended_at.timestamp() - (now - 1)) < 0.001
    assert HaEvent.objects.count() == 1
    (event,) = ha.clients["viewer"].get(_url(ha.topology)).json()["events"]
    assert event["type"] == "split_brain"
    assert event["hosts"] == ["network-1", "network-2"]
    assert event["ended_at"] == split.ended_at.isoformat()
    assert event["drill"] is None


def _distributed(ha: World) -> None:
    """r1 deployed as a distributed router: a copy on the compute host of its instances."""
    document = ha_document()
    document["routers"][0].update(mode="distributed")
    del document["routers"][0]["vrrp"]
    topology = ha.topology
    save_revision(topology, _head(topology), parse_document(document), ha.owner, "DVR")
    topology.refresh_from_db()
    _deploy(topology)


def test_a_distributed_routers_copy_can_fail_and_come_back(ha: World) -> None:
    _distributed(ha)
    response = ha.clients["editor"].post(
        _url(ha.topology), {"kind": "host_failure", "target_host": ha.host.name}, format="json"
    )
    assert response.status_code == 202, response.json()
    assert response.json()["hosts"] == {ha.host.name: "queued"}
    response = ha.clients["editor"].post(_url(ha.topology), {"kind": "failback"}, format="json")
    assert response.status_code == 202, response.json()
    assert ha.host.name in response.json()["hosts"]


def test_a_distributed_router_has_no_master_to_fail_by_default(ha: World) -> None:
    _distributed(ha)
    response = ha.clients["editor"].post(_url(ha.topology), {"kind": "host_failure"}, format="json")
    assert_input_error(response, "target_host")
    response = ha.clients["editor"].post(
        _url(ha.topology), {"kind": "host_failure", "target_host": "network-9"}, format="json"
    )
    assert_input_error(response, "target_host")


@pytest.mark.parametrize("kind", ["crash_master", "switchover", "cut_link"])
def test_a_distributed_router_has_no_vrrp_to_drill(ha: World, kind: str) -> None:
    _distributed(ha)
    response = ha.clients["editor"].post(_url(ha.topology), {"kind": kind}, format="json")
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "not_ha"


# --- the probe -----------------------------------------------------------------------------


def _with_more_instances(ha: World) -> None:
    """The HA document deployed with web2 beside web1 and app1 on a Docker network no router
    joins."""
    document = ha_document()
    document["instances"] += [
        {"id": "web2", "name": "web2", "image": "nginx:1.27"},
        {"id": "app1", "name": "app1", "image": "alpine:3"},
    ]
    document["ports"] += [
        {
            "id": "web2-p",
            "network": "web",
            "device": "web2",
            "fixed_ips": [{"subnet": "web-v4", "ip_address": "10.0.1.11"}],
        },
        {"id": "app1-p", "network": "apps", "device": "app1", "fixed_ips": [{"subnet": "apps-v4"}]},
    ]
    topology = ha.topology
    save_revision(topology, _head(topology), parse_document(document), ha.owner, "more")
    topology.refresh_from_db()
    _deploy(topology)


def test_a_drill_probes_across_the_router(ha: World) -> None:
    response = ha.clients["editor"].post(_url(ha.topology), {"kind": "crash_master"}, format="json")
    body = response.json()
    assert response.status_code == 202, body
    # An instance behind the router pings one on another of its subnets.
    assert body["probe"] == {
        "source": "web1",
        "target": "db1",
        "address": "10.0.2.10",
        "state": "queued",
        "sent": None,
        "received": None,
        "longest_gap_seconds": None,
        "gap_started_at": None,
        "error": "",
    }
    assert body["outage_seconds"] is None
    drill = HaDrill.objects.get()
    assert drill.probe_host == ha.host.name


def test_the_probe_instances_can_be_named(ha: World) -> None:
    response = ha.clients["owner"].post(
        _url(ha.topology),
        {"kind": "crash_master", "probe_source": "db1", "probe_target": "web1"},
        format="json",
    )
    assert response.status_code == 202, response.json()
    probe = response.json()["probe"]
    assert (probe["source"], probe["target"], probe["address"]) == ("db1", "web1", "10.0.1.10")


def test_a_named_source_gets_a_target_chosen(ha: World) -> None:
    _with_more_instances(ha)
    response = ha.clients["owner"].post(
        _url(ha.topology), {"kind": "crash_master", "probe_source": "web2"}, format="json"
    )
    assert response.status_code == 202, response.json()
    probe = response.json()["probe"]
    assert (probe["source"], probe["target"]) == ("web2", "db1")


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"probe_source": "nope"}, "probe_source"),
        ({"probe_source": "web1;reboot"}, "probe_source"),
        ({"probe_source": "x" * 49}, "probe_source"),
        ({"probe_source": ["web1"]}, "probe_source"),
        ({"probe_source": "app1"}, "probe_source"),
        ({"probe_target": "nope"}, "probe_target"),
        ({"probe_target": 7}, "probe_target"),
        ({"probe_source": "web1", "probe_target": "web1"}, "probe_target"),
        # On the source's own subnet: the ping would not cross the router.
        ({"probe_source": "web1", "probe_target": "web2"}, "probe_target"),
        # Behind no router: nothing to ping through it.
        ({"probe_target": "app1"}, "probe_target"),
    ],
)
def test_a_bad_probe_names_the_field(ha: World, fields: dict[str, Any], path: str) -> None:
    _with_more_instances(ha)
    response = ha.clients["editor"].post(
        _url(ha.topology), {"kind": "crash_master", **fields}, format="json"
    )
    assert_input_error(response, path)
    assert not HaDrill.objects.exists()


def test_without_an_instance_across_the_router_there_is_no_probe(ha: World) -> None:
    document = ha_document()
    document["instances"] = [i for i in document["instances"] if i["id"] != "db1"]
    document["ports"] = [p for p in document["ports"] if p["id"] != "db1-p"]
    topology = ha.topology
    save_revision(topology, _head(topology), parse_document(document), ha.owner, "alone")
    topology.refresh_from_db()
    _deploy(topology)
    response = ha.clients["editor"].post(_url(topology), {"kind": "crash_master"}, format="json")
    assert response.status_code == 202, response.json()
    assert response.json()["probe"] is None
    assert response.json()["outage_seconds"] is None


def test_with_no_instance_across_the_probe_aims_at_the_routers_gateway(ha: World) -> None:
    """The gateway address is a virtual one the master holds: it moves with the role."""
    document = ha_document()
    document["instances"] = [i for i in document["instances"] if i["id"] != "db1"]
    document["ports"] = [p for p in document["ports"] if p["id"] != "db1-p"]
    document["networks"].append(
        {"id": "ext", "name": "ext", "kind": "provider", "physical_network": "external"}
        | {"external": True}
    )
    document["subnets"].append(
        {"id": "ext-v4", "network": "ext", "cidr": "203.0.113.0/24", "enable_dhcp": False}
    )
    document["routers"][0]["external_gateway"] = {
        "network": "ext",
        "fixed_ips": [{"subnet": "ext-v4", "ip_address": "203.0.113.10"}],
    }
    topology = ha.topology
    save_revision(topology, _head(topology), parse_document(document), ha.admin, "gateway")
    topology.refresh_from_db()
    _deploy(topology)
    response = ha.clients["editor"].post(_url(topology), {"kind": "crash_master"}, format="json")
    assert response.status_code == 202, response.json()
    probe = response.json()["probe"]
    assert (probe["source"], probe["target"], probe["address"]) == (
        "web1",
        "r1 gateway",
        "203.0.113.10",
    )


def test_the_history_shows_the_outage_measured(ha: World) -> None:
    response = ha.clients["editor"].post(_url(ha.topology), {"kind": "crash_master"}, format="json")
    HaDrill.objects.filter(pk=response.json()["id"]).update(
        probe_state="done",
        probe_sent=250,
        probe_received=231,
        outage_seconds=0.38,
        outage_started_at=timezone.now(),
    )
    (drill,) = ha.clients["viewer"].get(_url(ha.topology)).json()["drills"]
    assert drill["outage_seconds"] == 0.38
    assert (drill["probe"]["sent"], drill["probe"]["received"]) == (250, 231)
    assert drill["probe"]["longest_gap_seconds"] == 0.38
    assert drill["probe"]["gap_started_at"] is not None

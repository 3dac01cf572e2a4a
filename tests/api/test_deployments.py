"""Deploys over the API: asking for a deploy or a destroy (blocked by validation errors, refused
while another attempt is under way), following and cancelling attempts, and the plan preview
of what a deploy would change on each registered host."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils import timezone

from designer.models import Deployment, DeploymentAction, DeploymentState, Host, Revision, Topology
from tests.api.conftest import (
    API,
    Factory,
    World,
    assert_input_error,
    sample_document,
)

pytestmark = pytest.mark.django_db

SUMMARY_FIELDS = {
    "id",
    "action",
    "state",
    "revision",
    "progress",
    "hosts",
    "error",
    "requested_by",
    "started_at",
    "finished_at",
}


def _url(topology: Topology, rest: str = "") -> str:
    return f"{API}topologies/{topology.pk}/{rest}"


def _revision(topology: Topology, number: int) -> Revision:
    return Revision.objects.get(topology=topology, number=number)


def _deployment(
    topology: Topology,
    state: str = DeploymentState.APPLYING,
    revision: int | None = 1,
    **fields: Any,
) -> Deployment:
    """A deployment row made directly, as the deploy tasks leave it."""
    finished = state not in Deployment.active_states()
    return Deployment.objects.create(
        topology=topology,
        revision=_revision(topology, revision) if revision is not None else None,
        action=DeploymentAction.DEPLOY if revision is not None else DeploymentAction.DESTROY,
        state=state,
        finished_at=timezone.now() if finished else None,
        **fields,
    )


# --- asking for a deploy ------------------------------------------------------------------


def test_a_deploy_is_recorded_and_answered_with_the_attempt(world: World) -> None:
    response = world.clients["editor"].post(
        _url(world.topology, "deployments/"), {"action": "deploy", "revision": 1}, format="json"
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert set(body) == SUMMARY_FIELDS | {"elements", "log", "drift"}
    assert body["action"] == "deploy"
    assert body["state"] == "queued"
    assert body["revision"] == 1
    assert body["requested_by"]["name"] == "editor"
    stored = Deployment.objects.get(pk=body["id"])
    assert stored.topology == world.topology
    assert stored.revision == _revision(world.topology, 1)
    assert stored.requested_by == world.editor


def test_a_deploy_takes_the_head_by_default_and_a_destroy_no_revision(world: World) -> None:
    editor = world.clients["editor"]
    deploy = editor.post(_url(world.topology, "deployments/"), {"action": "deploy"}, format="json")
    assert deploy.json()["revision"] == 2
    destroy = editor.post(
        _url(world.second_topology, "deployments/"), {"action": "destroy"}, format="json"
    )
    assert destroy.status_code == 202
    assert destroy.json()["action"] == "destroy"
    assert destroy.json()["revision"] is None


def test_a_revision_with_validation_errors_is_blocked_with_its_findings(
    world: World, make: Factory
) -> None:
    document = sample_document()
    document["ports"][0]["fixed_ips"][0]["ip_address"] = "10.0.2.10"
    document["ports"][1]["fixed_ips"][0]["ip_address"] = "10.0.1.10"
    topology = make.topology(world.project, document=document)
    response = world.clients["editor"].post(
        _url(topology, "deployments/"), {"action": "deploy"}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "deployment_blocked"
    assert [item["path"] for item in body["errors"]] == ["findings[0]", "findings[1]"]
    assert {item["code"] for item in body["errors"]} == {"fixed_ip.outside_subnet"}
    assert {tuple(item["elements"]) for item in body["errors"]} == {
        ("web1-p", "web1", "web-v4"),
        ("db1-p", "db1", "db-v4"),
    }
    assert all(item["message"] for item in body["errors"])
    assert not Deployment.objects.filter(topology=topology).exists()


def test_warnings_do_not_block_a_deploy_of_an_older_revision(world: World) -> None:
    # The sample's findings are only infos; revision 1 of the world's topology is deployable.
    response = world.clients["editor"].post(
        _url(world.topology, "deployments/"), {"action": "deploy", "revision": 1}, format="json"
    )
    assert response.status_code == 202


def test_a_deploy_or_destroy_while_another_is_under_way_names_it(world: World) -> None:
    active = _deployment(world.topology, DeploymentState.APPLYING)
    for body in ({"action": "deploy"}, {"action": "destroy"}):
        response = world.clients["editor"].post(
            _url(world.topology, "deployments/"), body, format="json"
        )
        assert response.status_code == 409
        error = response.json()
        assert error["code"] == "deployment_in_progress"
        assert error["deployment"] == active.pk
        assert error["state"] == "applying"
        assert str(active.pk) in error["detail"]
    assert Deployment.objects.filter(topology=world.topology).count() == 1


def test_a_finished_attempt_does_not_stand_in_the_way(world: World) -> None:
    _deployment(world.topology, DeploymentState.FAILED)
    response = world.clients["editor"].post(
        _url(world.topology, "deployments/"), {"action": "deploy"}, format="json"
    )
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("states", "deletable"),
    [
        ((), True),
        ((DeploymentState.DEPLOYED,), False),
        ((DeploymentState.APPLYING,), False),
        ((DeploymentState.FAILED,), False),  # it may have left objects behind
        ((DeploymentState.DEPLOYED, DeploymentState.DESTROYED), True),
        ((DeploymentState.DEPLOYED, DeploymentState.FAILED), False),  # a destroy that failed
    ],
)
def test_a_topology_is_deleted_only_once_nothing_of_it_is_deployed(
    world: World, states: tuple[str, ...], deletable: bool
) -> None:
    for number, state in enumerate(states):
        last = number == len(states) - 1 and number > 0
        _deployment(world.topology, state, revision=None if last else 1)
    response = world.clients["owner"].delete(_url(world.topology))
    if deletable:
        assert response.status_code == 204
        assert not Topology.objects.filter(pk=world.topology.pk).exists()
    else:
        assert response.status_code == 409, response.json()
        assert response.json()["code"] == "topology_deployed"
        assert Topology.objects.filter(pk=world.topology.pk).exists()


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"action": "launch"}, "action"),
        ({}, "action"),
        ({"action": "deploy", "revision": 9}, "revision"),
        ({"action": "deploy", "revision": 0}, "revision"),
        ({"action": "deploy", "revision": "head"}, "revision"),
        ({"action": "deploy", "revision": 2**40}, "revision"),
        ({"action": "destroy", "revision": 1}, "revision"),
    ],
)
def test_a_bad_request_names_the_field_and_stores_nothing(
    world: World, body: dict[str, Any], path: str
) -> None:
    response = world.clients["editor"].post(
        _url(world.topology, "deployments/"), body, format="json"
    )
    assert_input_error(response, path)
    assert not Deployment.objects.exists()


def test_readers_cannot_deploy_and_nothing_is_stored(world: World) -> None:
    for caller in ("viewer", "project_link", "topology_link"):
        response = world.clients[caller].post(
            _url(world.topology, "deployments/"), {"action": "deploy"}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert not Deployment.objects.exists()


# --- following and cancelling ---------------------------------------------------------------


def test_the_list_is_newest_first_without_elements_or_log(world: World, make: Factory) -> None:
    first = _deployment(world.topology, DeploymentState.DEPLOYED, revision=1)
    second = _deployment(world.topology, DeploymentState.DESTROYED, revision=None)
    third = _deployment(world.topology, DeploymentState.QUEUED, revision=2)
    _deployment(world.second_topology, DeploymentState.DEPLOYED)
    response = world.clients["topology_link"].get(_url(world.topology, "deployments/"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [item["id"] for item in body["results"]] == [third.pk, second.pk, first.pk]
    assert all(set(item) == SUMMARY_FIELDS for item in body["results"])
    assert [item["revision"] for item in body["results"]] == [2, None, 1]
    paged = world.clients["viewer"].get(_url(world.topology, "deployments/?limit=1&offset=1"))
    assert [item["id"] for item in paged.json()["results"]] == [second.pk]


def test_the_detail_has_the_event_shape_with_elements_and_log(world: World) -> None:
    line = {"at": "2025-01-02T03:04:05+00:00", "host": "compute-1", "level": "error"}
    deployment = _deployment(
        world.topology,
        DeploymentState.ROLLING_BACK,
        progress=40,
        hosts={"compute-1": {"done": 2, "total": 5, "state": "failed"}},
        elements={"web": "up", "web1": "failed"},
        log=[{**line, "message": "step failed"}],
        error="Failed on compute-1.",
        requested_by=world.editor,
        started_at=timezone.now(),
    )
    response = world.clients["viewer"].get(_url(world.topology, f"deployments/{deployment.pk}/"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == SUMMARY_FIELDS | {"elements", "log", "drift"}
    assert body["state"] == "rolling_back"
    assert body["progress"] == 40
    assert body["hosts"] == {"compute-1": {"done": 2, "total": 5, "state": "failed"}}
    assert body["elements"] == {"web": "up", "web1": "failed"}
    assert body["log"] == [{**line, "message": "step failed"}]
    assert body["error"] == "Failed on compute-1."
    assert body["requested_by"] == {"id": world.editor.pk, "name": "editor"}
    assert body["started_at"] is not None
    assert body["finished_at"] is None


def test_a_deployment_is_found_only_under_its_own_topology(world: World) -> None:
    deployment = _deployment(world.second_topology, DeploymentState.DEPLOYED)
    viewer = world.clients["viewer"]
    for path in (f"deployments/{deployment.pk}/", f"deployments/{2**63}/", "deployments/0/"):
        response = viewer.get(_url(world.topology, path))
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


def test_cancelling_an_attempt_under_way_asks_it_to_stop(world: World) -> None:
    deployment = _deployment(world.topology, DeploymentState.APPLYING)
    response = world.clients["editor"].post(
        _url(world.topology, f"deployments/{deployment.pk}/cancel/")
    )
    assert response.status_code == 200
    assert response.json()["id"] == deployment.pk
    assert response.json()["state"] == "applying"  # it stops at its next step
    deployment.refresh_from_db()
    assert deployment.cancel_requested


def test_cancelling_a_finished_attempt_is_a_conflict(world: World) -> None:
    deployment = _deployment(world.topology, DeploymentState.DEPLOYED)
    response = world.clients["owner"].post(
        _url(world.topology, f"deployments/{deployment.pk}/cancel/")
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "deployment_finished"
    assert body["deployment"] == deployment.pk
    assert body["state"] == "deployed"
    deployment.refresh_from_db()
    assert not deployment.cancel_requested


def test_a_viewer_cannot_cancel(world: World) -> None:
    deployment = _deployment(world.topology, DeploymentState.QUEUED)
    response = world.clients["viewer"].post(
        _url(world.topology, f"deployments/{deployment.pk}/cancel/")
    )
    assert response.status_code == 403
    deployment.refresh_from_db()
    assert not deployment.cancel_requested


# --- the plan preview -----------------------------------------------------------------------


@pytest.fixture
def two_hosts(world: World) -> list[Host]:
    """A networking node and a compute node standing for a lab fabric's emulated hosts; the
    world's own host is dropped so only these two are planned for."""
    world.host.delete()
    return [
        Host.objects.create(
            name="net-1", role="network", underlay_address="192.0.2.1", namespace="nlfab-net-1"
        ),
        Host.objects.create(
            name="compute-1", role="compute", underlay_address="192.0.2.2", namespace="nlfab-c-1"
        ),
    ]


def _preview(world: World, topology: Topology, query: str = "") -> dict[str, Any]:
    response = world.clients["viewer"].get(_url(topology, f"plan/{query}"))
    assert response.status_code == 200, response.json()
    return response.json()


def _changed_elements(preview: dict[str, Any]) -> set[str]:
    return {
        element for host in preview["hosts"].values() for element in host["summary"]["elements"]
    }


def test_a_fresh_deploy_creates_everything_on_both_hosts(
    world: World, two_hosts: list[Host]
) -> None:
    namespaces = {host.name: host.namespace for host in two_hosts}
    preview = _preview(world, world.topology)
    assert preview["revision"] == 2
    assert preview["deployed_revision"] is None
    assert set(preview["hosts"]) == {"net-1", "compute-1"}
    for name, host in preview["hosts"].items():
        totals = host["summary"]["totals"]
        assert totals["create"] > 0, name
        assert totals["update"] == totals["remove"] == 0, name
        assert {e["change"] for e in host["summary"]["elements"].values()} == {"create"}
        assert sum(kind["create"] for kind in host["summary"]["kinds"].values()) == totals["create"]
        assert host["commands"], name
        # Objects of the host's own namespace go into the namespace emulating it.
        assert any(f"ip -n {namespaces[name]} " in line for line in host["commands"]), name
    compute = preview["hosts"]["compute-1"]
    assert {"web1", "db1"} <= set(compute["summary"]["elements"])
    assert any(line.startswith("ip netns add ") for line in compute["commands"])
    router = preview["hosts"]["net-1"]["summary"]["elements"]
    assert "r1" in router
    assert "web1" not in router  # instances run on the compute node
    assert all(set(note) == {"code", "message", "elements", "host"} for note in preview["notes"])


def _connect_an_instance(world: World, make: Factory) -> Topology:
    """A topology whose revision 2 connects a new instance, web2, to the web network."""
    topology = make.topology(world.project)
    document = sample_document()
    document["instances"].append({"id": "web2", "name": "web2", "image": "nginx:1.27"})
    address = {"subnet": "web-v4", "ip_address": "10.0.1.11"}
    port = {"id": "web2-p", "network": "web", "device": "web2", "fixed_ips": [address]}
    document["ports"].append(port)
    saved = world.clients["editor"].put(
        _url(topology, "document/"), {"base_revision": 1, "document": document}, format="json"
    )
    assert saved.status_code == 200, saved.json()
    return topology


def _changes(preview: dict[str, Any], host: str) -> dict[str, str]:
    elements = preview["hosts"][host]["summary"]["elements"]
    return {element: change["change"] for element, change in elements.items()}


def test_after_a_deploy_only_the_difference_is_planned(
    world: World, make: Factory, two_hosts: list[Host]
) -> None:
    topology = _connect_an_instance(world, make)
    _deployment(topology, DeploymentState.DEPLOYED, revision=1)
    preview = _preview(world, topology)
    assert preview["revision"] == 2
    assert preview["deployed_revision"] == 1
    assert _changes(preview, "compute-1") == {"web2": "create", "web2-p": "create"}
    # The web network's DHCP server learns the new port's address: restarted, not rebuilt.
    assert _changes(preview, "net-1") == {"web": "update"}
    assert preview["hosts"]["net-1"]["summary"]["kinds"] == {
        "dnsmasq": {"create": 0, "update": 1, "remove": 0}
    }
    compute = preview["hosts"]["compute-1"]["commands"]
    assert sum(line.startswith("ip netns add ") for line in compute) == 1
    same = _preview(world, topology, "?revision=1")
    assert same["deployed_revision"] == 1
    for host in same["hosts"].values():
        assert host["summary"]["totals"] == {"create": 0, "update": 0, "remove": 0}
        assert host["commands"] == []


def test_going_back_to_an_older_revision_removes_what_it_lacks(
    world: World, make: Factory, two_hosts: list[Host]
) -> None:
    topology = _connect_an_instance(world, make)
    _deployment(topology, DeploymentState.DEPLOYED, revision=2)
    preview = _preview(world, topology, "?revision=1")
    # What the kernel takes away with web2's namespace (its port) is not removed again.
    assert _changes(preview, "compute-1") == {"web2": "remove"}
    assert _changes(preview, "net-1") == {"web": "update"}
    compute = preview["hosts"]["compute-1"]["commands"]
    assert sum(line.startswith("ip netns del ") for line in compute) == 1


def test_after_a_destroy_nothing_counts_as_deployed(world: World, two_hosts: list[Host]) -> None:
    _deployment(world.topology, DeploymentState.DEPLOYED, revision=2)
    _deployment(world.topology, DeploymentState.DESTROYED, revision=None)
    _deployment(world.topology, DeploymentState.FAILED, revision=1)
    preview = _preview(world, world.topology)
    assert preview["deployed_revision"] is None
    assert all(host["summary"]["totals"]["remove"] == 0 for host in preview["hosts"].values())


def test_the_preview_names_a_bad_revision(world: World, two_hosts: list[Host]) -> None:
    viewer = world.clients["viewer"]
    for query in ("?revision=9", "?revision=0", "?revision=x", "?revision=99999999999"):
        assert_input_error(viewer.get(_url(world.topology, f"plan/{query}")), "revision")


def test_without_hosts_the_preview_has_nothing_to_place(world: World) -> None:
    world.host.delete()
    preview = _preview(world, world.topology)
    assert preview["hosts"] == {}


HOSTILE = [
    "x (rm -rf /) #1",
    "a/../../etc/passwd",
    "Évil @host:22 + 1, 2",
    "W" * 64,
    "db (DROP TABLE) #",
]


def test_hostile_names_never_reach_the_commands(
    world: World, make: Factory, two_hosts: list[Host]
) -> None:
    document = copy.deepcopy(sample_document())
    document["description"] = "'; $(reboot) `id` \"\n\\ <script>"
    document["networks"][0]["name"] = HOSTILE[0]
    document["networks"][1]["name"] = HOSTILE[1]
    document["networks"][2]["name"] = HOSTILE[2]
    document["instances"][0]["name"] = HOSTILE[3]
    document["instances"][1]["name"] = HOSTILE[4]
    document["routers"][0]["name"] = HOSTILE[0]
    topology = make.topology(world.project, name="Hostile (x) #1", document=document)
    preview = _preview(world, topology)
    text = "\n".join(line for host in preview["hosts"].values() for line in host["commands"])
    assert text
    # Names become DNS labels at most (`x-rm-rf-1`), never kernel names or arguments as typed.
    for hostile in [*HOSTILE, document["description"], "Hostile (x) #1"]:
        assert hostile not in text
        assert hostile.lower() not in text

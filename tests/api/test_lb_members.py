"""Load balancer members' health over the API: recorded as the hosts' checkers report changes
(through the service their relays call), the newest change of each member kept, across deploys
and starting again after a destroy; each change still goes to the topology's sockets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer

from designer.models import DeploymentAction, DeploymentState, MemberHealth, Topology
from designer.realtime.broadcast import group_name
from designer.services.vrrp import record_member_change
from tests.api.conftest import API, World, deployment_attempt

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()


def _url(topology: Topology) -> str:
    return f"{API}topologies/{topology.pk}/lb-members/"


def _change(topology: Topology, member: str, state: str, second: float, lb: str = "web") -> Any:
    return record_member_change(topology.pk, lb, member, "net1", state, START + second)


def _states(world: World, topology: Topology) -> dict[tuple[str, str], str]:
    body = world.clients["viewer"].get(_url(topology)).json()
    return {(m["load_balancer"], m["member"]): m["state"] for m in body["members"]}


def test_nothing_is_known_before_a_deploy(world: World) -> None:
    assert _change(world.topology, "vm1:80", "down", 1) is None
    body = world.clients["viewer"].get(_url(world.topology)).json()
    assert body == {"after": None, "members": []}


def test_each_member_shows_its_newest_change(world: World) -> None:
    deployment = deployment_attempt(world.topology)
    _change(world.topology, "vm1:80", "down", 1)
    _change(world.topology, "vm2:80", "down", 1)
    _change(world.topology, "vm1:80", "up", 5)
    _change(world.topology, "vm1:80", "down", 3, lb="api")
    body = world.clients["viewer"].get(_url(world.topology)).json()
    assert body["members"] == [
        {
            "load_balancer": "api",
            "member": "vm1:80",
            "host": "net1",
            "state": "down",
            "at": datetime.fromtimestamp(START + 3, tz=UTC).isoformat(),
            "deployment": deployment.pk,
        },
        {
            "load_balancer": "web",
            "member": "vm1:80",
            "host": "net1",
            "state": "up",
            "at": datetime.fromtimestamp(START + 5, tz=UTC).isoformat(),
            "deployment": deployment.pk,
        },
        {
            "load_balancer": "web",
            "member": "vm2:80",
            "host": "net1",
            "state": "down",
            "at": datetime.fromtimestamp(START + 1, tz=UTC).isoformat(),
            "deployment": deployment.pk,
        },
    ]


def test_a_change_arriving_after_a_later_one_is_not_kept(world: World) -> None:
    deployment_attempt(world.topology)
    _change(world.topology, "vm1:80", "up", 10)
    _change(world.topology, "vm1:80", "down", 4)
    assert _states(world, world.topology) == {("web", "vm1:80"): "up"}
    assert MemberHealth.objects.count() == 1


def test_the_health_runs_across_deploys_and_starts_again_after_a_destroy(world: World) -> None:
    topology = world.topology
    deployment_attempt(topology)
    _change(topology, "vm1:80", "down", 1)
    # A deploy that leaves the load balancer as it is leaves its checker running: it reports
    # only changes, so what it found before still holds.
    deployment_attempt(topology)
    _change(topology, "vm2:80", "down", 2)
    assert _states(world, topology) == {("web", "vm1:80"): "down", ("web", "vm2:80"): "down"}
    _change(topology, "vm1:80", "up", 3)
    assert _states(world, topology)[("web", "vm1:80")] == "up"
    destroy = deployment_attempt(topology, DeploymentAction.DESTROY, DeploymentState.DESTROYED)
    body = world.clients["viewer"].get(_url(topology)).json()
    assert body == {"after": destroy.pk, "members": []}


def test_each_change_still_reaches_the_topology_s_sockets(world: World) -> None:
    channel_layers.backends.clear()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_name(world.topology.pk), channel)
    deployment_attempt(world.topology)
    event = _change(world.topology, "vm1:80", "down", 1)
    message = async_to_sync(layer.receive)(channel)
    assert message["text"] == event.model_dump_json()
    channel_layers.backends.clear()

"""HA drills on a real HA router, through the API, with a WebSocket client of the topology
listening: crashing the master's keepalived is a `failover` with well under a second without
a master; a failback starts the crashed keepalived again and returns the role to the initial
master (`failback`); a switchover moves it to the backup (`switchover`); a failback returns it,
and every instance runs the design's configuration again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth.models import User

from designer.models import HaEvent, Topology
from designer.services.drills import cancel_later_analyses
from designer.spec import Document
from tasks.drivers import RUN_DIR, render
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, namespace_name
from tests.deploy.conftest import (
    LANE,
    deploy,
    destroy_leaving_nothing,
    fabric_up,
    make_topology,
)
from tests.deploy.drill_client import ask_for_drill, finished, listening, recorded_master
from tests.deploy.test_ha_router import ha_lan as ha_router_lan
from tests.deploy.test_ha_router import masters as masters_holding

# This module's fabric: letters only, one per lane, apart from every other test fabric.
DRILL_PREFIX = f"nlhd{'abcdefghijklmnopqrstuvwxyz'[LANE]}"
NETWORK_NODES = ("network-1", "network-2")
GATEWAY = "10.71.0.1"
# How long a drill may take to show on the socket: the worker picks it up, keepalived acts,
# the notify program reports, the relay records and analyses.
EVENT_SECONDS = 15.0


@pytest.fixture(scope="module")
def lab_fabric() -> Iterator[FabricSpec]:
    """Two networking nodes, for the router's two instances, and a compute node."""
    with fabric_up(FabricSpec(prefix=DRILL_PREFIX, network_nodes=2, compute_nodes=1)) as spec:
        yield spec


def ha_lan() -> Document:
    return ha_router_lan("10.71.0")


def masters(prefix: str) -> list[str]:
    return masters_holding(prefix, GATEWAY)


def only_master(prefix: str, host: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while masters(prefix) != [host]:
        assert time.monotonic() < deadline, f"{host} is not the only master: {masters(prefix)}"
        time.sleep(0.05)


def configuration(prefix: str, host: str) -> str:
    namespace = namespace_name(prefix, "router", host, "r1")
    return Path(render.keepalived_files(RUN_DIR, namespace).config).read_text()


async def drill_heard(
    topology: Topology, owner: User, body: dict[str, Any], wanted: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ask for a drill over the API while a client of the topology listens; the drill as
    answered, and the first `wanted` event the client received."""
    async with listening(topology, owner) as communicator:
        drill = await sync_to_async(ask_for_drill)(topology, owner, body)
        deadline = time.monotonic() + EVENT_SECONDS
        seen: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {wanted} event reached the socket: {seen}"
            message = await communicator.receive_json_from(timeout=remaining)
            seen.append(message["type"])
            if message["type"] == wanted:
                return drill, message


def test_drills_fail_over_switch_over_and_fail_back(lab: FabricSpec) -> None:
    owner, topology = make_topology(ha_lan())
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    initial = recorded_master()
    backup = next(host for host in NETWORK_NODES if host != initial)
    only_master(prefix, initial)
    designed = {host: configuration(prefix, host) for host in NETWORK_NODES}

    # The master's keepalived killed: the backup takes over within the master-down interval.
    drill, failover = async_to_sync(drill_heard)(
        topology, owner, {"kind": "crash_master"}, "failover"
    )
    assert drill["host"] == initial
    assert (failover["from_host"], failover["to_host"]) == (initial, backup), failover
    assert failover["router"] == "r1"
    assert failover["drill"] == drill["id"], failover
    assert failover["no_master_seconds"] < 1.0, failover
    # The killed instance never gave up its addresses (nothing of it is left to do so); the
    # backup holds them too now, and answers for them.
    deadline = time.monotonic() + 10
    while backup not in masters(prefix):
        assert time.monotonic() < deadline, masters(prefix)
        time.sleep(0.05)

    # A failback starts the crashed keepalived again and gives the role back.
    drill, back = async_to_sync(drill_heard)(topology, owner, {"kind": "failback"}, "failback")
    assert (back["from_host"], back["to_host"]) == (backup, initial), back
    only_master(prefix, initial)
    finished(drill["id"])
    assert recorded_master() == initial

    # A switchover moves the role to the backup.
    drill, switchover = async_to_sync(drill_heard)(
        topology, owner, {"kind": "switchover", "target_host": backup}, "switchover"
    )
    assert (switchover["from_host"], switchover["to_host"]) == (initial, backup), switchover
    assert switchover["drill"] == drill["id"]
    only_master(prefix, backup)
    finished(drill["id"])

    # A failback returns it, and leaves every instance as the design has it.
    drill, back = async_to_sync(drill_heard)(topology, owner, {"kind": "failback"}, "failback")
    assert (back["from_host"], back["to_host"]) == (backup, initial), back
    only_master(prefix, initial)
    finished(drill["id"])
    assert {host: configuration(prefix, host) for host in NETWORK_NODES} == designed
    time.sleep(1)
    assert masters(prefix) == [initial]
    # No split brain or spell without a master came of it all.
    assert list(HaEvent.objects.values_list("kind", flat=True)) == [
        "failover",
        "failback",
        "switchover",
        "failback",
    ]

    destroy_leaving_nothing(topology, owner, lab)
    # The instances' last reports (stopped) would be analysed again after the test is over.
    cancel_later_analyses()


def test_a_destroy_after_a_crash_leaves_nothing_of_the_dead_keepalived(lab: FabricSpec) -> None:
    """The crashed keepalived's record and files go with the destroy, though nothing runs to
    be observed and stopped."""
    from designer.services.drills import request_drill

    owner, topology = make_topology(ha_lan())
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    master = recorded_master()
    drill = request_drill(topology, owner, "r1", "crash_master", None)
    finished(drill.pk)
    assert drill.host == master
    dead = configuration(prefix, master)
    assert dead  # its configuration is still there, its process gone
    destroy_leaving_nothing(topology, owner, lab)
    cancel_later_analyses()

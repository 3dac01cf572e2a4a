"""Drift observed for real on the lab fabric: after a deploy, an owned veth deleted and the DHCP
server's dnsmasq killed by hand, outside Netloom, are found by the observation on each host's
queue, stored on the deployment and sent to the topology's sockets as a `drift` event naming
the right elements; deploying the same revision again repairs only that, and the next
observation finds nothing; a destroy ends the chain of observations."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.db import connections

from designer.models import Deployment, DeploymentState, Host, Topology
from designer.realtime.events import DriftEvent
from designer.realtime.routing import websocket_urlpatterns
from designer.services.deployments import request_destroy
from designer.services.drift import request_observation
from tasks.deploy import desired_state
from tasks.drift import observe_deployment
from tasks.drivers import RUN_DIR
from tasks.drivers import kernel_process as processes
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, namespace_name
from tests.deploy.conftest import (
    close_channel_layers,
    deploy,
    in_namespace,
    make_topology,
    owned_objects,
    wait_until_finished,
)
from tests.deploy.test_deploy import two_hosts_one_network

INTERVAL = 1.0


@pytest.fixture(autouse=True)
def short_interval(settings: Any) -> None:
    settings.NETLOOM_DRIFT_INTERVAL = INTERVAL


def wait_for_drift(
    deployment: Deployment, done: Callable[[dict[str, Any]], bool], timeout: float = 60
) -> dict[str, Any]:
    """The deployment's drift once `done` holds for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deployment.refresh_from_db()
        if done(deployment.drift):
            return deployment.drift
        time.sleep(0.1)
    raise AssertionError(f"drift still {deployment.drift} after {timeout} s")


def observed_once(drift: dict[str, Any]) -> bool:
    return drift.get("checked_at") is not None


def delete_link(host_name: str, name: str) -> None:
    host = Host.objects.get(name=host_name)
    subprocess.run(["ip", "-n", host.namespace, "link", "del", name], check=True, timeout=20)


def kill_dnsmasq(topology: Topology, host_name: str) -> None:
    """SIGKILL the deployment's dnsmasq on the host, as a person would with its pid."""
    directory = Path(RUN_DIR) / deployment_prefix(topology.pk) / host_name / "processes"
    (record,) = [r for r in processes.records(directory) if r.data["kind"] == "Dnsmasq"]
    os.kill(record.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while processes.running(record) and time.monotonic() < deadline:
        # The worker started it in this process: reap it, or it lingers as a zombie.
        with suppress(ChildProcessError):
            os.waitpid(record.pid, os.WNOHANG)
        time.sleep(0.05)
    assert not processes.running(record)


async def tamper_and_watch(
    topology: Topology,
    user: User,
    deployment: Deployment,
    tamper: Callable[[], None],
    wanted: Callable[[dict[str, Any]], bool],
    timeout: float = 60,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Connect to the topology's socket, change the hosts by hand with `tamper`, ask for a
    check, and wait for the `drift` event `wanted` holds for. The drift events received
    before the tampering, and that event."""
    channel_layers.backends.clear()
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/topologies/{topology.pk}/"
    )
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    before: list[dict[str, Any]] = []
    try:
        while not await communicator.receive_nothing(1.0):
            message = json.loads(await communicator.receive_from())
            if message["type"] == "drift":
                before.append(message)
        await asyncio.to_thread(tamper)
        await database_sync_to_async(request_observation)(deployment)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            message = json.loads(await communicator.receive_from(deadline - loop.time()))
            if message["type"] == "drift" and wanted(message):
                return before, message
    finally:
        await communicator.disconnect()
        await close_channel_layers()
        await database_sync_to_async(connections.close_all)()


def test_drift_is_reported_then_repaired_and_a_destroy_ends_the_chain(lab: FabricSpec) -> None:
    owner, topology = make_topology(two_hosts_one_network())
    prefix = deployment_prefix(topology.pk)
    first = deploy(topology, owner)
    assert first.revision is not None

    # The chain starts with the deploy and finds nothing changed.
    calm = wait_for_drift(first, observed_once)
    assert calm["items"] == []
    assert calm["elements"] == {}

    # What a person breaks by hand: vm1's veth on compute-1, and the DHCP server's dnsmasq.
    veth = next(
        v for v in desired_state(topology.pk, first.revision, "compute-1").veths if v.owner == "p1"
    )
    dhcp_hosts = [
        host.name
        for host in Host.objects.order_by("name")
        if desired_state(topology.pk, first.revision, host.name).dnsmasqs
    ]
    assert len(dhcp_hosts) == 1
    dhcp_host = dhcp_hosts[0]

    def tamper() -> None:
        delete_link("compute-1", veth.name)
        kill_dnsmasq(topology, dhcp_host)

    before, event = asyncio.run(
        tamper_and_watch(
            topology,
            owner,
            first,
            tamper,
            lambda e: {"p1", "lan"} <= set(e["drift"]["elements"]),
        )
    )
    # What arrived on connect was the calm report.
    assert all(e["drift"]["items"] == [] for e in before)
    DriftEvent.model_validate(event)
    assert event["deployment"] == first.pk
    assert event["revision"] == first.revision.number
    elements = event["drift"]["elements"]
    # Nothing of the port is left; the network still has its bridges and DHCP namespace.
    assert elements["p1"] == "missing"
    assert elements["lan"] == "changed"
    assert set(elements) <= {"p1", "lan", "vm1"}
    items = {(i["host"], i["element"], i["object"], i["change"]) for i in event["drift"]["items"]}
    assert ("compute-1", "p1", f"veth {veth.name}", "missing") in items
    dhcp_namespace = namespace_name(prefix, "dhcp", dhcp_host, "lan")
    assert any(
        host == dhcp_host
        and element == "lan"
        and obj.startswith("dnsmasq on")
        and obj.endswith(f" in {dhcp_namespace}")
        and change == "missing"
        for host, element, obj, change in items
    ), items
    # No user text in the report: kernel names only.
    assert "Web (front)" not in json.dumps(event)
    stored = wait_for_drift(first, lambda d: d.get("elements") == elements)
    assert stored["items"] == event["drift"]["items"]

    # Repair: deploy the deployed revision again. Only the difference is applied.
    repair = deploy(topology, owner, first.revision)
    steps = sum(entry["total"] for entry in repair.hosts.values())
    assert 0 < steps < 15, repair.hosts
    vm1 = namespace_name(prefix, "instance", "compute-1", "vm1")
    assert in_namespace(vm1, "ping", "-c", "1", "-W", "2", "10.50.0.12").returncode == 0
    # The repaired attempt is observed from now on, and nothing has drifted.
    clean = wait_for_drift(repair, observed_once)
    assert clean["items"] == []
    assert clean["elements"] == {}
    # The first attempt's chain has ended: it is no longer observed.
    first.refresh_from_db()
    ended_at = first.drift["chain"]["link"], first.drift["checked_at"]
    time.sleep(3 * INTERVAL)
    first.refresh_from_db()
    assert (first.drift["chain"]["link"], first.drift["checked_at"]) == ended_at

    # A destroy ends the repaired attempt's chain too: its next link does nothing and
    # enqueues nothing more.
    gone = wait_until_finished(request_destroy(topology, owner))
    assert gone.state == DeploymentState.DESTROYED, gone.log
    repair.refresh_from_db()
    chain = repair.drift["chain"]
    assert observe_deployment(repair.pk, chain["token"], chain["link"] + 1) == "ended"
    time.sleep(3 * INTERVAL)
    repair.refresh_from_db()
    assert repair.drift["chain"] == chain
    assert owned_objects(prefix, lab) == []

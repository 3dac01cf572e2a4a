"""An HA router deployed end to end on a fabric of two networking nodes and a compute node, with
real keepalived: one instance on each networking node, exactly one master holding the gateway
address, an instance reaching it across the fabric; the master's keepalived killed, the backup
taking over well within a second's adverts, traffic flowing again, and the transitions reaching
a WebSocket client of the topology as they happen."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.db import connections

from designer.models import Topology, VrrpTransition
from designer.realtime.routing import websocket_urlpatterns
from designer.spec import Document
from tasks.drivers import RUN_DIR
from tasks.drivers import kernel_process as processes
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy import probe
from tests.deploy.conftest import (
    LANE,
    close_channel_layers,
    deploy,
    deploy_again_changes_nothing,
    destroy_leaving_nothing,
    fabric_up,
    make_topology,
)

# This module's fabric: letters only, one per lane, apart from every other test fabric.
HA_PREFIX = f"nlha{'abcdefghijklmnopqrstuvwxyz'[LANE]}"
NETWORK_NODES = ("network-1", "network-2")
GATEWAY = "10.70.0.1"
# How long the backup may take to become master once the master's adverts stop (three adverts
# of 0.1 s and the skew time make about 0.35 s) and the notify program has reported it.
TAKEOVER_SECONDS = 3.0


@pytest.fixture(scope="module")
def lab_fabric() -> Iterator[FabricSpec]:
    """Two networking nodes, for the router's two instances, and a compute node."""
    with fabric_up(FabricSpec(prefix=HA_PREFIX, network_nodes=2, compute_nodes=1)) as spec:
        yield spec


def ha_lan(network: str = "10.70.0") -> Document:
    """vm1 (compute-1) on a self-service network (`network`.0/24, the gateway on .1) behind HA
    router r1, with adverts every 0.1 s."""
    return document(
        networks=[net("lan")],
        subnets=[
            subnet("lan-v4", "lan", f"{network}.0/24", gateway_ip=f"{network}.1", enable_dhcp=False)
        ],
        routers=[{"id": "r1", "name": "r1", "mode": "ha", "vrrp": {"advert_interval": 0.1}}],
        instances=[{"id": "vm1", "name": "vm1", "host": "compute-1"}],
        ports=[
            port("r1-lan", "lan", "r1", ("lan-v4", None)),
            port("p1", "lan", "vm1", ("lan-v4", f"{network}.11")),
        ],
    )


def masters(prefix: str, gateway: str = GATEWAY) -> list[str]:
    """The networking nodes whose instance of r1 holds the gateway address."""
    found = []
    for host in NETWORK_NODES:
        namespace = namespace_name(prefix, "router", host, "r1")
        shown = probe.run("ip", "-n", namespace, "-o", "addr", "show", check=False).stdout
        if f" {gateway}/24 " in shown:
            found.append(host)
    return found


def one_master(prefix: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = masters(prefix)
        if len(found) == 1:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no single master after {timeout} s: {masters(prefix)}")


def pings_within(namespace: str, address: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe.pings(namespace, address):
            return True
    return False


def keepalived_pid(prefix: str, host: str) -> int:
    """The keepalived the driver started for r1's instance on `host`."""
    namespace = namespace_name(prefix, "router", host, "r1")
    path = Path(RUN_DIR, prefix, host, "processes", f"keepalived.{namespace}.json")
    record = processes.load(path)
    assert record is not None, f"no keepalived on {host}"
    assert processes.running(record), f"keepalived on {host} is not running"
    return record.pid


async def failover_on_socket(topology: Topology, owner: User, prefix: str) -> dict[str, Any]:
    """Kill the master's keepalived while a client of the topology listens; the backup's
    transition to master as the client received it, and how long the takeover took."""
    channel_layers.backends.clear()
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/topologies/{topology.pk}/"
    )
    communicator.scope["user"] = owner
    connected, _ = await communicator.connect()
    assert connected
    try:
        master = await sync_to_async(one_master)(prefix)
        backup = next(host for host in NETWORK_NODES if host != master)
        killed_at = time.monotonic()
        os.kill(await sync_to_async(keepalived_pid)(prefix, master), signal.SIGKILL)
        events: list[dict[str, Any]] = []
        taken_over = None
        while taken_over is None:
            remaining = killed_at + TAKEOVER_SECONDS + 2 - time.monotonic()
            assert remaining > 0, f"no takeover reached the socket: {events}"
            message = await communicator.receive_json_from(timeout=remaining)
            if message["type"] != "vrrp":
                continue
            events.append(message)
            if message["host"] == backup and message["new_state"] == "master":
                taken_over = message
        return {
            "master": master,
            "backup": backup,
            "event": taken_over,
            "events": events,
            "seconds": time.monotonic() - killed_at,
        }
    finally:
        await communicator.disconnect()
        await close_channel_layers()
        # The consumer's database thread lets go of the test database.
        await database_sync_to_async(connections.close_all)()


def test_ha_router_fails_over_and_the_browser_hears_it(lab: FabricSpec) -> None:
    owner, topology = make_topology(ha_lan())
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    deploy_again_changes_nothing(topology, owner)

    master = one_master(prefix)
    vm1 = namespace_name(prefix, "instance", "compute-1", "vm1")
    assert pings_within(vm1, GATEWAY, 10)
    # Both instances reported their states, and they are recorded on the deployment.
    deadline = time.monotonic() + 5
    while set(VrrpTransition.objects.filter(new_state="master").values_list("host", flat=True)) != {
        master
    }:
        assert time.monotonic() < deadline, list(VrrpTransition.objects.values())
        time.sleep(0.1)

    failover = async_to_sync(failover_on_socket)(topology, owner, prefix)
    assert failover["master"] == master
    assert failover["seconds"] < TAKEOVER_SECONDS, failover
    event = failover["event"]
    assert event["router"] == "r1", failover
    assert event["old_state"] == "backup", failover
    assert masters(prefix) == [failover["backup"]]
    assert pings_within(vm1, GATEWAY, 10)
    assert VrrpTransition.objects.filter(
        host=failover["backup"], old_state="backup", new_state="master"
    ).exists()

    # Deploying again starts the killed keepalived again, as a backup: the master stays.
    again = deploy(topology, owner)
    assert again.hosts[master]["total"] == 1, again.hosts
    time.sleep(1)
    assert masters(prefix) == [failover["backup"]]
    assert pings_within(vm1, GATEWAY, 10)

    destroy_leaving_nothing(topology, owner, lab)
    assert not [
        line for line in probe.run("ps", "-eo", "args").stdout.splitlines() if prefix in line
    ]

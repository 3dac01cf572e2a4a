"""The probe of an HA drill, on a real HA router with real keepalived and real namespaces: while
the master's keepalived is crashed through the API, an instance behind the router pings one on
its far side every 20 ms from the compute node's worker, and the outage it measured (the
longest gap in replies) reaches a WebSocket client of the topology as a `drill` event with the
same drill id as the `failover` event."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth.models import User

from designer.models import HaDrill, Topology
from designer.services.drills import cancel_later_analyses
from designer.spec import Document
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy.conftest import (
    LANE,
    deploy,
    destroy_leaving_nothing,
    fabric_up,
    make_topology,
)
from tests.deploy.drill_client import ask_for_drill, listening, recorded_master
from tests.deploy.test_ha_router import pings_within

# This module's fabric: letters only, one per lane, apart from every other test fabric.
PROBE_PREFIX = f"nlpr{'abcdefghijklmnopqrstuvwxyz'[LANE]}"
NETWORK_NODES = ("network-1", "network-2")
FAR_ADDRESS = "10.72.1.11"
# How long the failover and the probe's result may take to reach the socket: the probe starts,
# the drill acts, the backup takes over, replies are steady again for a second.
EVENT_SECONDS = 20.0


@pytest.fixture(scope="module")
def lab_fabric() -> Iterator[FabricSpec]:
    """Two networking nodes, for the router's two instances, and a compute node."""
    with fabric_up(FabricSpec(prefix=PROBE_PREFIX, network_nodes=2, compute_nodes=1)) as spec:
        yield spec


def two_sides() -> Document:
    """vm1 on `lan` and vm2 on `far` (both on compute-1), joined only by HA router r1, whose
    instances advertise every 0.1 s."""
    return document(
        networks=[net("lan"), net("far")],
        subnets=[
            subnet("lan-v4", "lan", "10.72.0.0/24", gateway_ip="10.72.0.1", enable_dhcp=False),
            subnet("far-v4", "far", "10.72.1.0/24", gateway_ip="10.72.1.1", enable_dhcp=False),
        ],
        routers=[{"id": "r1", "name": "r1", "mode": "ha", "vrrp": {"advert_interval": 0.1}}],
        instances=[
            {"id": "vm1", "name": "vm1", "host": "compute-1"},
            {"id": "vm2", "name": "vm2", "host": "compute-1"},
        ],
        ports=[
            port("r1-lan", "lan", "r1", ("lan-v4", None)),
            port("r1-far", "far", "r1", ("far-v4", None)),
            port("p1", "lan", "vm1", ("lan-v4", "10.72.0.11")),
            port("p2", "far", "vm2", ("far-v4", FAR_ADDRESS)),
        ],
    )


async def drill_heard(topology: Topology, owner: User, kind: str) -> dict[str, Any]:
    """Run a drill over the API while a client of the topology listens; the drill as
    answered, the `failover` event, every `drill` event of it the client received, and the
    one with its probe's result."""
    async with listening(topology, owner) as communicator:
        drill = await sync_to_async(ask_for_drill)(topology, owner, {"kind": kind})
        heard: dict[str, Any] = {"drill": drill, "drills": []}
        deadline = time.monotonic() + EVENT_SECONDS
        wanted = "failback" if kind == "failback" else "failover"
        while wanted not in heard or "probed" not in heard:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"not everything reached the socket: {heard}"
            message = await communicator.receive_json_from(timeout=remaining)
            if message["type"] == wanted:
                heard[wanted] = message
            elif message["type"] == "drill" and message["drill"]["id"] == drill["id"]:
                heard["drills"].append(message["drill"])
                drilled = message["drill"]
                over = (drilled["probe"] or {}).get("state") in ("done", "failed")
                if over and drilled["state"] != "queued":
                    heard["probed"] = drilled
        return heard


def probed_failover(lab: FabricSpec, kind: str) -> dict[str, Any]:
    """Deploy the two sides, run a drill of `kind` on r1's master with a client listening,
    check what every drill's probe must show, destroy; what the client heard."""
    owner, topology = make_topology(two_sides())
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    initial = recorded_master()
    backup = next(host for host in NETWORK_NODES if host != initial)
    vm1 = namespace_name(prefix, "instance", "compute-1", "vm1")
    assert pings_within(vm1, FAR_ADDRESS, 10)

    heard = async_to_sync(drill_heard)(topology, owner, kind)
    drill, failover, probed = heard["drill"], heard["failover"], heard["probed"]
    assert (drill["probe"]["source"], drill["probe"]["target"]) == ("vm1", "vm2"), drill
    assert drill["probe"]["address"] == FAR_ADDRESS
    assert (failover["from_host"], failover["to_host"]) == (initial, backup), failover
    assert failover["drill"] == drill["id"], failover
    # The drill was sent to the socket as it was asked for, then with the probe's result.
    assert heard["drills"][0]["state"] == "queued", heard["drills"]
    assert probed["probe"]["state"] == "done", probed
    assert probed["probe"]["error"] == "", probed
    outage = probed["outage_seconds"]
    assert outage is not None, probed
    assert 0 < outage < 1.0, probed
    assert probed["probe"]["longest_gap_seconds"] == outage
    sent, received = probed["probe"]["sent"], probed["probe"]["received"]
    assert sent >= received > 0, probed
    # The probe ran from before the drill until after it: at 20 ms, well over a second's worth.
    assert sent > 50, probed
    stored = HaDrill.objects.get(pk=drill["id"])
    assert stored.at is not None
    assert stored.outage_started_at is not None
    # The longest silence began around the crash or the takeover, not before the probe started.
    assert stored.outage_started_at >= stored.requested_at, probed
    assert pings_within(vm1, FAR_ADDRESS, 10)

    # Back to the design's layout, as between drills, then nothing of it left.
    back = async_to_sync(drill_heard)(topology, owner, "failback")
    assert back["probed"]["probe"]["state"] == "done", back["probed"]
    assert back["probed"]["state"] == "done", back["probed"]
    destroy_leaving_nothing(topology, owner, lab)
    cancel_later_analyses()
    return heard


def test_a_crashed_master_is_measured_by_pings_through_the_router(lab: FabricSpec) -> None:
    heard = probed_failover(lab, "crash_master")
    # Killing keepalived leaves the old master's addresses and routes behind, so it forwards
    # until the new master's gratuitous ARPs move the traffic: the probe sees the path
    # switch, not a break of the master-down interval's length.
    assert heard["probed"]["outage_seconds"] < 0.3, heard["probed"]


def test_a_failed_host_is_an_outage_the_probe_measures(lab: FabricSpec) -> None:
    heard = probed_failover(lab, "host_failure")
    probed = heard["probed"]
    sent, received = probed["probe"]["sent"], probed["probe"]["received"]
    # The master's router stops forwarding at once; the backup forwards once it has missed
    # three adverts of 0.1 s (and its skew) and taken the addresses: replies are lost.
    assert sent > received > 0, probed
    assert 0.2 < probed["outage_seconds"] < 1.0, probed

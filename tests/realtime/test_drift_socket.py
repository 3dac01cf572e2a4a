"""Drift on the topology WebSocket: a client that connects gets the deployed attempt's last
report after the deployment itself, and a `drift` event follows whenever an observation
changes the report, not every time a host is observed."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from designer.models import Deployment, DeploymentAction, DeploymentState
from designer.realtime.events import DriftEvent
from designer.services.drift import record_host
from tasks.planner.drift import DriftItem
from tasks.planner.state import Bridge, HostState
from tests.realtime.conftest import SocketClient, connect

pytestmark = pytest.mark.asyncio

WANTED = [HostState("compute-1", bridges=(Bridge("nl0001b1", "lan"), Bridge("nl0001b2", "lan")))]
GONE = DriftItem("compute-1", "lan", "bridge nl0001b1", "missing", "not found on the host")


def deployed(lab: dict[str, Any], **fields: Any) -> Deployment:
    return Deployment.objects.create(
        topology=lab["topology"],
        revision=lab["topology"].head,
        action=DeploymentAction.DEPLOY,
        state=DeploymentState.DEPLOYED,
        finished_at=timezone.now(),
        **fields,
    )


async def nothing_more(client: SocketClient) -> list[str]:
    """The types of what arrives until nothing more does."""
    before = len(client.seen)
    await client.drain(0.5)
    return [message["type"] for message in client.seen[before:]]


async def test_a_client_gets_the_last_report_when_it_connects(lab: dict[str, Any]) -> None:
    report = {
        "checked_at": "2026-01-02T03:04:05+00:00",
        "elements": {"lan": "missing"},
        "items": [GONE.as_dict()],
        "chain": {"token": "abc", "link": 4},
    }
    deployment = await database_sync_to_async(deployed)(lab, drift=report)
    viewer, _ = await connect(lab["topology"], lab["viewer"])
    assert viewer is not None
    assert (await viewer.receive_type("deployment"))["deployment"]["id"] == deployment.pk
    event = await viewer.receive_type("drift")
    DriftEvent.model_validate(event)
    assert event["deployment"] == deployment.pk
    assert event["revision"] == lab["topology"].head.number
    assert event["drift"] == {key: report[key] for key in ("checked_at", "elements", "items")}
    await viewer.close()


async def test_nothing_observed_yet_sends_no_drift(lab: dict[str, Any]) -> None:
    await database_sync_to_async(deployed)(lab, drift={"chain": {"token": "abc", "link": 0}})
    viewer, _ = await connect(lab["topology"], lab["viewer"])
    assert viewer is not None
    assert "drift" not in await nothing_more(viewer)
    await viewer.close()


async def test_drift_is_sent_when_the_report_changes(lab: dict[str, Any]) -> None:
    deployment = await database_sync_to_async(deployed)(lab)
    viewer, _ = await connect(lab["topology"], lab["viewer"])
    assert viewer is not None
    await viewer.drain()

    def observe(items: list[DriftItem], announce: bool = False) -> bool:
        return record_host(deployment.pk, "compute-1", items, WANTED, announce)

    assert await database_sync_to_async(observe)([GONE])
    event = await viewer.receive_type("drift")
    assert event["drift"]["elements"] == {"lan": "changed"}  # its other bridge is still there
    assert event["drift"]["items"] == [GONE.as_dict()]
    checked = event["drift"]["checked_at"]
    assert checked is not None

    # The same report again: nothing is sent, though the time of the check moves on.
    assert not await database_sync_to_async(observe)([GONE])
    assert "drift" not in await nothing_more(viewer)
    stored = await database_sync_to_async(Deployment.objects.get)(pk=deployment.pk)
    assert stored.drift["checked_at"] > checked

    # A check a person asked for is answered even when nothing changed.
    await database_sync_to_async(observe)([GONE], True)
    assert (await viewer.receive_type("drift"))["drift"]["items"] == [GONE.as_dict()]

    # Repaired: the report empties, and says so.
    assert await database_sync_to_async(observe)([])
    event = await viewer.receive_type("drift")
    assert event["drift"]["elements"] == {}
    assert event["drift"]["items"] == []
    await viewer.close()

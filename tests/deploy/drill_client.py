"""What the HA drill tests share: a WebSocket client of a topology, listening while a drill is
asked for over the REST API as a person would ask for it; the master as the recorded VRRP
reports have it; and waiting for a drill to finish."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.db import connections
from rest_framework.test import APIClient

from designer.models import HaDrill, Topology, VrrpTransition
from designer.realtime.routing import websocket_urlpatterns
from tests.deploy.conftest import close_channel_layers


@asynccontextmanager
async def listening(topology: Topology, user: User) -> AsyncIterator[WebsocketCommunicator]:
    """A client of the topology's socket, connected as `user`; closed afterwards with the
    channel layer and the database connections it used."""
    channel_layers.backends.clear()
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/topologies/{topology.pk}/"
    )
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    try:
        yield communicator
    finally:
        await communicator.disconnect()
        await close_channel_layers()
        await database_sync_to_async(connections.close_all)()


def ask_for_drill(
    topology: Topology, user: User, body: dict[str, Any], router: str = "r1"
) -> dict[str, Any]:
    """POST a drill on `router` as `user`; the drill as answered (202)."""
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(
        f"/api/v1/topologies/{topology.pk}/routers/{router}/drills/", body, format="json"
    )
    assert response.status_code == 202, response.json()
    return dict(response.json())


def recorded_master(timeout: float = 10, router: str | None = None) -> str:
    """The one instance (of `router`, or of the one HA router there is) whose last recorded
    report is MASTER."""
    deadline = time.monotonic() + timeout
    reports = VrrpTransition.objects.order_by("at", "id")
    if router is not None:
        reports = reports.filter(router=router)
    while True:
        last: dict[str, str] = {}
        for host, state in reports.values_list("host", "new_state"):
            last[host] = state
        found = [host for host, state in last.items() if state == "master"]
        if len(found) == 1:
            return found[0]
        assert time.monotonic() < deadline, last
        time.sleep(0.05)


def finished(drill_id: int, timeout: float = 30) -> None:
    """Wait for every host's part of a drill to end, and its probe (which may go on pinging
    for a while after it); the drill must have succeeded."""
    deadline = time.monotonic() + timeout
    drill = HaDrill.objects.get(pk=drill_id)
    while (
        drill.state == "queued"
        or drill.finished_at is None
        or drill.probe_state in ("queued", "running")
    ):
        assert time.monotonic() < deadline, (drill.state, drill.probe_state)
        time.sleep(0.05)
        drill.refresh_from_db()
    assert drill.state == "done", drill.error

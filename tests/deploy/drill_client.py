"""What the HA drill tests share: a WebSocket client of a topology, listening while a drill is
asked for over the REST API as a person would ask for it."""

from __future__ import annotations

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

from designer.models import Topology
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

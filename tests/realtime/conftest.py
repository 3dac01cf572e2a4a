"""A test client for the topology WebSocket that keeps its own copy of the document the way
the front end does: it applies revisions as they arrive, catches up when told it is stale, and
resends its edit on the new base."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser, User
from django.db import connections

from designer.models import Membership, Role, Topology
from designer.realtime.routing import websocket_urlpatterns
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from designer.spec.operations import apply_operations, parse_operations
from tests.sockets import open_socket

_edit_ids = itertools.count(1)


class SocketClient:
    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.revision = 0
        self.document: dict[str, Any] = {}
        self.welcome: dict[str, Any] = {}
        self.seen: list[dict[str, Any]] = []
        self.skip_findings = False
        self.syncing = False
        self.gaps = 0
        self.outbox: list[dict[str, Any]] = []

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        text = await self.communicator.receive_from(timeout)
        if self.skip_findings and text.startswith('{"type":"findings"'):
            # Many editors make many findings messages; tests that do not read them skip the
            # decoding (events are serialised with `type` first).
            return {"type": "findings"}
        message = json.loads(text)
        self.seen.append(message)
        if message["type"] == "revision":
            self.apply(message)
            while self.outbox:
                await self.send(self.outbox.pop(0))
        elif message["type"] == "resync":
            self.revision, self.document = message["revision"], message["document"]
        return message

    async def receive_type(self, *types: str, timeout: float = 5) -> dict[str, Any]:
        while True:
            message = await self.receive(timeout)
            if message["type"] in types:
                return message

    def apply(self, event: dict[str, Any]) -> None:
        if event["revision"] <= self.revision:
            return
        if event["revision"] > self.revision + 1:
            # A gap (the channel layer dropped a message): ask for what is missing, once, and
            # wait for it instead of applying out of order.
            self.gaps += 1
            if not self.syncing:
                self.syncing = True
                self.outbox.append({"type": "sync", "since_revision": self.revision})
            return
        self.syncing = False
        if event["ops"] is not None:
            self.document = apply_operations(self.document, parse_operations(event["ops"]))
        else:
            self.document = event["document"]
        self.revision = event["revision"]

    async def send(self, message: dict[str, Any]) -> None:
        await self.communicator.send_to(text_data=json.dumps(message))

    async def edit(self, ops: list[dict[str, Any]], retries: int = 1000) -> dict[str, Any]:
        """Send an edit on the current revision; on a stale answer, catch up and resend."""
        for attempt in range(retries):
            edit_id = f"e{next(_edit_ids)}"
            await self.send(
                {"type": "edit", "edit_id": edit_id, "base_revision": self.revision, "ops": ops}
            )
            while True:
                answer = await self.receive(timeout=30)
                if answer["type"] in ("ack", "rejected") and answer["edit_id"] == edit_id:
                    break
            if answer["type"] == "ack":
                self.document = apply_operations(self.document, parse_operations(answer["ops"]))
                self.revision = answer["revision"]
                return answer
            if answer["code"] != "stale_revision":
                return answer
            for event in answer["catch_up"] or []:
                self.apply(event)
            # Back off a little, at random, as the front end does, so racing editors spread out.
            await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * attempt)))
        raise AssertionError("edit never went through")

    async def drain(self, timeout: float = 0.3) -> None:
        """Read until nothing more arrives for `timeout` seconds."""
        # receive_nothing, unlike a receive that times out, leaves the consumer running.
        while not await self.communicator.receive_nothing(timeout):
            await self.receive()

    async def close(self) -> None:
        await self.communicator.disconnect()


async def connect(
    topology: Topology, user: Any = None, share: str | None = None
) -> tuple[SocketClient | None, int | None]:
    path = f"/ws/topologies/{topology.pk}/" + (f"?share={share}" if share else "")
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user or AnonymousUser()
    welcome, code = await open_socket(communicator)
    if welcome is None:
        return None, code
    assert welcome["type"] == "welcome"
    client = SocketClient(communicator)
    client.welcome, client.revision, client.document = (
        welcome,
        welcome["revision"],
        welcome["document"],
    )
    return client, None


@pytest.fixture(autouse=True)
async def fresh_channel_layer(transactional_db: None) -> Any:
    """A channel layer per test: each test runs on its own event loop, and the Redis layer's
    connections and locks belong to the loop that made them. Afterwards the consumers' database
    thread closes its connection, so the test database can be dropped."""
    channel_layers.backends.clear()
    yield
    for layer in channel_layers.backends.values():
        close = getattr(layer, "close_pools", None)
        if close is not None:
            await close()
    channel_layers.backends.clear()
    await database_sync_to_async(connections.close_all)()


@pytest.fixture
def lab(transactional_db: None) -> dict[str, Any]:
    """A project with an owner, an editor, a viewer, an outsider, and one topology."""
    people = {
        name: User.objects.create_user(name) for name in ("owner", "editor", "viewer", "outsider")
    }
    project = create_project("Lab", people["owner"])
    Membership.objects.create(project=project, user=people["editor"], role=Role.EDITOR)
    Membership.objects.create(project=project, user=people["viewer"], role=Role.VIEWER)
    other = create_project("Elsewhere", people["outsider"])
    topology = create_topology(project, "Campus", people["owner"])
    return {**people, "project": project, "other_project": other, "topology": topology}

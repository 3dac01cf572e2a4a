"""The topology WebSocket: roles, edits, ordering, stale rejection, catch-up, presence, and
deployments as they move."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from designer.asgi import application
from designer.models import Deployment, DeploymentAction, DeploymentState, Revision, ShareLink
from designer.services.deployments import log_line
from designer.services.topologies import create_topology, save_revision
from tasks.deploy import publish
from tests.builders import document, net, subnet
from tests.realtime.conftest import connect

pytestmark = pytest.mark.asyncio


def add_network(id: str, **fields: Any) -> dict[str, Any]:
    return {"op": "add", "list": "networks", "element": net(id, **fields)}


async def head_document(topology: Any) -> tuple[int, dict[str, Any]]:
    def read() -> tuple[int, dict[str, Any]]:
        topology.refresh_from_db()
        return topology.head.number, topology.head.document

    return await database_sync_to_async(read)()


# --- who may connect ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "editor", "viewer"])
async def test_members_connect_and_get_the_document(lab: dict[str, Any], who: str) -> None:
    client, _ = await connect(lab["topology"], lab[who])
    assert client is not None
    assert client.welcome["role"] == who
    assert client.welcome["can_edit"] is (who != "viewer")
    assert client.welcome["revision"] == 1
    assert client.welcome["document"]["networks"] == []
    await client.close()


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
async def test_strangers_are_refused(lab: dict[str, Any], who: str) -> None:
    client, code = await connect(lab["topology"], lab.get(who))
    assert client is None
    assert code == 4403


async def test_a_socket_left_idle_still_hears_what_happens(lab: dict[str, Any]) -> None:
    """Longer than the channel layer's wait for a socket's next message (5 s with Redis): the
    wait ends quietly and begins again; the consumer lives on."""
    watcher, _ = await connect(lab["topology"], lab["viewer"])
    editor, _ = await connect(lab["topology"], lab["editor"])
    assert watcher is not None
    assert editor is not None
    await watcher.drain()
    await asyncio.sleep(6.5)
    await editor.edit([add_network("late")])
    event = await watcher.receive_type("revision")
    assert event["ops"][0]["element"]["id"] == "late"
    await watcher.close()
    await editor.close()


async def test_an_unknown_topology_is_refused(lab: dict[str, Any]) -> None:
    lab["topology"].pk += 10_000
    client, code = await connect(lab["topology"], lab["owner"])
    assert (client, code) == (None, 4404)


async def test_share_links_read_but_never_write(lab: dict[str, Any]) -> None:
    link = await database_sync_to_async(ShareLink.objects.create)(project=lab["project"])
    visitor, _ = await connect(lab["topology"], share=link.token)
    assert visitor is not None
    assert (visitor.welcome["role"], visitor.welcome["can_edit"], visitor.welcome["user"]) == (
        "viewer",
        False,
        None,
    )
    await visitor.send(
        {"type": "edit", "edit_id": "x1", "base_revision": 1, "ops": [add_network("n1")]}
    )
    answer = await visitor.receive_type("rejected")
    assert answer["code"] == "forbidden"
    assert (await head_document(lab["topology"]))[0] == 1
    # It still receives everything others do.
    editor, _ = await connect(lab["topology"], lab["editor"])
    assert editor is not None
    await editor.edit([add_network("n1")])
    event = await visitor.receive_type("revision")
    assert event["ops"][0]["element"]["id"] == "n1"
    await visitor.close()
    await editor.close()


async def test_revoked_expired_and_foreign_share_links_are_refused(lab: dict[str, Any]) -> None:
    def make() -> list[str]:
        other_topology = create_topology(lab["project"], "Other", lab["owner"])
        now = timezone.now()
        return [
            ShareLink.objects.create(project=lab["project"], revoked_at=now).token,
            ShareLink.objects.create(project=lab["project"], expires_at=now - timedelta(1)).token,
            ShareLink.objects.create(project=lab["project"], topology=other_topology).token,
            ShareLink.objects.create(project=lab["other_project"]).token,
            "no-such-token",
        ]

    for token in await database_sync_to_async(make)():
        client, code = await connect(lab["topology"], share=token)
        assert (client, code) == (None, 4403), token


async def test_a_session_cookie_authenticates_through_the_full_application(
    lab: dict[str, Any],
) -> None:
    def login() -> str:
        client = Client()
        client.force_login(lab["editor"])
        return client.cookies["sessionid"].value

    session = await database_sync_to_async(login)()
    communicator = WebsocketCommunicator(
        application,
        f"/ws/topologies/{lab['topology'].pk}/",
        headers=[(b"cookie", f"sessionid={session}".encode()), (b"origin", b"http://127.0.0.1")],
    )
    connected, _ = await communicator.connect()
    assert connected
    welcome = json.loads(await communicator.receive_from())
    assert (welcome["type"], welcome["role"]) == ("welcome", "editor")
    await communicator.disconnect()
    # A page on another origin cannot open the socket with the visitor's cookie.
    foreign = WebsocketCommunicator(
        application,
        f"/ws/topologies/{lab['topology'].pk}/",
        headers=[(b"cookie", f"sessionid={session}".encode()), (b"origin", b"http://evil.example")],
    )
    connected, _ = await foreign.connect()
    assert not connected


async def test_a_member_removed_mid_session_can_no_longer_edit(lab: dict[str, Any]) -> None:
    client, _ = await connect(lab["topology"], lab["editor"])
    assert client is not None
    await database_sync_to_async(lab["editor"].memberships.all().delete)()
    await client.send(
        {"type": "edit", "edit_id": "late", "base_revision": 1, "ops": [add_network("n1")]}
    )
    answer = await client.receive_type("rejected")
    assert answer["code"] == "forbidden"
    await client.close()


# --- edits ----------------------------------------------------------------------------------


async def test_an_edit_is_acked_stored_and_broadcast_to_the_others(lab: dict[str, Any]) -> None:
    alice, _ = await connect(lab["topology"], lab["owner"])
    bob, _ = await connect(lab["topology"], lab["editor"])
    assert alice is not None
    assert bob is not None
    ack = await alice.edit(
        [
            add_network("n1"),
            {"op": "add", "list": "subnets", "element": subnet("s1", "n1", "10.0.0.0/24")},
        ]
    )
    assert ack["revision"] == 2
    event = await bob.receive_type("revision")
    assert (event["revision"], event["parent"], event["author"]["name"]) == (2, 1, "owner")
    assert bob.document == alice.document == (await head_document(lab["topology"]))[1]
    # Both get the findings of the new revision; the editor does not get its own revision back.
    for client in (alice, bob):
        findings = await client.receive_type("findings")
        assert findings["revision"] == 2
    await alice.drain()
    assert not [m for m in alice.seen if m["type"] == "revision"]
    await alice.close()
    await bob.close()


async def test_findings_follow_each_change(lab: dict[str, Any]) -> None:
    client, _ = await connect(lab["topology"], lab["editor"])
    assert client is not None
    await client.edit(
        [
            add_network("n1"),
            {"op": "add", "list": "subnets", "element": subnet("s1", "n1", "10.0.0.0/24")},
            {"op": "add", "list": "subnets", "element": subnet("s2", "n1", "10.0.0.128/25")},
        ]
    )
    findings = await client.receive_type("findings")
    overlap = [f for f in findings["findings"] if f["code"] == "subnet.overlap"]
    assert overlap
    assert set(overlap[0]["elements"]) >= {"s1", "s2"}
    await client.edit(
        [{"op": "update", "list": "subnets", "id": "s2", "set": {"cidr": "10.0.1.0/24"}}]
    )
    findings = await client.receive_type("findings")
    assert not [f for f in findings["findings"] if f["code"] == "subnet.overlap"]
    await client.close()


async def test_an_invalid_edit_is_refused_with_the_path_and_stores_nothing(
    lab: dict[str, Any],
) -> None:
    client, _ = await connect(lab["topology"], lab["editor"])
    assert client is not None
    answer = await client.edit(
        [{"op": "add", "list": "subnets", "element": subnet("s1", "missing", "10.0.0.0/24")}]
    )
    assert answer["code"] == "invalid_edit"
    assert answer["errors"][0]["path"] == "subnets[0].network"
    answer = await client.edit([{"op": "remove", "list": "routers", "id": "r9"}])
    assert (answer["code"], answer["errors"][0]["path"]) == ("invalid_edit", "ops[0].id")
    assert (await head_document(lab["topology"]))[0] == 1
    await client.send({"type": "edit", "edit_id": "bad", "base_revision": 1, "ops": "all"})
    error = await client.receive_type("error")
    assert error["code"] == "bad_message"
    assert error["errors"][0]["path"].startswith("edit.ops")
    await client.close()


async def test_a_stale_edit_is_rejected_with_what_was_missed(lab: dict[str, Any]) -> None:
    alice, _ = await connect(lab["topology"], lab["owner"])
    bob, _ = await connect(lab["topology"], lab["editor"])
    assert alice is not None
    assert bob is not None
    await alice.edit([add_network("n1")])
    # Bob has not read anything yet: he still thinks the topology is at revision 1.
    await bob.send(
        {"type": "edit", "edit_id": "b1", "base_revision": 1, "ops": [add_network("n2")]}
    )
    answer = await bob.receive_type("rejected")
    assert (answer["code"], answer["current_revision"]) == ("stale_revision", 2)
    # What Bob missed reaches him exactly once: in the answer, or, when his socket had already
    # relayed it, ahead of the answer on the same socket.
    relayed = [m["revision"] for m in bob.seen if m["type"] == "revision"]
    assert relayed + [e["revision"] for e in answer["catch_up"]] == [2]
    assert (await head_document(lab["topology"]))[0] == 2
    await alice.close()
    await bob.close()


async def test_whole_document_writes_reach_the_socket_as_documents(lab: dict[str, Any]) -> None:
    client, _ = await connect(lab["topology"], lab["viewer"])
    assert client is not None
    await database_sync_to_async(save_revision)(
        lab["topology"], 1, document(networks=[net("rest")]), lab["owner"], "over REST"
    )
    event = await client.receive_type("revision")
    assert event["ops"] is None
    assert event["document"]["networks"][0]["id"] == "rest"
    assert client.document["networks"][0]["id"] == "rest"
    await client.close()


# --- catching up ----------------------------------------------------------------------------


async def test_a_reconnecting_client_catches_up_from_its_last_revision(lab: dict[str, Any]) -> None:
    editor, _ = await connect(lab["topology"], lab["editor"])
    late, _ = await connect(lab["topology"], lab["viewer"])
    assert editor is not None
    assert late is not None
    await late.close()
    for n in range(3):
        await editor.edit([add_network(f"n{n}")])
    again, _ = await connect(lab["topology"], lab["viewer"])
    assert again is not None
    again.revision, again.document = late.revision, late.document  # what it had before
    await again.send({"type": "sync", "since_revision": again.revision})
    for expected in (2, 3, 4):
        assert (await again.receive_type("revision"))["revision"] == expected
    assert again.document == editor.document
    await editor.close()
    await again.close()


async def test_a_gap_too_large_to_fill_triggers_a_full_resync(lab: dict[str, Any]) -> None:
    def many() -> None:
        for n in range(105):
            save_revision(lab["topology"], n + 1, document(networks=[net(f"n{n}")]), None)

    await database_sync_to_async(many)()
    client, _ = await connect(lab["topology"], lab["viewer"])
    assert client is not None
    await client.send({"type": "sync", "since_revision": 1})
    resync = await client.receive_type("resync")
    assert resync["revision"] == 106
    assert resync["document"]["networks"][0]["id"] == "n104"
    await client.close()


# --- presence -------------------------------------------------------------------------------


async def test_presence_shows_who_is_here_and_what_they_selected(lab: dict[str, Any]) -> None:
    alice, _ = await connect(lab["topology"], lab["owner"])
    assert alice is not None
    bob, _ = await connect(lab["topology"], lab["viewer"])
    assert bob is not None
    seen = await alice.receive_type("presence")
    assert {c["user"]["name"] for c in seen["clients"]} == {"owner", "viewer"}
    await bob.send({"type": "select", "elements": ["n1"]})
    while True:
        seen = await alice.receive_type("presence")
        selections = {c["user"]["name"]: c["selection"] for c in seen["clients"]}
        if selections["viewer"] == ["n1"]:
            break
    await bob.close()
    seen = await alice.receive_type("presence")
    assert [c["user"]["name"] for c in seen["clients"]] == ["owner"]
    await alice.close()


# --- many editors at once -------------------------------------------------------------------


async def test_twenty_editors_fifty_operations_each_end_identical_and_lose_nothing(
    lab: dict[str, Any],
) -> None:
    editors = 20
    operations = 50
    clients = []
    for _ in range(editors):
        client, _ = await connect(lab["topology"], lab["editor"])
        assert client is not None
        client.skip_findings = True
        clients.append(client)

    async def work(number: int) -> None:
        client = clients[number]
        for n in range(operations):
            # Docker bridges stand alone without findings: the findings of self-service
            # networks without subnets would only make the messages bigger.
            answer = await client.edit([add_network(f"c{number}x{n}", kind="docker_user_bridge")])
            assert answer["type"] == "ack", answer

    await asyncio.gather(*(work(n) for n in range(editors)))
    head, stored = await head_document(lab["topology"])
    assert head == 1 + editors * operations
    assert len(stored["networks"]) == editors * operations
    for client in clients:
        await client.send({"type": "sync", "since_revision": client.revision})
        while client.revision < head:
            await client.receive(timeout=30)
        assert client.document == stored
        await client.close()
    rejected = sum(1 for c in clients for m in c.seen if m["type"] == "rejected")
    gaps = sum(c.gaps for c in clients)
    print(
        f"{editors * operations} edits stored, {rejected} stale answers resent, {gaps} gaps filled"
    )
    count = await database_sync_to_async(Revision.objects.filter(topology=lab["topology"]).count)()
    assert count == head


# --- deployments ----------------------------------------------------------------------------


async def test_deployment_state_arrives_on_connect_and_as_it_moves(lab: dict[str, Any]) -> None:
    def make_deployment() -> Deployment:
        return Deployment.objects.create(
            topology=lab["topology"],
            revision=lab["topology"].head,
            action=DeploymentAction.DEPLOY,
            state=DeploymentState.APPLYING,
            requested_by=lab["editor"],
            progress=40,
            hosts={"compute-1": {"done": 2, "total": 5, "state": "pending"}},
            elements={"vm1": "up", "lan": "creating"},
            log=[log_line(f"step {n}") for n in range(300)],
        )

    deployment = await database_sync_to_async(make_deployment)()
    # A viewer connecting sees the deployment whole: every element, the end of the log.
    viewer, _ = await connect(lab["topology"], lab["viewer"])
    assert viewer is not None
    first = await viewer.receive_type("deployment")
    assert first["deployment"]["id"] == deployment.pk
    assert first["deployment"]["progress"] == 40
    assert first["deployment"]["requested_by"]["name"] == "editor"
    assert first["elements"] == {"vm1": "up", "lan": "creating"}
    assert len(first["log"]) == 200
    assert first["log"][-1]["message"] == "step 299"

    # Then every change, with only what changed.
    def advance() -> None:
        deployment.state = DeploymentState.DEPLOYED
        deployment.progress = 100
        deployment.save()
        publish(deployment, {"lan": "up"}, [log_line("deploy finished")])

    await database_sync_to_async(advance)()
    event = await viewer.receive_type("deployment")
    assert event["deployment"]["state"] == "deployed"
    assert event["elements"] == {"lan": "up"}
    assert [line["message"] for line in event["log"]] == ["deploy finished"]
    await viewer.close()

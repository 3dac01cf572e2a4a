"""Revisions: saving on the head, stale writes, restore, and concurrent writers."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection

from designer.diff import diff_documents
from designer.models import Revision, Topology
from designer.models.topologies import ImmutableRevisionError
from designer.services.projects import create_project
from designer.services.topologies import (
    StaleRevisionError,
    create_topology,
    restore_revision,
    save_revision,
)
from tests.builders import document, net, subnet


@pytest.fixture
def topology(db: None) -> Topology:
    owner = User.objects.create_user("owner")
    return create_topology(create_project("Lab", owner), "Campus", owner)


def test_first_revision_is_an_empty_document(topology: Topology) -> None:
    assert topology.head is not None
    assert topology.head.number == 1
    assert topology.head.document["networks"] == []


def test_save_on_head_moves_head_forward_by_one(topology: Topology) -> None:
    doc = document(networks=[net("n1")], subnets=[subnet("s1", "n1", "10.0.0.0/24")])
    revision = save_revision(topology, 1, doc, None, "add a network")
    topology.refresh_from_db()
    assert topology.head == revision
    assert revision.parent is not None
    assert (revision.number, revision.parent.number, revision.element_count) == (2, 1, 2)
    assert revision.message == "add a network"


def test_stale_write_is_refused_and_stores_nothing(topology: Topology) -> None:
    save_revision(topology, 1, document(networks=[net("n1")]), None)
    with pytest.raises(StaleRevisionError) as raised:
        save_revision(topology, 1, document(networks=[net("other")]), None)
    assert raised.value.current.number == 2
    assert Revision.objects.filter(topology=topology).count() == 2
    topology.refresh_from_db()
    assert topology.head is not None
    assert [n["id"] for n in topology.head.document["networks"]] == ["n1"]


def test_restore_adds_a_revision_with_the_old_document(topology: Topology) -> None:
    save_revision(topology, 1, document(networks=[net("n1")]), None)
    restored = restore_revision(topology, 1, 2, None)
    assert restored.number == 3
    assert restored.document["networks"] == []
    assert restored.message == "Restored revision 1"
    with pytest.raises(StaleRevisionError):
        restore_revision(topology, 1, 2, None)


def test_revisions_are_immutable(topology: Topology) -> None:
    revision = topology.head
    assert revision is not None
    revision.message = "rewritten"
    with pytest.raises(ImmutableRevisionError):
        revision.save()


def test_diff_names_added_removed_and_changed_elements() -> None:
    old = document(networks=[net("n1"), net("n2")]).to_json()
    new = document(networks=[net("n1", mtu=1450), net("n3")]).to_json()
    diff = diff_documents(old, new)
    ops = {(c["op"], c["id"]) for c in diff["elements"]}
    assert ops == {("changed", "n1"), ("added", "n3"), ("removed", "n2")}
    changed = next(c for c in diff["elements"] if c["op"] == "changed")
    assert changed["fields"] == {"mtu": {"old": None, "new": 1450}}
    assert diff["summary"] == {"added": 1, "removed": 1, "changed": 1}


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_one_base_never_lose_an_update() -> None:
    """Eight writers race on revision 1: exactly one wins, the others are told they are stale."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises whole transactions")
    owner = User.objects.create_user("racer")
    topology = create_topology(create_project("Race", owner), "Track", owner)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def write(n: int) -> None:
        barrier.wait()
        try:
            save_revision(topology, 1, document(networks=[net(f"n{n}")]), None)
            result = "saved"
        except StaleRevisionError:
            result = "stale"
        except Exception as exc:
            result = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["saved"] + ["stale"] * 7
    assert Revision.objects.filter(topology=topology).count() == 2

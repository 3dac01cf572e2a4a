"""Topologies and their revisions: create, save on a base revision (or be told it is stale),
restore. Each write is atomic and announces itself only after it is committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from designer.models import (
    Deployment,
    DeploymentAction,
    DeploymentState,
    Project,
    Revision,
    Topology,
)
from designer.signals import revision_saved
from designer.spec import ELEMENT_LISTS as _ELEMENT_LISTS
from designer.spec import Document, parse_document
from designer.spec.operations import Operation, apply_operations, normalized_operations
from designer.spec.usage import usage_of


class StaleRevisionError(Exception):
    """The write was made on an older revision than the topology's head."""

    def __init__(self, current: Revision) -> None:
        self.current = current
        # What the writer missed, when the caller looks it up (None: too much to send).
        self.missed: Any = None
        super().__init__(f"the topology is at revision {current.number}")


def _announce(topology: Topology, revision: Revision, author: Any) -> None:
    transaction.on_commit(
        lambda: revision_saved.send(
            sender=Topology, topology=topology, revision=revision, author=author
        )
    )


def _new_revision(
    topology: Topology,
    parent: Revision | None,
    document: dict[str, Any],
    author: Any,
    message: str,
    *,
    operations: list[dict[str, Any]] | None = None,
    edit_id: str = "",
) -> Revision:
    revision = Revision(
        operations=operations,
        edit_id=edit_id,
        topology=topology,
        number=1 if parent is None else parent.number + 1,
        parent=parent,
        author=author,
        message=message,
        document=document,
        element_count=sum(len(document.get(name, ())) for name in _ELEMENT_LISTS),
        usage=usage_of(document),
    )
    revision.save(force_insert=True)
    topology.head = revision
    topology.save(update_fields=["head"])
    _announce(topology, revision, author)
    return revision


def _lock_with_head(topology: Topology) -> tuple[Topology, Revision]:
    """Lock the topology's row, then read its head. The head is read by a second query on
    purpose: a join in the locking query would, after waiting for another writer's lock, see
    the head of its old snapshot (PostgreSQL re-checks only the locked row), not the new one."""
    locked = Topology.objects.select_for_update().get(pk=topology.pk)
    if locked.head_id is None:
        raise RuntimeError(f"topology {topology.pk} has no revision")  # created with one
    # The document is read only if the write goes ahead: a stale writer does not pay for it.
    return locked, Revision.objects.defer("document").get(pk=locked.head_id)


@transaction.atomic
def create_topology(
    project: Project,
    name: str,
    author: Any,
    *,
    description: str = "",
    document: Document | None = None,
    message: str = "",
) -> Topology:
    """A topology and its first revision (an empty document unless one is given)."""
    topology = Topology.objects.create(
        project=project, name=name, description=description, created_by=author
    )
    body = (document or Document()).to_json()
    _new_revision(topology, None, body, author, message or "Created")
    return topology


@transaction.atomic
def save_revision(
    topology: Topology, base_revision: int, document: Document, author: Any, message: str = ""
) -> Revision:
    """Store `document` as the next revision if `base_revision` is still the head; otherwise
    raise StaleRevisionError carrying the head, and store nothing."""
    locked, head = _lock_with_head(topology)
    if head.number != base_revision:
        raise StaleRevisionError(head)
    return _new_revision(locked, head, document.to_json(), author, message)


@transaction.atomic
def apply_edit(
    topology: Topology,
    base_revision: int,
    operations: list[Operation],
    author: Any,
    *,
    edit_id: str,
    message: str = "",
) -> Revision:
    """Apply edit operations made on `base_revision` and store the result as the next revision.

    Raises StaleRevisionError if the head has moved, OperationError if an operation does not
    apply, DocumentError if the result is not a valid document; nothing is stored then."""
    locked, head = _lock_with_head(topology)
    if head.number != base_revision:
        raise StaleRevisionError(head)
    parsed = parse_document(apply_operations(head.document, operations))
    result = parsed.to_json()
    revision = _new_revision(
        locked,
        head,
        result,
        author,
        message,
        operations=normalized_operations(operations, result),
        edit_id=edit_id,
    )
    revision._parsed = parsed  # validation of the new revision need not parse it again
    return revision


def revisions_after(topology: Topology, number: int, limit: int) -> list[Revision] | None:
    """The revisions after `number`, oldest first; None if there are more than `limit` (the
    caller then sends the whole document instead)."""
    found = list(
        Revision.objects.filter(topology=topology, number__gt=number)
        .select_related("author", "parent")
        .defer("document", "parent__document")
        .order_by("number")[: limit + 1]
    )
    return None if len(found) > limit else found


@transaction.atomic
def restore_revision(topology: Topology, number: int, base_revision: int, author: Any) -> Revision:
    """A new revision holding the document of revision `number` (history is never rewritten)."""
    locked, head = _lock_with_head(topology)
    if head.number != base_revision:
        raise StaleRevisionError(head)
    old = Revision.objects.get(topology=locked, number=number)
    return _new_revision(locked, head, old.document, author, f"Restored revision {number}")


@transaction.atomic
def update_topology(
    topology: Topology, *, name: str | None = None, description: str | None = None
) -> Topology:
    """Rename or redescribe a topology (its document changes only through revisions)."""
    changed = {
        field: value
        for field, value in (("name", name), ("description", description))
        if value is not None
    }
    for field, value in changed.items():
        setattr(topology, field, value)
    if changed:
        topology.save(update_fields=list(changed))
    return topology


class TopologyDeployed(Exception):
    """Something of the topology may be on the hosts (deployed, under way, or left by a failed
    attempt): deleting it would leave that behind with nothing to destroy it by."""


@transaction.atomic
def delete_topology(topology: Topology) -> None:
    """A topology with its whole history and its share links, once nothing of it is deployed:
    its newest deploy attempt, if any, must be a destroy that finished."""
    newest = Deployment.objects.filter(topology=topology).order_by("-created_at", "-id").first()
    if newest is not None and (
        newest.action != DeploymentAction.DESTROY or newest.state != DeploymentState.DESTROYED
    ):
        raise TopologyDeployed(topology.pk)
    topology.delete()

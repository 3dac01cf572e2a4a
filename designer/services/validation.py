"""Validation against what the database knows: the host registry, the project's VLAN policy
and quotas, the usage of its other topologies, and who made the change."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from designer.models import Host, LabCopy, Project, Quota, Revision, Topology, VlanPolicy
from designer.spec import Document
from designer.validation import DEFAULT_QUOTAS, Finding, ValidationContext, validate


def project_usage(project: Project, *, exclude: Topology | None = None) -> dict[str, int]:
    """Elements of each quota kind over the head revisions of a project's topologies."""
    totals = dict.fromkeys(DEFAULT_QUOTAS, 0)
    heads = Revision.objects.filter(topology__project=project, topology__head=F("pk"))
    if exclude is not None:
        heads = heads.exclude(topology=exclude)
    for usage in heads.values_list("usage", flat=True):
        for kind in totals:
            totals[kind] += usage.get(kind, 0)
    return totals


def context_for(
    project: Project,
    *,
    topology: Topology | None = None,
    author: Any = None,
    base: Document | None = None,
) -> ValidationContext:
    policy = VlanPolicy.objects.filter(project=project).first()
    quota = Quota.objects.filter(project=project).first()
    limits = quota.as_limits() if quota else dict(DEFAULT_QUOTAS)
    # A student's lab copy has the lab's limits to itself, whatever else its project holds
    # (the other copies of a shared lab).
    copy = (
        LabCopy.objects.select_related("lab").filter(topology=topology).first()
        if topology
        else None
    )
    return ValidationContext(
        hosts={host.name: host.as_context() for host in Host.objects.all()},
        policy=policy.as_context() if policy else None,
        quotas={**limits, **copy.lab.copy_quotas} if copy else limits,
        usage_elsewhere={} if copy else project_usage(project, exclude=topology),
        author_is_admin=None if author is None else bool(author.is_staff),
        base=base,
    )


def _judged(author: Any) -> bool:
    """Whether the ownership rules judge `author`'s change, and so need the revision it was
    made on: they are skipped without an author, and an admin may add anything."""
    return author is not None and not author.is_staff


def validate_revision(revision: Revision) -> list[Finding]:
    """Findings for a stored revision, judged as its author made it on its parent."""
    topology = revision.topology
    parent = revision.parent if _judged(revision.author) else None
    base = parent.parsed() if parent is not None else None
    context = context_for(topology.project, topology=topology, author=revision.author, base=base)
    return validate(revision.parsed(), context)


def validate_draft(
    project: Project, document: Document, *, topology: Topology | None, author: Any
) -> list[Finding]:
    """Findings for a posted document, judged as `author` saving it on the topology's head."""
    head = topology.head if topology is not None and _judged(author) else None
    base = head.parsed() if head is not None else None
    context = context_for(project, topology=topology, author=author, base=base)
    return validate(document, context)

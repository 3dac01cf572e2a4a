"""Quota rules: element counts over all of a project's topologies against its quotas."""

from __future__ import annotations

from collections.abc import Iterator

from designer.spec import Document
from designer.validation.catalog import rule
from designer.validation.context import DEFAULT_QUOTAS, ValidationContext
from designer.validation.findings import Finding, Severity, error
from designer.validation.index import TopologyIndex

# The document list each quota kind counts; every port counts, router ports too, as in Neutron.
QUOTA_KINDS = tuple(DEFAULT_QUOTAS)

_WORDS = {
    "networks": ("network", "networks"),
    "subnets": ("subnet", "subnets"),
    "ports": ("port", "ports"),
    "routers": ("router", "routers"),
    "floating_ips": ("floating IP", "floating IPs"),
    "instances": ("instance", "instances"),
}


def count_usage(document: Document) -> dict[str, int]:
    """Elements of each quota kind in one document."""
    return {kind: len(getattr(document, kind)) for kind in QUOTA_KINDS}


def _count(kind: str, count: int) -> str:
    singular, plural = _WORDS[kind]
    return f"{count} {singular if count == 1 else plural}"


@rule(
    "quotas",
    (
        "quota.exceeded",
        Severity.ERROR,
        "The project would have more elements of a kind than its quota allows.",
    ),
)
def quotas(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    """`elements` are this document's elements of the kind that do not fit under the quota."""
    if context.quotas is None:
        return
    here = count_usage(index.document)
    for kind in QUOTA_KINDS:
        limit = context.quotas.get(kind)
        # Neutron's -1 means unlimited.
        if limit is None or limit < 0:
            continue
        elsewhere = max(0, context.usage_elsewhere.get(kind, 0))
        count = here[kind] + elsewhere
        if count <= limit:
            continue
        over = count - limit
        elements = [element.id for element in getattr(index.document, kind)[-over:]]
        _, plural = _WORDS[kind]
        yield error(
            "quota.exceeded",
            elements,
            f"The project would have {_count(kind, count)} ({here[kind]} in this topology, "
            f"{elsewhere} in its others), over its quota of {limit}: remove "
            f"{_count(kind, over)} or ask an admin to raise the quota of {plural}.",
            kind=kind,
            count=count,
            limit=limit,
        )

"""Share links: read-only access to a project or one of its topologies, without an account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from designer.models import Project, ShareLink, Topology


@transaction.atomic
def create_share_link(
    project: Project,
    author: Any,
    *,
    topology: Topology | None = None,
    label: str = "",
    expires_at: datetime | None = None,
) -> ShareLink:
    """A new link with a fresh random token, for the whole project or one of its topologies."""
    if topology is not None and topology.project_id != project.pk:
        raise ValueError("the topology belongs to another project")
    return ShareLink.objects.create(
        project=project, topology=topology, label=label, expires_at=expires_at, created_by=author
    )


@transaction.atomic
def revoke_share_link(link: ShareLink) -> ShareLink:
    """The link stops working at once; it stays listed, marked revoked. Revoking twice is a
    no-op that keeps the first time."""
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    link.refresh_from_db(fields=["revoked_at"])
    return link

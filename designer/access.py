"""Who may do what on a project: the one place roles are decided.

A caller is a user (session or token) or a share link. Staff users are admins: they hold the
owner role on every project and alone manage hosts, quotas, VLAN policies and provider
networks. A share link is a viewer of its project, or of one topology of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from designer.models import Membership, Project, Role, ShareLink, Topology
from designer.models.projects import ROLE_RANK


@dataclass(frozen=True, slots=True)
class Caller:
    user: Any | None  # a django User, or None for a share link / anonymous
    share_link: ShareLink | None = None

    @property
    def is_admin(self) -> bool:
        return bool(self.user is not None and self.user.is_active and self.user.is_staff)

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user is not None and self.user.is_authenticated)


def project_role(caller: Caller, project: Project, topology: Topology | None = None) -> Role | None:
    """The caller's role on a project (or on one topology of it), or None for no access."""
    if caller.share_link is not None:
        link = caller.share_link
        if not link.is_active or link.project_id != project.pk:
            return None
        if link.topology_id is not None and (topology is None or topology.pk != link.topology_id):
            return None
        return Role.VIEWER
    if caller.user is None or not caller.user.is_authenticated or not caller.user.is_active:
        return None
    if caller.is_admin:
        return Role.OWNER
    role = (
        Membership.objects.filter(project=project, user=caller.user)
        .values_list("role", flat=True)
        .first()
    )
    return Role(role) if role else None


def has_role(
    caller: Caller, project: Project, needed: Role, topology: Topology | None = None
) -> bool:
    role = project_role(caller, project, topology)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[needed]


def visible_projects(caller: Caller) -> Any:
    """The projects a caller may list."""
    if caller.share_link is not None:
        link = caller.share_link
        return (
            Project.objects.filter(pk=link.project_id) if link.is_active else Project.objects.none()
        )
    if not caller.is_authenticated:
        return Project.objects.none()
    if caller.is_admin:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=caller.user)


def visible_topologies(caller: Caller) -> Any:
    if caller.share_link is not None:
        link = caller.share_link
        if not link.is_active:
            return Topology.objects.none()
        found = Topology.objects.filter(project_id=link.project_id)
        return found.filter(pk=link.topology_id) if link.topology_id else found
    return Topology.objects.filter(project__in=visible_projects(caller))

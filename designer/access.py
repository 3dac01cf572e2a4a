"""Who may do what on a project: the one place roles are decided.

A caller is a user (session or token) or a share link. Staff users are admins: they hold the
owner role on every project and alone manage hosts, quotas, VLAN policies and provider
networks. A share link is a viewer of its project, or of one topology of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from designer.models import Membership, Project, Role, ShareLink, Topology
from designer.models.labs import Enrolment, Lab
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


# --- teaching labs -------------------------------------------------------------------------

INSTRUCTOR = "instructor"  # an owner of the class project (or an admin): manages its labs
CLASS_STAFF = "staff"  # an editor or viewer of the class project: reads labs and progress
STUDENT = "student"  # enrolled in the class: reads its published labs, starts and checks


def lab_access(caller: Caller, lab: Lab) -> str | None:
    """What the caller is to a lab: INSTRUCTOR, CLASS_STAFF, STUDENT, or None (no access).
    Share links never reach labs: a lab is teaching material, not a topology to show."""
    if caller.share_link is not None or caller.user is None or not caller.is_authenticated:
        return None
    role = project_role(caller, lab.project)
    if role == Role.OWNER:
        return INSTRUCTOR
    if role is not None:
        return CLASS_STAFF
    enrolled = Enrolment.objects.filter(project_id=lab.project_id, student=caller.user).exists()
    return STUDENT if enrolled and lab.published else None


def visible_labs(caller: Caller) -> Any:
    """The labs a caller may list: every lab of its classes' projects, and the published labs
    of the classes it is enrolled in."""
    if caller.share_link is not None or not caller.is_authenticated:
        return Lab.objects.none()
    if caller.is_admin:
        return Lab.objects.all()
    return Lab.objects.filter(
        Q(project__memberships__user=caller.user)
        | Q(project__enrolments__student=caller.user, published=True)
    ).distinct()

"""Creating projects and managing their members."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from designer.models import Membership, Project, Quota, Role, VlanPolicy


@transaction.atomic
def create_project(name: str, owner: Any, description: str = "") -> Project:
    """A project with its creator as owner, Neutron's default quotas and the default policy."""
    project = Project.objects.create(name=name, description=description, created_by=owner)
    Membership.objects.create(project=project, user=owner, role=Role.OWNER)
    Quota.objects.create(project=project)
    VlanPolicy.objects.create(project=project)
    return project


class LastOwnerError(ValueError):
    """A project must keep at least one owner."""


@transaction.atomic
def change_role(membership: Membership, role: Role) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.OWNER and role != Role.OWNER:
        _keep_an_owner(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(membership: Membership) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.OWNER:
        _keep_an_owner(membership)
    membership.delete()


def _keep_an_owner(membership: Membership) -> None:
    owners = Membership.objects.select_for_update().filter(
        project_id=membership.project_id, role=Role.OWNER
    )
    if owners.exclude(pk=membership.pk).count() == 0:
        raise LastOwnerError("a project must keep at least one owner")


class AlreadyMemberError(ValueError):
    """The user already holds a role on the project."""


@transaction.atomic
def add_member(project: Project, user: Any, role: Role) -> Membership:
    if Membership.objects.select_for_update().filter(project=project, user=user).exists():
        raise AlreadyMemberError(f"{user.get_username()} is already a member of {project.name}")
    return Membership.objects.create(project=project, user=user, role=role)


@transaction.atomic
def update_project(
    project: Project, *, name: str | None = None, description: str | None = None
) -> Project:
    """Rename or redescribe a project; fields left None stay as they are."""
    changed = {
        field: value
        for field, value in (("name", name), ("description", description))
        if value is not None
    }
    for field, value in changed.items():
        setattr(project, field, value)
    if changed:
        project.save(update_fields=list(changed))
    return project


@transaction.atomic
def delete_project(project: Project) -> None:
    """A project with its topologies, revisions, members and share links."""
    project.delete()

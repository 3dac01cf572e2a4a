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

"""The API's side of roles. Every decision is `designer.access`'s; this module only says which
role each action needs and turns the answer into 401, 403 or 404.

A project the caller may not see answers 404 (its existence is not revealed); one it may see but
not change answers 403. A share link reads and never writes, whatever the view says, except for
the few POSTs that write nothing (validating a draft), which a view lists in `share_links_may`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from designer.access import Caller, project_role
from designer.models import (
    Membership,
    Project,
    Quota,
    Revision,
    Role,
    ShareLink,
    Topology,
    VlanPolicy,
)
from designer.models.projects import ROLE_RANK


class Need(StrEnum):
    """What an action asks of the caller."""

    USER = "user"  # any signed-in account (not a share link)
    VIEWER = "viewer"
    EDITOR = "editor"
    OWNER = "owner"
    ADMIN = "admin"  # staff only, even among a project's owners


def caller_of(request: Request) -> Caller:
    link = request.auth if isinstance(request.auth, ShareLink) else None
    user = request.user if request.user is not None and request.user.is_authenticated else None
    return Caller(user=user, share_link=link)


def scope_of(obj: Any) -> tuple[Project, Topology | None]:
    """The project an object belongs to, and its topology where it has one."""
    if isinstance(obj, Project):
        return obj, None
    if isinstance(obj, Topology):
        return obj.project, obj
    if isinstance(obj, Revision):
        return obj.topology.project, obj.topology
    if isinstance(obj, Membership | ShareLink | Quota | VlanPolicy):
        return obj.project, None
    raise TypeError(f"no project scope for {type(obj).__name__}")


def check_role(request: Request, obj: Any, need: Need) -> None:
    """Raise NotFound if the caller may not see `obj`'s project, PermissionDenied if it may see
    it but `need` is more than it has."""
    caller = caller_of(request)
    project, topology = scope_of(obj)
    role = project_role(caller, project, topology)
    if role is None:
        raise NotFound()
    allowed = (
        caller.is_admin
        if need is Need.ADMIN
        else need is Need.USER or ROLE_RANK[role] >= ROLE_RANK[Role(need.value)]
    )
    if not allowed:
        raise PermissionDenied(_denial(need))


def _denial(need: Need) -> str:
    if need is Need.ADMIN:
        return "Only an admin may do this."
    return f"This needs the {need.value} role on the project."


def needed(view: Any, request: Request) -> Need:
    """The view's `needs` maps an action (viewsets) or an HTTP method to what it needs."""
    needs: dict[str, Need] = view.needs
    action = getattr(view, "action", None)
    if action in needs:
        return needs[action]
    return needs[request.method or "GET"]


class RolePermission(BasePermission):
    """Someone must be calling; share links stay read-only; object checks ask the role."""

    message = "This needs an account with the right role."

    def has_permission(self, request: Request, view: Any) -> bool:
        caller = caller_of(request)
        if caller.share_link is None:
            return caller.is_authenticated
        if request.method in SAFE_METHODS:
            return needed(view, request) not in (Need.USER, Need.ADMIN)
        self.message = "A share link can only read."
        return request.method in getattr(view, "share_links_may", ())

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        check_role(request, obj, needed(view, request))
        return True


class HostRegistryPermission(BasePermission):
    """The host registry: any signed-in account reads it, only an admin changes it."""

    message = "Only an admin may change the host registry."

    def has_permission(self, request: Request, view: Any) -> bool:
        caller = caller_of(request)
        if not caller.is_authenticated:
            if caller.share_link is not None:
                self.message = "A share link cannot read the host registry."
            return False
        return request.method in SAFE_METHODS or caller.is_admin


class AdminPermission(BasePermission):
    """Endpoints about this machine rather than a project (the lab fabric): admins only, for
    reading too; a share link never."""

    message = "Only an admin may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        caller = caller_of(request)
        if caller.share_link is not None:
            self.message = "A share link cannot do this."
            return False
        return caller.is_authenticated and caller.is_admin

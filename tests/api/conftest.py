"""Factories for the API tests: users, projects with members, topologies with revisions, share
links and hosts, made through the same services the API calls; and clients that authenticate
the way real callers do (a Bearer token, a share link header, a session)."""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from designer.models import (
    Deployment,
    DeploymentAction,
    DeploymentState,
    Host,
    Membership,
    Project,
    Quota,
    Revision,
    Role,
    ShareLink,
    Topology,
    VlanPolicy,
)
from designer.services.projects import add_member, create_project
from designer.services.topologies import create_topology, save_revision
from designer.spec import parse_document

API = "/api/v1/"
PASSWORD = "correct horse battery staple"

# A small, clean topology: two tiers behind a router, and a Docker bridge beside them.
SAMPLE_DOCUMENT: dict[str, Any] = {
    "description": "Two tiers behind a router",
    "networks": [
        {"id": "web", "name": "Web tier", "kind": "self_service"},
        {"id": "db", "name": "DB tier", "kind": "self_service"},
        {"id": "apps", "name": "apps", "kind": "docker_user_bridge"},
    ],
    "subnets": [
        {"id": "web-v4", "network": "web", "cidr": "10.0.1.0/24", "gateway_ip": "10.0.1.1"},
        {"id": "db-v4", "network": "db", "cidr": "10.0.2.0/24", "gateway_ip": "10.0.2.1"},
        {"id": "apps-v4", "network": "apps", "cidr": "172.20.0.0/16"},
    ],
    "instances": [
        {"id": "web1", "name": "web1", "image": "nginx:1.27"},
        {"id": "db1", "name": "db1", "image": "postgres:17"},
    ],
    "routers": [{"id": "r1", "name": "edge"}],
    "ports": [
        {
            "id": "web1-p",
            "network": "web",
            "device": "web1",
            "fixed_ips": [{"subnet": "web-v4", "ip_address": "10.0.1.10"}],
        },
        {
            "id": "db1-p",
            "network": "db",
            "device": "db1",
            "fixed_ips": [{"subnet": "db-v4", "ip_address": "10.0.2.10"}],
        },
        {
            "id": "r1-web",
            "network": "web",
            "device": "r1",
            "fixed_ips": [{"subnet": "web-v4", "ip_address": "10.0.1.1"}],
        },
        {
            "id": "r1-db",
            "network": "db",
            "device": "r1",
            "fixed_ips": [{"subnet": "db-v4", "ip_address": "10.0.2.1"}],
        },
    ],
    "layout": {
        "positions": {"web": {"x": 0, "y": 0}, "r1": {"x": 100, "y": 50}},
        "groups": [{"id": "tiers", "label": "Tiers", "members": ["web", "db"]}],
    },
}


def sample_document() -> dict[str, Any]:
    return copy.deepcopy(SAMPLE_DOCUMENT)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # The default hasher takes a noticeable part of a second per user; tests make hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Factory:
    """Makes stored things with unique names; each method writes through the services."""

    def __init__(self) -> None:
        self._numbers = itertools.count(1)

    def _next(self) -> int:
        return next(self._numbers)

    def user(self, username: str | None = None, *, staff: bool = False) -> Any:
        username = username or f"user{self._next()}"
        return get_user_model().objects.create_user(
            username=username, password=PASSWORD, is_staff=staff
        )

    def project(self, owner: Any = None, *, name: str | None = None, **members: Any) -> Project:
        """`project(owner, editor=user, viewer=user)`: roles by keyword."""
        project = create_project(name or f"Project {self._next()}", owner or self.user())
        for role, user in members.items():
            add_member(project, user, Role(role))
        return project

    def topology(
        self,
        project: Project,
        *,
        name: str | None = None,
        document: dict[str, Any] | None = None,
        revisions: int = 1,
    ) -> Topology:
        """A topology whose head is `document` (the sample by default) at revision
        `revisions`; each revision after the first adds a network `extraN` with a subnet."""
        body = sample_document() if document is None else document
        author = project.memberships.first().user  # type: ignore[union-attr]
        topology = create_topology(
            project, name or f"Topology {self._next()}", author, document=parse_document(body)
        )
        for number in range(2, revisions + 1):
            extra = copy.deepcopy(body)
            extra["networks"].append(
                {"id": f"extra{number}", "name": f"extra {number}", "kind": "self_service"}
            )
            extra["subnets"].append(
                {"id": f"extra{number}-v4", "network": f"extra{number}", "cidr": "10.9.0.0/24"}
            )
            save_revision(topology, number - 1, parse_document(extra), author, f"Step {number}")
        topology.refresh_from_db()
        return topology

    def share_link(
        self,
        project: Project,
        *,
        topology: Topology | None = None,
        revoked: bool = False,
        expired: bool = False,
    ) -> ShareLink:
        now = timezone.now()
        return ShareLink.objects.create(
            project=project,
            topology=topology,
            label=f"Link {self._next()}",
            revoked_at=now if revoked else None,
            expires_at=now - timedelta(hours=1) if expired else now + timedelta(days=7),
        )

    def host(self, name: str | None = None, **fields: Any) -> Host:
        return Host.objects.create(name=name or f"compute-{self._next()}", **fields)


@pytest.fixture
def make(db: None) -> Factory:
    return Factory()


def client_for(user: Any = None, link: ShareLink | None = None) -> APIClient:
    """A client that calls as `user` (Bearer token) or through `link` (Share header), or
    anonymously with neither."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    elif link is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Share {link.token}")
    return client


@pytest.fixture
def api() -> Any:
    return client_for


@dataclass
class World:
    """One project seen by every kind of caller, and one project of someone else."""

    owner: Any
    editor: Any
    viewer: Any
    outsider: Any
    admin: Any
    newcomer: Any
    project: Project
    other_project: Project
    topology: Topology  # two revisions; the topology-scoped link covers it
    second_topology: Topology
    project_link: ShareLink
    topology_link: ShareLink
    revoked_link: ShareLink
    expired_link: ShareLink
    host: Host
    clients: dict[str, APIClient] = field(default_factory=dict)

    def ids(self) -> dict[str, Any]:
        return {
            "P": self.project.pk,
            "T1": self.topology.pk,
            "T2": self.second_topology.pk,
            "L": self.project_link.pk,
            "H": self.host.pk,
            "editor": self.editor.username,
        }


CALLERS = (
    "anonymous",
    "project_link",
    "topology_link",
    "revoked_link",
    "expired_link",
    "viewer",
    "editor",
    "owner",
    "outsider",
    "admin",
)


@pytest.fixture
def world(make: Factory) -> World:
    owner, editor, viewer = make.user("owner"), make.user("editor"), make.user("viewer")
    outsider = make.user("outsider")
    project = make.project(owner, name="Lab", editor=editor, viewer=viewer)
    topology = make.topology(project, name="Campus", revisions=2)
    world = World(
        owner=owner,
        editor=editor,
        viewer=viewer,
        outsider=outsider,
        admin=make.user("admin", staff=True),
        newcomer=make.user("newcomer"),
        project=project,
        other_project=make.project(outsider, name="Elsewhere"),
        topology=topology,
        second_topology=make.topology(project, name="Branch"),
        project_link=make.share_link(project),
        topology_link=make.share_link(project, topology=topology),
        revoked_link=make.share_link(project, revoked=True),
        expired_link=make.share_link(project, expired=True),
        host=make.host("compute-1", physical_networks={"physnet1": "eth1"}),
    )
    world.clients = {
        "anonymous": client_for(),
        "project_link": client_for(link=world.project_link),
        "topology_link": client_for(link=world.topology_link),
        "revoked_link": client_for(link=world.revoked_link),
        "expired_link": client_for(link=world.expired_link),
        "viewer": client_for(viewer),
        "editor": client_for(editor),
        "owner": client_for(owner),
        "outsider": client_for(outsider),
        "admin": client_for(world.admin),
    }
    return world


def stored_state() -> dict[str, list[Any]]:
    """Everything a request could change, to compare before and after a refused one."""
    return {
        "users": list(get_user_model().objects.order_by("pk").values_list("pk", "username")),
        "projects": list(Project.objects.order_by("pk").values_list("pk", "name", "description")),
        "memberships": list(
            Membership.objects.order_by("pk").values_list("project", "user", "role")
        ),
        "topologies": list(
            Topology.objects.order_by("pk").values_list("pk", "name", "description", "head")
        ),
        "revisions": list(
            Revision.objects.order_by("pk").values_list("pk", "topology", "number", "document")
        ),
        "share_links": list(ShareLink.objects.order_by("pk").values()),
        "quotas": list(Quota.objects.order_by("pk").values()),
        "policies": list(VlanPolicy.objects.order_by("pk").values()),
        "hosts": list(Host.objects.order_by("pk").values()),
    }


def assert_input_error(response: Any, path: str, code: str = "invalid_input") -> None:
    """A 400 with the code and an error at `path`."""
    body = response.json()
    assert response.status_code == 400, body
    assert body["code"] == code, body
    paths = [error["path"] for error in body["errors"]]
    assert path in paths, body


def deployment_attempt(
    topology: Topology,
    action: str = DeploymentAction.DEPLOY,
    state: str = DeploymentState.DEPLOYED,
) -> Deployment:
    """A deploy (of the head) or destroy of `topology` in `state`, as the workers leave one:
    finished once deployed or destroyed."""
    finished = state in (DeploymentState.DEPLOYED, DeploymentState.DESTROYED)
    return Deployment.objects.create(
        topology=topology,
        revision=topology.head if action == DeploymentAction.DEPLOY else None,
        action=action,
        state=state,
        finished_at=timezone.now() if finished else None,
    )

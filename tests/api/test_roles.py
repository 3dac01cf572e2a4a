"""The role matrix: every endpoint and method, called by every kind of caller, answers exactly
the expected status; a refused call changes nothing stored.

Callers (columns, in this order): anonymous; a share link for the whole project; a share link
for one topology (T1); a revoked and an expired project link; the project's viewer, editor and
owner; a member of another project only; an admin (staff). A new endpoint is one more row.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import pytest
from django.utils import timezone

from designer.api.errors import ERROR_CODES
from designer.models import Deployment, DeploymentAction, DeploymentState, Revision
from tests.api.conftest import API, CALLERS, PASSWORD, World, sample_document, stored_state


class Row(NamedTuple):
    method: str
    # {P} project, {T1} {T2} topologies, {L} share link, {H} host, {editor} username,
    # {D1} T1's finished deploy, {D2} T2's deploy under way
    path: str
    body: dict[str, Any] | None
    expected: tuple[int, ...]  # one status per caller, in CALLERS order


# Request bodies that succeed for a caller allowed to make the call.
BODIES: dict[str, dict[str, Any]] = {
    "credentials": {"username": "owner", "password": PASSWORD},
    "project": {"name": "New project", "description": "Fresh"},
    "member": {"username": "newcomer", "role": "viewer"},
    "role": {"role": "viewer"},
    "quota": {
        "networks": 5,
        "subnets": 5,
        "ports": 50,
        "routers": 2,
        "floating_ips": 3,
        "instances": 10,
    },
    "quota_some": {"networks": 5},
    "policy": {"ranges": {"tenant": [[100, 200]]}, "forbidden_pairs": []},
    "share": {"topology": "{T1}", "label": "For review"},
    "topology": {"project": "{P}", "name": "Fresh"},
    "rename": {"name": "Renamed", "description": "Changed"},
    "describe": {"description": "Changed"},
    "save": {"base_revision": 2, "document": sample_document(), "message": "Edit"},
    "restore": {"base_revision": 2},
    "draft": {"document": sample_document()},
    "draft_in_p": {"document": sample_document(), "project": "{P}"},
    "host": {"name": "compute-9", "role": "compute", "physical_networks": {"ext": "eth2"}},
    "external": {"external": True},
    "deploy": {"action": "deploy"},
    "destroy": {"action": "destroy"},
}

# Columns after the body: anonymous, project link, topology link (T1), revoked link, expired
# link, viewer, editor, owner, outsider, admin.
MATRIX = """
# auth: open to everyone (these ignore the Authorization header)
POST   auth/token/                          credentials 200 200 200 200 200 200 200 200 200 200
GET    auth/session/                        -           204 204 204 204 204 204 204 204 204 204
POST   auth/session/                        credentials 200 200 200 200 200 200 200 200 200 200
DELETE auth/session/                        -           204 204 204 204 204 204 204 204 204 204
GET    me/                                  -           401 200 200 401 401 200 200 200 200 200
# projects
GET    projects/                            -           401 200 200 401 401 200 200 200 200 200
POST   projects/                            project     401 403 403 401 401 201 201 201 201 201
GET    projects/{P}/                        -           401 200 404 401 401 200 200 200 404 200
PUT    projects/{P}/                        rename      401 403 403 401 401 403 403 200 404 200
PATCH  projects/{P}/                        describe    401 403 403 401 401 403 403 200 404 200
DELETE projects/{P}/                        -           401 403 403 401 401 403 403 204 404 204
# members (the editor may leave; a viewer may not remove the editor)
GET    projects/{P}/members/                -           401 200 404 401 401 200 200 200 404 200
POST   projects/{P}/members/                member      401 403 403 401 401 403 403 201 404 201
GET    projects/{P}/members/{editor}/       -           401 200 404 401 401 200 200 200 404 200
PUT    projects/{P}/members/{editor}/       role        401 403 403 401 401 403 403 200 404 200
PATCH  projects/{P}/members/{editor}/       role        401 403 403 401 401 403 403 200 404 200
DELETE projects/{P}/members/{editor}/       -           401 403 403 401 401 403 204 204 404 204
# quotas and VLAN policy: members read, admins write
GET    projects/{P}/quota/                  -           401 200 404 401 401 200 200 200 404 200
PUT    projects/{P}/quota/                  quota       401 403 403 401 401 403 403 403 404 200
PATCH  projects/{P}/quota/                  quota_some  401 403 403 401 401 403 403 403 404 200
GET    projects/{P}/vlan-policy/            -           401 200 404 401 401 200 200 200 404 200
PUT    projects/{P}/vlan-policy/            policy      401 403 403 401 401 403 403 403 404 200
# share links: owners only
GET    projects/{P}/share-links/            -           401 403 404 401 401 403 403 200 404 200
POST   projects/{P}/share-links/            share       401 403 403 401 401 403 403 201 404 201
GET    projects/{P}/share-links/{L}/        -           401 403 404 401 401 403 403 200 404 200
DELETE projects/{P}/share-links/{L}/        -           401 403 403 401 401 403 403 204 404 204
# topologies (the outsider names a project it cannot see: a bad field)
GET    topologies/                          -           401 200 200 401 401 200 200 200 200 200
POST   topologies/                          topology    401 403 403 401 401 403 201 201 400 201
GET    topologies/{T1}/                     -           401 200 200 401 401 200 200 200 404 200
GET    topologies/{T2}/                     -           401 200 404 401 401 200 200 200 404 200
PUT    topologies/{T1}/                     rename      401 403 403 401 401 403 200 200 404 200
PATCH  topologies/{T1}/                     describe    401 403 403 401 401 403 200 200 404 200
DELETE topologies/{T1}/                     -           401 403 403 401 401 403 403 204 404 204
# the document and its history
GET    topologies/{T1}/document/            -           401 200 200 401 401 200 200 200 404 200
GET    topologies/{T2}/document/            -           401 200 404 401 401 200 200 200 404 200
PUT    topologies/{T1}/document/            save        401 403 403 401 401 403 200 200 404 200
PATCH  topologies/{T1}/document/            save        401 403 403 401 401 405 405 405 405 405
GET    topologies/{T1}/export/              -           401 200 200 401 401 200 200 200 404 200
GET    topologies/{T2}/export/              -           401 200 404 401 401 200 200 200 404 200
POST   topologies/{T1}/export/              -           401 403 403 401 401 405 405 405 405 405
GET    topologies/{T1}/revisions/           -           401 200 200 401 401 200 200 200 404 200
GET    topologies/{T2}/revisions/           -           401 200 404 401 401 200 200 200 404 200
GET    topologies/{T1}/revisions/1/         -           401 200 200 401 401 200 200 200 404 200
POST   topologies/{T1}/revisions/1/restore/ restore     401 403 403 401 401 403 201 201 404 201
GET    topologies/{T1}/diff/?from=1&to=2    -           401 200 200 401 401 200 200 200 404 200
# validation reads, so share links may post drafts
GET    topologies/{T1}/validate/            -           401 200 200 401 401 200 200 200 404 200
GET    topologies/{T2}/validate/            -           401 200 404 401 401 200 200 200 404 200
POST   topologies/{T1}/validate/            draft       401 200 200 401 401 200 200 200 404 200
POST   topologies/{T2}/validate/            draft       401 200 404 401 401 200 200 200 404 200
POST   validate/                            draft       401 200 200 401 401 200 200 200 200 200
POST   validate/                            draft_in_p  401 200 400 401 401 200 200 200 400 200
# the host registry: accounts read, admins write
GET    hosts/                               -           401 403 403 401 401 200 200 200 200 200
GET    hosts/{H}/                           -           401 403 403 401 401 200 200 200 200 200
POST   hosts/                               host        401 403 403 401 401 403 403 403 403 201
PUT    hosts/{H}/                           host        401 403 403 401 401 403 403 403 403 200
PATCH  hosts/{H}/                           external    401 403 403 401 401 403 403 403 403 200
DELETE hosts/{H}/                           -           401 403 403 401 401 403 403 403 403 204
# deploys: members read them and preview plans, editors deploy and cancel; T2 has one under way
GET    topologies/{T1}/deployments/         -           401 200 200 401 401 200 200 200 404 200
GET    topologies/{T2}/deployments/         -           401 200 404 401 401 200 200 200 404 200
POST   topologies/{T1}/deployments/         deploy      401 403 403 401 401 403 202 202 404 202
POST   topologies/{T1}/deployments/         destroy     401 403 403 401 401 403 202 202 404 202
POST   topologies/{T2}/deployments/         deploy      401 403 403 401 401 403 409 409 404 409
GET    topologies/{T1}/deployments/{D1}/    -           401 200 200 401 401 200 200 200 404 200
GET    topologies/{T2}/deployments/{D2}/    -           401 200 404 401 401 200 200 200 404 200
GET    topologies/{T2}/deployments/{D1}/    -           401 404 404 401 401 404 404 404 404 404
DELETE topologies/{T1}/deployments/{D1}/    -           401 403 403 401 401 405 405 405 405 405
POST   topologies/{T2}/deployments/{D2}/cancel/ -       401 403 403 401 401 403 200 200 404 200
POST   topologies/{T1}/deployments/{D1}/cancel/ -       401 403 403 401 401 403 409 409 404 409
POST   topologies/{T1}/deployments/{D1}/observe/ -      401 403 403 401 401 403 202 202 404 202
POST   topologies/{T2}/deployments/{D2}/observe/ -      401 403 403 401 401 403 409 409 404 409
GET    topologies/{T1}/plan/                -           401 200 200 401 401 200 200 200 404 200
GET    topologies/{T2}/plan/?revision=1     -           401 200 404 401 401 200 200 200 404 200
# the VRRP timeline of HA routers: members and share links read it, no one writes it
GET    topologies/{T1}/vrrp/                -           401 200 200 401 401 200 200 200 404 200
GET    topologies/{T2}/vrrp/                -           401 200 404 401 401 200 200 200 404 200
POST   topologies/{T1}/vrrp/                -           401 403 403 401 401 405 405 405 405 405
GET    topologies/{T1}/lb-members/          -           401 200 200 401 401 200 200 200 404 200
GET    topologies/{T2}/lb-members/          -           401 200 404 401 401 200 200 200 404 200
POST   topologies/{T1}/lb-members/          -           401 403 403 401 401 405 405 405 405 405
# public catalogs
GET    schema/topology/                     -           200 200 200 200 200 200 200 200 200 200
GET    validation/codes/                    -           200 200 200 200 200 200 200 200 200 200
"""


def _rows(table: str) -> list[Row]:
    rows = []
    for line in table.strip().splitlines():
        if line.startswith("#"):
            continue
        method, path, body, *statuses = line.split()
        rows.append(
            Row(method, path, None if body == "-" else BODIES[body], tuple(map(int, statuses)))
        )
    return rows


ROWS = _rows(MATRIX)


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    """Put the world's ids into a row's path or body (`"{P}"` alone becomes the integer)."""
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


CASES = [
    pytest.param(row, caller, id=f"{row.method} {row.path} as {caller}")
    for row in ROWS
    for caller in CALLERS
]


def deployments(world: World) -> dict[str, int]:
    """T1 deployed at revision 1, and a deploy of T2 waiting to start."""
    deployed = Deployment.objects.create(
        topology=world.topology,
        revision=Revision.objects.get(topology=world.topology, number=1),
        action=DeploymentAction.DEPLOY,
        state=DeploymentState.DEPLOYED,
        finished_at=timezone.now(),
    )
    waiting = Deployment.objects.create(
        topology=world.second_topology,
        revision=world.second_topology.head,
        action=DeploymentAction.DEPLOY,
    )
    return {"D1": deployed.pk, "D2": waiting.pk}


def test_every_row_names_every_caller() -> None:
    assert all(len(row.expected) == len(CALLERS) for row in ROWS)


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "caller"), CASES)
def test_role_matrix(world: World, row: Row, caller: str) -> None:
    # Deployments exist only for the rows about deploys: every other row sees the world as is.
    about_deploys = any(part in row.path for part in ("/deployments/", "/plan/"))
    ids = {**world.ids(), **(deployments(world) if about_deploys else {})}
    client = world.clients[caller]
    before = stored_state()
    response = client.generic(
        row.method,
        API + _fill(row.path, ids),
        data=None if row.body is None else json.dumps(_fill(row.body, ids)),
        content_type="application/json",
    )
    expected = row.expected[CALLERS.index(caller)]
    assert response.status_code == expected, getattr(response, "data", response.content)
    if response.status_code >= 400:
        body = response.json()
        assert body["code"] in ERROR_CODES
        assert ERROR_CODES[body["code"]][0] == response.status_code
        assert stored_state() == before

"""Teaching labs over the API and the dashboard socket: who may do what (instructors, class
staff, enrolled students, strangers, share links), a whole class run through (invite, join,
start, break, check, reset, grades), students kept out of each other's copies, shared labs,
quotas per copy, and bad input answered with the field at fault."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from designer.models import ClassInvite, Enrolment, Lab, LabCopy, Revision, Topology
from designer.realtime.routing import websocket_urlpatterns
from designer.services import labs as service
from designer.services.validation import validate_revision
from tests.api.conftest import API, Factory, World, assert_input_error, client_for
from tests.sockets import open_socket

GOALS = """
# the two tiers
no errors
web1 reaches db1
r1 is ha on 2 networking nodes
"""


@dataclass
class Class:
    world: World
    lab: Lab
    draft: Lab  # not published
    student: Any
    other_student: Any
    copy: LabCopy
    clients: dict[str, APIClient]


@pytest.fixture
def klass(world: World, make: Factory) -> Class:
    lab = service.create_lab(
        world.project, world.owner, title="Two tiers", source=world.topology, goals=GOALS
    )
    service.update_lab(lab, published=True)
    draft = service.create_lab(world.project, world.owner, title="Draft", source=world.topology)
    invite = service.create_invite(world.project, world.owner)
    student, other = make.user("student"), make.user("other_student")
    for user in (student, other):
        service.join_class(user, invite.code)
    copy, _ = service.start_lab(lab, student)
    clients = {**world.clients, "student": client_for(student), "other_student": client_for(other)}
    return Class(world, lab, draft, student, other, copy, clients)


CALLERS = ("anonymous", "project_link", "viewer", "editor", "owner", "outsider", "student", "admin")

# {LAB} the published lab, {DRAFT} the unpublished one, {C} the student's copy, {P} the class.
MATRIX = """
GET    labs/{LAB}/                     -         401 403 200 200 200 404 200 200
GET    labs/{DRAFT}/                   -         401 403 200 200 200 404 404 200
PATCH  labs/{LAB}/                     rename    401 403 403 403 200 404 403 200
DELETE labs/{DRAFT}/                   -         401 403 403 403 204 404 404 204
POST   labs/{LAB}/start/               -         401 403 403 403 201 404 200 201
POST   labs/{DRAFT}/start/             -         401 403 403 403 201 404 404 201
GET    labs/{LAB}/copies/              -         401 403 200 200 200 404 200 200
GET    labs/{LAB}/copies/{C}/          -         401 403 200 200 200 404 200 200
POST   labs/{LAB}/copies/{C}/check/    -         401 403 403 403 200 404 200 200
POST   labs/{LAB}/copies/{C}/reset/    -         401 403 403 403 200 404 200 200
GET    labs/{LAB}/grades.csv           -         401 403 200 200 200 404 403 200
GET    projects/{P}/invites/           -         401 403 403 403 200 404 404 200
POST   projects/{P}/invites/           invite    401 403 403 403 201 404 404 201
"""
BODIES: dict[str, dict[str, Any]] = {"rename": {"title": "Renamed"}, "invite": {}}
ROWS = [line.split() for line in MATRIX.strip().splitlines()]


def _fill(path: str, klass: Class) -> str:
    ids = {
        "LAB": klass.lab.pk,
        "DRAFT": klass.draft.pk,
        "C": klass.copy.pk,
        "P": klass.world.project.pk,
    }
    for key, value in ids.items():
        path = path.replace("{" + key + "}", str(value))
    return path


CASES = [
    pytest.param(row, caller, status, id=f"{row[0]} {row[1]} as {caller}")
    for row in ROWS
    for caller, status in zip(CALLERS, row[3:], strict=True)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "caller", "status"), CASES)
def test_every_caller_gets_what_its_part_in_the_class_allows(
    klass: Class, row: list[str], caller: str, status: str
) -> None:
    method, path, body = row[:3]
    response = klass.clients[caller].generic(
        method,
        API + _fill(path, klass),
        data=json.dumps(BODIES[body]) if body != "-" else "",
        content_type="application/json",
    )
    assert response.status_code == int(status), response.content[:300]


@pytest.mark.django_db
def test_a_class_from_invite_to_grades(world: World, make: Factory) -> None:
    owner = world.clients["owner"]
    made = owner.post(
        API + "labs/",
        {
            "project": world.project.pk,
            "source": world.topology.pk,
            "title": "Two tiers",
            "instructions": "# Two tiers\nJoin the tiers with an **HA** router.",
            "goals": GOALS,
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    lab = made.json()
    assert lab["access"] == "instructor"
    assert lab["goal_words"] == [
        "The design has no validation errors.",
        "web1 reaches db1.",
        "Router r1 is an HA router on 2 networking nodes or more.",
    ]
    code = owner.post(API + f"projects/{world.project.pk}/invites/", {}, format="json").json()[
        "code"
    ]

    ana, ben = make.user("ana"), make.user("ben")
    as_ana, as_ben = client_for(ana), client_for(ben)
    joined = as_ana.post(API + "labs/join/", {"code": f"  {code} "}, format="json")
    assert joined.status_code == 200, joined.json()
    assert joined.json()["project_name"] == world.project.name
    assert as_ben.post(API + "labs/join/", {"code": code}, format="json").status_code == 200
    # Unpublished, the lab is not there for students yet.
    assert as_ana.get(API + "labs/").json()["count"] == 0
    assert as_ana.post(API + f"labs/{lab['id']}/start/").status_code == 404
    assert owner.patch(API + f"labs/{lab['id']}/", {"published": True}, format="json").json()[
        "published"
    ]
    assert [found["title"] for found in as_ana.get(API + "labs/").json()["results"]] == [
        "Two tiers"
    ]
    # The class's own topologies stay the instructors'.
    assert as_ana.get(API + f"topologies/{world.topology.pk}/").status_code == 404

    started = as_ana.post(API + f"labs/{lab['id']}/start/")
    assert started.status_code == 201
    copy = started.json()
    assert as_ana.post(API + f"labs/{lab['id']}/start/").json()["id"] == copy["id"]
    ben_copy = as_ben.post(API + f"labs/{lab['id']}/start/").json()
    # Each copy is a topology the student edits; the other student cannot see it.
    document = as_ana.get(API + f"topologies/{copy['topology']}/document/").json()
    assert document["document"]["routers"][0]["id"] == "r1"
    assert as_ben.get(API + f"topologies/{copy['topology']}/").status_code == 404
    assert as_ana.get(API + f"labs/{lab['id']}/copies/{ben_copy['id']}/").status_code == 404
    assert [
        c["student"] for c in as_ana.get(API + f"labs/{lab['id']}/copies/").json()["results"]
    ] == ["ana"]
    # The instructor owns every copy's project.
    assert owner.get(API + f"topologies/{copy['topology']}/").status_code == 200

    checked = as_ana.post(API + f"labs/{lab['id']}/copies/{copy['id']}/check/").json()
    assert [r["status"] for r in checked["results"]] == ["pass", "pass", "fail"]
    assert (checked["passed"], checked["total"]) == (2, 3)

    # Ana makes r1 HA on two networking nodes; the check follows the head revision.
    world.host.delete()
    make.host("network-1", role="network", external=True)
    make.host("network-2", role="network", external=True)
    body = document["document"]
    body["routers"][0].update(mode="ha")
    saved = as_ana.put(
        API + f"topologies/{copy['topology']}/document/",
        {"base_revision": document["revision"], "document": body, "message": "HA"},
        format="json",
    )
    assert saved.status_code == 200, saved.json()
    checked = as_ana.post(API + f"labs/{lab['id']}/copies/{copy['id']}/check/").json()
    assert checked["passed"] == 3, checked["results"]
    assert checked["checked_revision"] == 2

    grades = owner.get(API + f"labs/{lab['id']}/grades.csv")
    assert grades["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(grades.content.decode())))
    assert rows[0][:3] == ["student", "passed", "total"]
    assert [row[:3] for row in rows[1:]] == [["ana", "3", "3"], ["ben", "0", "3"]]
    assert rows[1][5:] == ["pass", "pass", "pass"]
    assert rows[2][5:] == ["unchecked"] * 3

    # The instructor resets Ana's copy: a new revision holding the start, results cleared.
    reset = owner.post(API + f"labs/{lab['id']}/copies/{copy['id']}/reset/").json()
    assert (reset["passed"], reset["results"], reset["reset_at"] is not None) == (0, [], True)
    head = Topology.objects.get(pk=copy["topology"]).head
    assert head is not None
    assert head.number == 3
    assert head.document == Lab.objects.get(pk=lab["id"]).start_document
    assert Revision.objects.filter(topology_id=copy["topology"]).count() == 3


@pytest.mark.django_db
def test_a_shared_lab_puts_every_copy_in_one_workspace(klass: Class) -> None:
    owner = klass.clients["owner"]
    made = owner.post(
        API + "labs/",
        {
            "project": klass.world.project.pk,
            "source": klass.world.topology.pk,
            "title": "Together",
            "shared": True,
            "published": True,
        },
        format="json",
    ).json()
    one = klass.clients["student"].post(API + f"labs/{made['id']}/start/").json()
    two = klass.clients["other_student"].post(API + f"labs/{made['id']}/start/").json()
    assert one["project"] == two["project"]
    # Each sees the other's copy live, as a member of the workspace.
    assert klass.clients["student"].get(API + f"topologies/{two['topology']}/").status_code == 200
    assert (
        owner.patch(API + f"labs/{made['id']}/", {"shared": False}, format="json").status_code
        == 400
    )


@pytest.mark.django_db
def test_quotas_count_each_copy_alone(klass: Class, make: Factory) -> None:
    lab = service.create_lab(
        klass.world.project,
        klass.world.owner,
        title="Small",
        source=klass.world.topology,
        shared=True,
        copy_quotas={"instances": 2},
    )
    service.update_lab(lab, published=True)
    service.start_lab(lab, klass.student)
    two, _ = service.start_lab(lab, klass.other_student)

    def quota_findings(copy: LabCopy) -> list[str]:
        head = Topology.objects.get(pk=copy.topology_id).head
        assert head is not None
        return [f.message for f in validate_revision(head) if f.code.startswith("quota")]

    # Two copies of two instances each sit in one workspace, each within its own limit: the
    # editor's validation counts the copy alone.
    assert quota_findings(two) == []
    context = service.copy_context(two)
    assert context.quotas is not None
    assert context.quotas["instances"] == 2
    assert context.usage_elsewhere == {}
    service.update_lab(lab, copy_quotas={"instances": 1})
    two.refresh_from_db()
    [message] = quota_findings(two)
    assert "instances" in message
    # -1: no limit, as in Neutron.
    service.update_lab(lab, copy_quotas={"instances": -1})
    two.refresh_from_db()
    assert quota_findings(two) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"goals": "web1 likes db1"}, "goals"),
        ({"goals": "no errors\nweb1 reaches db1 on tcp 99999"}, "goals"),
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"instructions": "ok\x00"}, "instructions"),
        ({"copy_quotas": {"routers": -2}}, "copy_quotas.routers"),
        ({"copy_quotas": {"gpus": 1}}, "copy_quotas.gpus"),
        ({"copy_quotas": [1]}, "copy_quotas"),
        ({"published": "maybe"}, "published"),
    ],
)
def test_bad_lab_changes_name_the_field_and_change_nothing(
    klass: Class, body: dict[str, Any], path: str
) -> None:
    before = Lab.objects.filter(pk=klass.lab.pk).values().get()
    response = klass.clients["owner"].patch(API + f"labs/{klass.lab.pk}/", body, format="json")
    assert_input_error(response, path)
    assert Lab.objects.filter(pk=klass.lab.pk).values().get() == before


@pytest.mark.django_db
def test_a_lab_is_made_only_of_the_callers_own_project(klass: Class) -> None:
    body = {"project": klass.world.project.pk, "source": klass.world.topology.pk, "title": "X"}
    assert klass.clients["editor"].post(API + "labs/", body, format="json").status_code == 403
    assert_input_error(
        klass.clients["outsider"].post(API + "labs/", body, format="json"), "project"
    )
    other = {**body, "source": 10**9}
    assert_input_error(klass.clients["owner"].post(API + "labs/", other, format="json"), "source")


@pytest.mark.django_db
def test_only_a_live_code_enrols(klass: Class, make: Factory) -> None:
    newcomer = client_for(make.user("late"))
    invite = ClassInvite.objects.get(project=klass.world.project)
    service.revoke_invite(invite)
    for body in ({"code": invite.code}, {"code": "nope\x00"}, {}):
        assert_input_error(newcomer.post(API + "labs/join/", body, format="json"), "code")
    assert Enrolment.objects.filter(student__username="late").count() == 0
    assert klass.clients["project_link"].post(API + "labs/join/", {"code": "x"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_shows_progress_live_to_instructors_only(klass: Class) -> None:
    async def scenario() -> None:
        channel_layers.backends.clear()
        url = f"/ws/labs/{klass.lab.pk}/"
        refused = WebsocketCommunicator(URLRouter(websocket_urlpatterns), url)
        refused.scope["user"] = klass.student
        assert await open_socket(refused) == (None, 4403)
        unknown = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/labs/999999/")
        unknown.scope["user"] = klass.world.owner
        assert await open_socket(unknown) == (None, 4404)
        dashboard = WebsocketCommunicator(URLRouter(websocket_urlpatterns), url)
        dashboard.scope["user"] = klass.world.owner
        first, _ = await open_socket(dashboard)
        assert first is not None
        assert [c["student"] for c in first["copies"]] == ["student"]
        from channels.db import database_sync_to_async

        await database_sync_to_async(service.check_copy)(klass.copy)
        update = await dashboard.receive_json_from(timeout=5)
        assert update["type"] == "lab_progress"
        [copy] = update["copies"]
        assert (copy["student"], copy["passed"], copy["total"]) == ("student", 2, 3)
        await dashboard.disconnect()

    async_to_sync(scenario)()

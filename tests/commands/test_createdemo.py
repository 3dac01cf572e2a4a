"""`manage.py createdemo`: what it creates, that a second run changes nothing, and that every
demo topology validates without errors in the demo project's context."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from designer.demo import ADMIN, DEMO, DEMO_DIR, PROJECT_NAME, TOPOLOGIES, DemoTopology
from designer.models import Host, Membership, Project, Quota, Revision, Role, Topology, VlanPolicy
from designer.models.hosts import HostRole
from designer.services.validation import context_for, validate_revision
from designer.validation import Severity, validate

pytestmark = pytest.mark.django_db


def createdemo() -> str:
    out = StringIO()
    call_command("createdemo", stdout=out, stderr=out)
    return out.getvalue()


def snapshot() -> dict[str, object]:
    """Everything createdemo may touch, in a form two runs can be compared by."""
    return {
        "users": list(User.objects.order_by("username").values_list("username", "password")),
        "hosts": list(Host.objects.order_by("name").values()),
        "projects": list(Project.objects.values_list("name", "created_at")),
        "members": list(Membership.objects.values_list("project__name", "user__username", "role")),
        "topologies": list(Topology.objects.order_by("name").values_list("name", "head_id")),
        "revisions": list(Revision.objects.order_by("pk").values_list("pk", "document")),
        "quotas": Quota.objects.count(),
        "policies": VlanPolicy.objects.count(),
    }


def test_creates_users_hosts_project_and_topologies() -> None:
    out = createdemo()
    admin = User.objects.get(username=ADMIN.username)
    demo = User.objects.get(username=DEMO.username)
    assert admin.is_staff
    assert admin.is_superuser
    assert not demo.is_staff
    assert admin.check_password(ADMIN.password)
    assert demo.check_password(DEMO.password)

    hosts = {h.name: h for h in Host.objects.all()}
    assert set(hosts) == {"network-1", "network-2", "compute-1", "compute-2"}
    for name in ("network-1", "network-2"):
        assert hosts[name].role == HostRole.NETWORK
        assert hosts[name].external
        assert {"physnet1", "external"} <= set(hosts[name].physical_networks)
    for name in ("compute-1", "compute-2"):
        assert hosts[name].role == HostRole.COMPUTE

    project = Project.objects.get(name=PROJECT_NAME)
    assert Membership.objects.get(project=project, user=demo).role == Role.OWNER
    names = set(Topology.objects.filter(project=project).values_list("name", flat=True))
    assert names == {t.name for t in TOPOLOGIES}

    assert "http://127.0.0.1:8000/admin/" in out
    assert "local demo" in out
    assert f"{DEMO.username} / {DEMO.password}" in out
    assert f"{ADMIN.username} / {ADMIN.password}" in out


def test_running_twice_changes_nothing() -> None:
    createdemo()
    before = snapshot()
    out = createdemo()
    assert snapshot() == before
    assert ": created" not in out


def test_a_changed_password_is_kept() -> None:
    createdemo()
    demo = User.objects.get(username=DEMO.username)
    demo.set_password("something-else-entirely")
    demo.save()
    createdemo()
    demo.refresh_from_db()
    assert demo.check_password("something-else-entirely")


def test_missing_pieces_are_recreated() -> None:
    createdemo()
    Topology.objects.get(name=TOPOLOGIES[1].name).delete()
    Host.objects.filter(name="compute-2").delete()
    createdemo()
    assert Topology.objects.filter(name=TOPOLOGIES[1].name).exists()
    assert Host.objects.filter(name="compute-2").exists()


@pytest.mark.parametrize("demo_topology", TOPOLOGIES, ids=lambda t: t.filename)
def test_demo_topology_validates_without_errors(demo_topology: DemoTopology) -> None:
    createdemo()
    topology = Topology.objects.select_related("head").get(name=demo_topology.name)
    assert topology.head is not None
    findings = validate_revision(topology.head)
    errors = [f"{f.code}: {f.message}" for f in findings if f.severity is Severity.ERROR]
    assert errors == []
    # The stored document is the file's document.
    assert topology.head.document == demo_topology.load().to_json()


@pytest.mark.parametrize(
    "demo_topology", [t for t in TOPOLOGIES if t.by_admin], ids=lambda t: t.filename
)
def test_admin_topologies_would_be_refused_from_a_member(demo_topology: DemoTopology) -> None:
    """Why those topologies are saved by the admin: their provider networks are admin-only."""
    createdemo()
    project = Project.objects.get(name=PROJECT_NAME)
    demo = User.objects.get(username=DEMO.username)
    document = demo_topology.load()
    codes = {f.code for f in validate(document, context_for(project, author=demo))}
    assert "ownership.admin_only_network" in codes


def test_readme_shows_a_demo_topology_verbatim() -> None:
    """The README's topology-as-code example is a demo file, so it parses and validates."""
    readme = (DEMO_DIR.parent.parent / "README.md").read_text(encoding="utf-8")
    example = (DEMO_DIR / "ha-router.yaml").read_text(encoding="utf-8")
    assert f"```yaml\n{example}```" in readme


def test_admin_pages_show_the_demo(client: Client) -> None:
    createdemo()
    client.force_login(User.objects.get(username=ADMIN.username))
    topology = Topology.objects.get(name=TOPOLOGIES[0].name)
    assert topology.head is not None
    pages = [
        reverse(f"admin:designer_{model}_changelist")
        for model in (
            "project",
            "membership",
            "topology",
            "revision",
            "sharelink",
            "quota",
            "vlanpolicy",
            "host",
        )
    ]
    pages += [
        reverse("admin:designer_project_changelist") + "?q=Demo",
        reverse("admin:designer_host_changelist") + "?q=network",
        reverse("admin:designer_project_change", args=[topology.project_id]),
        reverse("admin:designer_revision_change", args=[topology.head.pk]),
    ]
    for page in pages:
        assert client.get(page).status_code == 200, page
    hosts = client.get(reverse("admin:designer_host_changelist") + "?q=network").content
    assert b"network-1" in hosts
    assert b"compute-1" not in hosts
    # Revisions are history: no adding, changing or deleting them here.
    assert client.get(reverse("admin:designer_revision_add")).status_code == 403
    delete = reverse("admin:designer_revision_delete", args=[topology.head.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Revision.objects.filter(pk=topology.head.pk).exists()


def test_the_message_names_where_the_app_is_served() -> None:
    out = StringIO()
    call_command("createdemo", "--url", "http://127.0.0.1:9000/", stdout=out, stderr=out)
    assert "Netloom demo at http://127.0.0.1:9000," in out.getvalue()
    assert "(admin; also http://127.0.0.1:9000/admin/)" in out.getvalue()


def test_the_demo_class_has_a_lab_a_student_can_join_start_and_check() -> None:
    from designer.demo import CLASS_NAME, INVITE_CODE, LAB_TITLE, STUDENT
    from designer.models import Lab
    from designer.services.labs import check_copy, join_class, start_lab

    createdemo()
    lab = Lab.objects.get(project__name=CLASS_NAME, title=LAB_TITLE)
    assert lab.published
    student = User.objects.get(username=STUDENT.username)
    assert student.check_password(STUDENT.password)
    assert not student.is_staff
    join_class(student, INVITE_CODE)
    copy, made = start_lab(lab, student)
    assert made
    results = {r.goal: r.status for r in check_copy(copy)}
    # The start works but its legacy router is the single point of failure the lab is about.
    assert list(results.values()) == ["pass", "pass", "pass", "fail", "fail", "pending"]
    # Running createdemo again keeps the class, the lab and the student's copy as they are.
    createdemo()
    assert Lab.objects.filter(title=LAB_TITLE).count() == 1

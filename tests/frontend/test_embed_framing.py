"""Framing the app: every page answers X-Frame-Options DENY, except a topology's view opened
with an active share link's token for that topology, which another site may frame (the share
links section's embed snippet)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from designer.models import ShareLink, Topology
from designer.services.projects import create_project
from designer.services.sharing import create_share_link, revoke_share_link
from designer.services.topologies import create_topology
from designer.web import views
from tests.builders import document, net

pytestmark = pytest.mark.django_db


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Netloom</title>")
    monkeypatch.setattr(views, "DIST", tmp_path)
    return tmp_path


@pytest.fixture
def topology() -> Topology:
    owner = User.objects.create_user("ada")
    project = create_project("Lab", owner)
    return create_topology(project, "Campus", owner, document=document(networks=[net("lan")]))


def link_for(
    topology: Topology, *, whole_project: bool = False, expires_at: datetime | None = None
) -> ShareLink:
    """A share link opening `topology` (or its whole project)."""
    opens = None if whole_project else topology
    return create_share_link(topology.project, None, topology=opens, expires_at=expires_at)


def framing(url: str) -> str | None:
    """The page's X-Frame-Options header: None lets any page frame it."""
    response = Client().get(url)
    assert response.status_code == 200
    return response.headers.get("X-Frame-Options")


def test_a_share_links_topology_view_may_be_framed(dist: Path, topology: Topology) -> None:
    whole_project = link_for(topology, whole_project=True)
    one_topology = link_for(topology)
    for link in (whole_project, one_topology):
        for suffix in ("", "&embed=1"):
            url = f"/app/topologies/{topology.pk}/?share={link.token}{suffix}"
            assert framing(url) is None, url


def test_every_other_page_is_denied_framing(dist: Path, topology: Topology) -> None:
    link = link_for(topology)
    other = create_topology(topology.project, "Other", User.objects.get(username="ada"))
    pages = [
        "/",
        "/app/",
        f"/app/topologies/{topology.pk}/",
        f"/app/topologies/{topology.pk}/?embed=1",
        f"/app/topologies/{topology.pk}/?share=",
        f"/app/topologies/{topology.pk}/?share=not-a-token",
        f"/app/topologies/{topology.pk}/?share=bad%20token%3C",
        # The token, but another page: the history, the report, the project, another topology
        # the link does not open, or one that does not exist.
        f"/app/topologies/{topology.pk}/history/?share={link.token}",
        f"/app/topologies/{topology.pk}/report/?share={link.token}",
        f"/app/projects/{topology.project_id}/?share={link.token}",
        f"/app/topologies/{other.pk}/?share={link.token}",
        f"/app/topologies/999999/?share={link.token}",
        f"/app/?share={link.token}",
    ]
    for url in pages:
        assert framing(url) == "DENY", url


def test_a_revoked_or_expired_link_cannot_be_framed(dist: Path, topology: Topology) -> None:
    revoked = revoke_share_link(link_for(topology))
    expired = link_for(
        topology, whole_project=True, expires_at=timezone.now() - timedelta(minutes=1)
    )
    for link in (revoked, expired):
        url = f"/app/topologies/{topology.pk}/?share={link.token}&embed=1"
        assert framing(url) == "DENY", url


def test_a_link_of_another_project_cannot_frame_this_one(dist: Path, topology: Topology) -> None:
    stranger = User.objects.create_user("eve")
    theirs = create_topology(create_project("Theirs", stranger), "Theirs", stranger)
    link = link_for(theirs)
    assert framing(f"/app/topologies/{theirs.pk}/?share={link.token}") is None
    assert framing(f"/app/topologies/{topology.pk}/?share={link.token}") == "DENY"

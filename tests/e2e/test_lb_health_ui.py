"""Load balancer members' health in the browser, on a lab fabric with the real checker: once
deployed with no member serving, the load balancer's node shows every member down; a member
that starts serving turns up on the canvas live; a page opened afterwards reads the same from
the server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Locator, expect

from designer.services.projects import create_project
from designer.services.topologies import create_topology
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix
from tests.deploy.conftest import (  # noqa: F401  (root is a fixture)
    FIRST_TOPOLOGY_ID,
    LANE,
    root,
)
from tests.deploy.test_load_balancer import MEMBER_PORT, MEMBERS, Servers, balanced_lan
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.fabric import deploy_from_the_page, deploying_lab
from tests.e2e.test_canvas import outside_the_event_loop, signed_in

FABRIC_PREFIX = "nllh" + "abcdefghijklmnopqrstuvwxyz"[LANE]
# The checker sees a member fail or pass twice every 0.5 s, then the relay and the socket.
CHANGE_MS = 15_000


@pytest.fixture
def lab_hosts(root: None, app_server: str) -> Iterator[None]:  # noqa: F811
    with deploying_lab(
        FabricSpec(prefix=FABRIC_PREFIX, network_nodes=1, compute_nodes=2), FIRST_TOPOLOGY_ID - 3500
    ):
        yield


def member(balancer: Locator, name: str) -> Locator:
    return balancer.locator(f'.member-badge[data-member="{name}:{MEMBER_PORT}"]')


def test_the_canvas_follows_the_members_health(
    app_server: str, browser: Browser, lab_hosts: None, tmp_path: Path
) -> None:
    def make() -> tuple[User, int]:
        owner = User.objects.create_user("lin")
        project = create_project("Lab", owner)
        return owner, create_topology(project, "Shop", owner, document=balanced_lan()).pk

    owner, topology_id = outside_the_event_loop(make)
    servers = Servers(deployment_prefix(topology_id), tmp_path)
    context = signed_in(browser, app_server, owner)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{app_server}/app/topologies/{topology_id}/")
    balancer = page.locator('.react-flow__node[data-id="web"]')
    # Not deployed: no health to show.
    expect(balancer).to_be_visible(timeout=15_000)
    expect(balancer.locator(".member-badge")).to_have_count(0)
    try:
        deploy_from_the_page(page, timeout_ms=120_000)

        # No member serves: the checker takes each out, and the canvas shows it.
        expect(balancer.locator(".member-badge")).to_have_count(len(MEMBERS))
        for name in MEMBERS:
            expect(member(balancer, name)).to_have_attribute(
                "data-state", "down", timeout=CHANGE_MS
            )
        expect(balancer.locator(".element-node")).to_have_attribute(
            "aria-label", re.compile(rf"members: m1:{MEMBER_PORT} down, m2:{MEMBER_PORT} down")
        )

        # m1 serves: it is back in, live.
        outside_the_event_loop(lambda: servers.start("m1"))
        expect(member(balancer, "m1")).to_have_attribute("data-state", "up", timeout=CHANGE_MS)
        expect(member(balancer, "m1")).to_have_text(f"m1:{MEMBER_PORT} up")
        expect(member(balancer, "m2")).to_have_attribute("data-state", "down")
        page.screenshot(path=str(ARTIFACTS / "lb-member-health.png"))

        # A page opened now reads the same from the server.
        later = context.new_page()
        later.goto(f"{app_server}/app/topologies/{topology_id}/")
        watched = later.locator('.react-flow__node[data-id="web"]')
        expect(member(watched, "m1")).to_have_attribute("data-state", "up", timeout=15_000)
        expect(member(watched, "m2")).to_have_attribute("data-state", "down")
        expect(member(watched, "m3")).to_have_attribute("data-state", "down")
    finally:
        outside_the_event_loop(servers.stop_all)
    assert not errors, f"JavaScript errors on the page: {errors}"

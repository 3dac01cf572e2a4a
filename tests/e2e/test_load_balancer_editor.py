"""Load balancers in the browser editor: one added from the palette, linked to its VIP's subnet
and two member instances, its port and algorithm set in the inspector; a viewer sees it
without anything to change it with."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect
from rest_framework.authtoken.models import Token

from designer.services.projects import create_project
from designer.services.topologies import create_topology
from tests.builders import document, net, subnet
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_canvas import outside_the_event_loop
from tests.e2e.test_editor import connect, node


def sign_in(page: Page, app_server: str, topology_id: int, user: str, password: str) -> None:
    page.goto(f"{app_server}/app/login/?next=/app/topologies/{topology_id}/")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_editor_builds_a_load_balancer_and_a_viewer_sees_it(
    app_server: str, page: Page, browser: Browser
) -> None:
    def make() -> tuple[int, str]:
        owner = User.objects.create_user("lena", password="balance pass")
        viewer = User.objects.create_user("vic", password="viewer pass")
        project = create_project("Lab", owner)
        project.memberships.create(user=viewer, role="viewer")
        topology = create_topology(
            project,
            "Balanced",
            owner,
            document=document(
                networks=[net("lan", name="lan")],
                subnets=[
                    subnet("lan4", "lan", "10.1.0.0/24", gateway_ip="10.1.0.1"),
                    subnet("dmz4", "lan", "10.2.0.0/24", gateway_ip="10.2.0.1"),
                ],
                instances=[
                    {"id": "web1", "name": "alpha", "image": "nginx:1.27"},
                    {"id": "web2", "name": "beta", "image": "nginx:1.27"},
                ],
                layout={
                    "positions": {
                        "lan": {"x": 0, "y": 0},
                        "lan4": {"x": 0, "y": 140},
                        "dmz4": {"x": 520, "y": 140},
                        "web1": {"x": 0, "y": 420},
                        "web2": {"x": 260, "y": 420},
                    }
                },
            ),
        )
        return topology.pk, Token.objects.create(user=owner).key

    topology_id, token = outside_the_event_loop(make)
    sign_in(page, app_server, topology_id, "lena", "balance pass")
    expect(page.get_by_text("revision 1")).to_be_visible(timeout=15_000)

    # Dropped next to dmz4, its VIP goes there; a line to lan4 moves it.
    canvas = page.locator(".react-flow__pane")
    page.get_by_role("button", name="Add Load balancer").drag_to(
        canvas, target_position={"x": 300, "y": 160}
    )
    balancer = node(page, "Load balancer 1")
    expect(balancer).to_be_visible()
    expect(page.get_by_text("revision 2")).to_be_visible()
    connect(page, balancer, node(page, "lan4"))
    expect(page.get_by_text("revision 3")).to_be_visible()
    connect(page, node(page, "alpha"), balancer)
    expect(page.get_by_text("revision 4")).to_be_visible()
    connect(page, node(page, "beta"), balancer)
    expect(page.get_by_text("revision 5")).to_be_visible()
    expect(balancer).to_contain_text("2 members")

    balancer.click()
    port = page.get_by_label("Port", exact=True)
    port.fill("8080")
    port.press("Enter")
    expect(page.get_by_text("revision 6")).to_be_visible()
    page.get_by_label("Algorithm", exact=True).select_option("weighted")
    expect(page.get_by_text("revision 7")).to_be_visible()
    expect(balancer).to_contain_text(":8080 · weighted · 2 members")
    page.screenshot(path=str(ARTIFACTS / "editor-load-balancer.png"))

    request = urllib.request.Request(
        f"{app_server}/api/v1/topologies/{topology_id}/document/",
        headers={"Authorization": f"Bearer {token}"},
    )
    stored: Any = json.loads(urllib.request.urlopen(request).read())["document"]
    (lb,) = stored["load_balancers"]
    assert lb["subnet"] == "lan4"
    assert lb["port"] == 8080
    assert lb["algorithm"] == "weighted"
    assert [(m["instance"], m["port"]) for m in lb["members"]] == [("web1", 80), ("web2", 80)]

    # A viewer sees the balancer and its members, and has nothing to change them with.
    with browser.new_context() as other:
        viewer = other.new_page()
        sign_in(viewer, app_server, topology_id, "vic", "viewer pass")
        expect(viewer.get_by_text("read only")).to_be_visible(timeout=15_000)
        expect(viewer.get_by_role("navigation", name="Add elements")).to_have_count(0)
        seen = node(viewer, "Load balancer 1")
        expect(seen).to_contain_text("2 members")
        seen.click()
        inspector = viewer.get_by_role("region", name="Inspector")
        expect(inspector.get_by_role("table", name="Members")).to_contain_text("alpha")
        expect(inspector.locator("input:enabled, select:enabled, textarea:enabled")).to_have_count(
            0
        )
        expect(inspector.get_by_role("button", name="Remove member web1")).to_have_count(0)

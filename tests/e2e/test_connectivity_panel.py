"""Connectivity checks from the browser on a lab fabric: the panel refuses until something is
deployed; a ping between the two instances selected on the canvas passes through the router,
and picking its result highlights the path on the canvas; the reachability matrix shows the
isolated instance red both ways. A viewer sees the results with no button to run a check."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Locator, Page, expect

from designer.models import Membership, Role
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix
from tests.builders import document, net, port, subnet
from tests.deploy.conftest import (  # noqa: F401  (root is a fixture)
    FIRST_TOPOLOGY_ID,
    LANE,
    number_topologies_from,
    root,
)
from tests.deploy.probe import namespaces
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.fabric import deploy_from_the_page, deploying_lab
from tests.e2e.test_canvas import outside_the_event_loop, signed_in
from tests.e2e.test_editor import node


@pytest.fixture
def lab_hosts(root: None, app_server: str) -> Iterator[None]:  # noqa: F811
    """A fabric of this test lane (NETLOOM_TEST_LANE), registered in the test database. With
    Redis the server runs no worker of its own: one runs here, in a thread. Kernel work runs
    outside Playwright's event loop, as pyroute2 runs one of its own."""
    with deploying_lab(
        FabricSpec(prefix=FABRIC_PREFIX, network_nodes=1, compute_nodes=2), FIRST_TOPOLOGY_ID - 2000
    ):
        yield


def routed_pair_and_an_island() -> dict[str, object]:
    """web (lan, compute-1) and db (dmz, compute-2) joined by router r1; cache alone on an
    isolated network."""
    return {
        "networks": [net("lan"), net("dmz"), net("iso")],
        "subnets": [
            subnet("lan-v4", "lan", "10.71.0.0/24", gateway_ip="10.71.0.1"),
            subnet("dmz-v4", "dmz", "10.72.0.0/24", gateway_ip="10.72.0.1"),
            subnet("iso-v4", "iso", "10.73.0.0/24", gateway_ip="10.73.0.1"),
        ],
        "routers": [{"id": "r1", "name": "edge"}],
        "instances": [
            {"id": "vm1", "name": "web", "host": "compute-1"},
            {"id": "vm2", "name": "db", "host": "compute-2"},
            {"id": "vm3", "name": "cache", "host": "compute-1"},
        ],
        "ports": [
            port("r1-lan", "lan", "r1", ("lan-v4", None)),
            port("r1-dmz", "dmz", "r1", ("dmz-v4", None)),
            port("p1", "lan", "vm1", ("lan-v4", "10.71.0.11")),
            port("p2", "dmz", "vm2", ("dmz-v4", "10.72.0.12")),
            port("p3", "iso", "vm3", ("iso-v4", "10.73.0.13")),
        ],
    }


# This test's fabric: a prefix of its own in each test lane (letters only, as fabric prefixes
# are), so that two runs on one machine never take each other's fabric down.
FABRIC_PREFIX = "nle" + "abcdefghijklmnopqrstuvwxyz"[LANE]
GREEN = re.compile(r"\bpath-reachable\b")
RED = re.compile(r"\bpath-blocked\b")


def on_canvas(page: Page, element: str) -> Locator:
    return page.locator(f'.react-flow__node[data-id="{element}"]')


def line_of(page: Page, element: str) -> Locator:
    return page.locator(f'[data-testid="rf__edge-{element}"]')


def test_ping_highlights_its_path_and_the_matrix_shows_the_island(
    app_server: str, browser: Browser, lab_hosts: None
) -> None:
    def make() -> tuple[User, User, int]:
        owner = User.objects.create_user("ada")
        viewer = User.objects.create_user("vic")
        project = create_project("Lab", owner)
        Membership.objects.create(project=project, user=viewer, role=Role.VIEWER)
        topology = create_topology(
            project, "Campus", owner, document=document(**routed_pair_and_an_island())
        )
        return owner, viewer, topology.pk

    owner, viewer, topology_id = outside_the_event_loop(make)
    prefix = deployment_prefix(topology_id)
    editor_context = signed_in(browser, app_server, owner)
    page = editor_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{app_server}/app/topologies/{topology_id}/")
    checks = page.get_by_role("region", name="Connectivity")

    # Nothing deployed: no check can run, and the panel says why.
    expect(checks).to_contain_text("Nothing is deployed", timeout=15_000)
    expect(checks.get_by_role("button", name="Run reachability matrix")).to_be_disabled()

    deployment = deploy_from_the_page(page, timeout_ms=90_000)
    expect(checks).not_to_contain_text("Nothing is deployed")

    # The two instances selected on the canvas become the pair to ping.
    node(page, "web").click()
    node(page, "db").click(modifiers=["Control"])
    checks.get_by_role("button", name="Use selection").click()
    expect(checks.get_by_label("Source instance")).to_have_value("vm1")
    expect(checks.get_by_label("Target instance")).to_have_value("vm2")
    checks.get_by_role("button", name="Run", exact=True).click()
    check = checks.get_by_role("group", name="Check")
    expect(check).to_contain_text("Ping web → db: Done", timeout=60_000)
    results = checks.get_by_role("list", name="Results")
    expect(results.get_by_role("button")).to_have_count(1)
    expect(results).to_contain_text("✓ 10.72.0.12")

    # Picking the result draws its path green: the instances, the router, the lines between.
    results.get_by_role("button").click()
    for element in ("vm1", "lan", "r1", "dmz", "vm2"):
        expect(on_canvas(page, element)).to_have_class(GREEN)
    for port_line in ("p1", "r1-lan", "r1-dmz", "p2"):
        expect(line_of(page, port_line)).to_have_class(GREEN)
    expect(on_canvas(page, "vm3")).not_to_have_class(re.compile(r"\bpath-"))
    expect(line_of(page, "p3")).not_to_have_class(re.compile(r"\bpath-"))
    page.screenshot(path=str(ARTIFACTS / "connectivity-path.png"))
    checks.get_by_role("button", name="Clear path highlight").click()
    expect(page.locator(".path-reachable")).to_have_count(0)

    # The matrix: web and db reach each other, cache reaches nothing and nothing reaches it.
    checks.get_by_role("button", name="Run reachability matrix").click()
    expect(check).to_contain_text("Reachability matrix: Done", timeout=120_000)
    table = checks.get_by_role("table", name="Reachability matrix")

    def cell(label: str) -> Locator:
        return table.get_by_label(label).locator("xpath=..")

    expect(cell("web to db: reachable")).to_have_class("reachable")
    expect(cell("db to web: reachable")).to_have_class("reachable")
    for pair in ("web to cache", "cache to web", "db to cache", "cache to db"):
        expect(cell(f"{pair}: blocked")).to_have_class("blocked")
    # Each as the design predicts: no cell is outlined, and there is no finding.
    expect(table.locator("td.disagrees")).to_have_count(0)
    expect(checks.get_by_role("list", name="Connectivity findings")).to_have_count(0)
    # A blocked pair's cell marks its ends red on the canvas.
    table.get_by_label("web to cache: blocked").click()
    expect(on_canvas(page, "vm3")).to_have_class(RED)
    expect(on_canvas(page, "vm1")).to_have_class(RED)
    page.screenshot(path=str(ARTIFACTS / "connectivity-matrix.png"))

    # A viewer sees the results, and no button to run a check.
    viewer_context = signed_in(browser, app_server, viewer)
    watcher = viewer_context.new_page()
    watcher.goto(f"{app_server}/app/topologies/{topology_id}/")
    watching = watcher.get_by_role("region", name="Connectivity")
    expect(watching.get_by_role("table", name="Reachability matrix")).to_be_visible(timeout=15_000)
    expect(watching.get_by_role("button", name="Run reachability matrix")).to_have_count(0)
    expect(watching.get_by_role("button", name="Run", exact=True)).to_have_count(0)

    deployment.get_by_role("button", name="Destroy").click()
    page.get_by_role("button", name="Destroy everything").click()
    expect(deployment).to_contain_text("Destroyed", timeout=60_000)
    expect(checks).to_contain_text("destroyed")
    assert not [name for name in namespaces() if name.startswith(prefix)]
    assert not errors, f"JavaScript errors on the page: {errors}"
    editor_context.close()
    viewer_context.close()

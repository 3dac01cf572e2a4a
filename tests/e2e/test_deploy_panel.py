"""Deploying from the browser onto a lab fabric: the plan preview before confirming, the
progress bar and the log as the deploy runs, each element's badge on the canvas, then a destroy
that leaves nothing. A viewer sees the same state with no buttons."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from designer.models import Membership, Role
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix
from tests.builders import document, net, port, subnet
from tests.deploy.conftest import (  # noqa: F401  (root is a fixture)
    FIRST_TOPOLOGY_ID,
    TEST_PREFIX,
    number_topologies_from,
    root,
)
from tests.deploy.probe import namespaces
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.fabric import deploying_lab, preview_from_the_page
from tests.e2e.test_canvas import outside_the_event_loop, signed_in
from tests.e2e.test_editor import node


@pytest.fixture
def fabric_hosts(root: None, app_server: str) -> Iterator[None]:  # noqa: F811
    """A test fabric's hosts, registered in the test database. With Redis the server runs no
    worker of its own (workers run apart in production): one runs here, in a thread. Kernel
    work runs outside Playwright's event loop, as pyroute2 runs one of its own."""
    with deploying_lab(
        FabricSpec(prefix=TEST_PREFIX, network_nodes=1, compute_nodes=2), FIRST_TOPOLOGY_ID - 1000
    ):
        yield


def test_preview_deploy_watch_and_destroy(
    app_server: str, browser: Browser, fabric_hosts: None
) -> None:
    def make() -> tuple[User, User, int]:
        owner = User.objects.create_user("ada")
        viewer = User.objects.create_user("vic")
        project = create_project("Lab", owner)
        Membership.objects.create(project=project, user=viewer, role=Role.VIEWER)
        topology = create_topology(
            project,
            "Campus",
            owner,
            document=document(
                networks=[net("lan", name="lan")],
                subnets=[subnet("lan-v4", "lan", "10.70.0.0/24")],
                instances=[
                    {"id": "vm1", "name": "web", "host": "compute-1"},
                    {"id": "vm2", "name": "db", "host": "compute-2"},
                ],
                ports=[
                    port("p1", "lan", "vm1", ("lan-v4", "10.70.0.11")),
                    port("p2", "lan", "vm2", ("lan-v4", "10.70.0.12")),
                ],
            ),
        )
        return owner, viewer, topology.pk

    owner, viewer, topology_id = outside_the_event_loop(make)
    prefix = deployment_prefix(topology_id)
    editor_context = signed_in(browser, app_server, owner)
    page = editor_context.new_page()
    page.goto(f"{app_server}/app/topologies/{topology_id}/")
    panel = page.get_by_role("region", name="Deployment")
    expect(panel).to_contain_text("Nothing has been deployed yet.", timeout=15_000)

    # The preview says what each host gets, with the commands, before anything changes.
    preview = preview_from_the_page(page)
    expect(preview).to_contain_text("compute-1")
    expect(preview).to_contain_text("ip netns add")
    assert not [name for name in namespaces() if name.startswith(prefix)]

    preview.get_by_role("button", name="Deploy revision 1").click()
    expect(panel).to_contain_text("Deployed", timeout=60_000)
    expect(panel.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(panel.get_by_label("Deployment log")).to_contain_text("deploy finished")
    expect(node(page, "web").locator(".deploy-badge-up")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "deploy-panel-deployed.png"))

    # A viewer sees the same state, and no button to change it.
    viewer_context = signed_in(browser, app_server, viewer)
    watcher = viewer_context.new_page()
    watcher.goto(f"{app_server}/app/topologies/{topology_id}/")
    watching = watcher.get_by_role("region", name="Deployment")
    expect(watching).to_contain_text("Deployed", timeout=15_000)
    expect(watching.get_by_role("button")).to_have_count(0)

    panel.get_by_role("button", name="Destroy").click()
    page.get_by_role("button", name="Destroy everything").click()
    expect(panel).to_contain_text("Destroyed", timeout=60_000)
    expect(watching).to_contain_text("Destroyed", timeout=5_000)
    assert not [name for name in namespaces() if name.startswith(prefix)]
    editor_context.close()
    viewer_context.close()

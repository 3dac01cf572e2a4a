"""The hosts on the start page, in a real browser, with a real lab fabric: an admin starts it
with one button and sees its hosts registered, is told why it cannot be removed while a
topology is deployed on it, then removes it and nothing of it is left. Someone who is not an
admin never sees the section. Needs root, as the server changes the kernel."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from designer.models import Deployment, DeploymentAction, DeploymentState, Host
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from tasks.fabric import kernel
from tasks.fabric.spec import FabricSpec
from tests.builders import document, net
from tests.deploy import probe
from tests.deploy.conftest import LANE, root  # noqa: F401  (root is a fixture)
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_canvas import outside_the_event_loop
from tests.e2e.test_project_page import row, sign_in

# This test's fabric: a prefix of its own in each test lane (letters only, as fabric prefixes
# are), so no other fabric on the machine is touched.
PREFIX = "nlfv" + "abcdefghijklmnopqrstuvwxyz"[LANE]
SPEC = FabricSpec(prefix=PREFIX, network_nodes=2, compute_nodes=2)


def leftovers() -> list[str]:
    found = sorted(name for name in probe.namespaces() if SPEC.owns_namespace(name))
    return found + sorted(name for name in probe.links() if SPEC.owns_link(name))


@pytest.fixture(autouse=True)
def fabric_prefix(root: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # noqa: F811
    """The server manages this test's fabric (set before it starts); the fabric is removed
    before the test and after it. Kernel work runs outside Playwright's event loop, as
    pyroute2 runs one of its own."""
    monkeypatch.setenv("NETLOOM_FABRIC_PREFIX", PREFIX)
    outside_the_event_loop(lambda: kernel.down(SPEC))
    try:
        yield
    finally:
        outside_the_event_loop(lambda: kernel.down(SPEC))


def test_an_admin_starts_and_removes_the_lab_fabric(
    app_server: str, browser: Browser, context: BrowserContext, page: Page
) -> None:
    def make() -> tuple[User, User]:
        admin = User.objects.create_user("root", is_staff=True)
        return admin, User.objects.create_user("olga")

    admin, olga = outside_the_event_loop(make)
    sign_in(context, app_server, admin)
    page.goto(f"{app_server}/app/")
    hosts = page.get_by_role("region", name="Hosts")
    expect(hosts).to_contain_text(f"The lab fabric {PREFIX} is not running.", timeout=15_000)
    expect(hosts).to_contain_text("No host is registered.")
    networking = hosts.get_by_label("Networking nodes")
    compute = hosts.get_by_label("Compute nodes")
    expect(networking).to_have_value("2")
    expect(compute).to_have_value("2")

    # A count out of range is named next to its field, and nothing is made.
    compute.fill("51")
    hosts.get_by_role("button", name="Start lab fabric").click()
    expect(hosts.locator("#fabric-compute-nodes-error")).to_contain_text("less than or equal to 50")
    expect(compute).to_have_attribute("aria-invalid", "true")
    assert leftovers() == []

    # While it runs (the request held back here until the form is seen busy), both buttons
    # wait and the form says what is under way.
    held: list[Route] = []
    page.route(
        "**/api/v1/fabric/",
        lambda route: (
            held.append(route) if route.request.method == "POST" and not held else route.fallback()
        ),
    )
    compute.fill("2")
    hosts.get_by_role("button", name="Start lab fabric").click()
    form = hosts.get_by_role("form", name="Start or remove the lab fabric")
    expect(form.get_by_role("status")).to_have_text("Starting the lab fabric…")
    expect(hosts.get_by_role("button", name="Start lab fabric")).to_be_disabled()
    expect(hosts.get_by_role("button", name="Remove lab fabric")).to_be_disabled()
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    held[0].fallback()
    expect(hosts).to_contain_text(
        f"The lab fabric {PREFIX} is up: 4 hosts, outside host 203.0.113.1.", timeout=60_000
    )
    expect(form.get_by_role("status")).to_have_text(re.compile(r"Started, with \d+ changes\."))
    expect(hosts.get_by_role("button", name="Start lab fabric")).to_be_enabled()
    expect(hosts.locator("#fabric-compute-nodes-error")).to_have_count(0)
    registry = hosts.get_by_role("table", name="Hosts")
    fabric = hosts.get_by_role("table", name="Lab fabric")
    for name, namespace in [
        ("network-1", f"{PREFIX}-n1"),
        ("network-2", f"{PREFIX}-n2"),
        ("compute-1", f"{PREFIX}-c1"),
        ("compute-2", f"{PREFIX}-c2"),
    ]:
        expect(row(page, name).filter(has_text=namespace)).to_contain_text("present")
        expect(registry.get_by_role("rowheader", name=name, exact=True)).to_be_visible()
        expect(fabric.get_by_role("rowheader", name=name, exact=True)).to_be_visible()
    expect(row(page, "compute-2").filter(has_text=PREFIX)).to_contain_text("198.18.0.102")
    assert {host.namespace for host in SPEC.hosts} <= probe.namespaces()
    registered = outside_the_event_loop(lambda: dict(Host.objects.values_list("name", "namespace")))
    assert registered == {host.name: host.namespace for host in SPEC.hosts}
    page.screenshot(path=str(ARTIFACTS / "hosts-lab-fabric-up.png"), full_page=True)

    # Not while a topology is deployed on its hosts: the refusal names it, next to the form.
    def deployed_on_the_fabric() -> Deployment:
        topology = create_topology(
            create_project("Lab", admin), "Campus", admin, document=document(networks=[net("l")])
        )
        return Deployment.objects.create(
            topology=topology,
            revision=topology.head,
            action=DeploymentAction.DEPLOY,
            state=DeploymentState.DEPLOYED,
            hosts={"compute-1": {"done": 2, "total": 2, "state": "done"}},
            finished_at=timezone.now(),
        )

    deployment = outside_the_event_loop(deployed_on_the_fabric)
    hosts.get_by_role("button", name="Remove lab fabric").click()
    expect(form.get_by_role("alert")).to_contain_text("Destroy the deployments of Campus first")
    assert {host.namespace for host in SPEC.hosts} <= probe.namespaces()
    outside_the_event_loop(deployment.delete)

    hosts.get_by_role("button", name="Remove lab fabric").click()
    expect(hosts).to_contain_text(f"The lab fabric {PREFIX} is not running.", timeout=60_000)
    expect(hosts).to_contain_text("No host is registered.")
    expect(form.get_by_role("alert")).to_have_count(0)
    assert leftovers() == []
    assert outside_the_event_loop(lambda: Host.objects.count()) == 0

    # Someone who is not an admin sees no hosts section.
    others = browser.new_context()
    sign_in(others, app_server, olga)
    other_page = others.new_page()
    other_page.goto(f"{app_server}/app/")
    expect(other_page.get_by_role("heading", name="Projects")).to_be_visible(timeout=15_000)
    expect(other_page.get_by_text("You are not a member of any project yet.")).to_be_visible()
    expect(other_page.get_by_role("region", name="Hosts")).to_have_count(0)
    expect(other_page.get_by_role("button", name="Start lab fabric")).to_have_count(0)
    others.close()

"""Two people editing one topology in two browsers: each sees the other's edits within a
second and what the other has selected; an instance dropped into a host's box is pinned there;
elements carry their addresses."""

from __future__ import annotations

from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from designer.models import Host, Role
from designer.services.projects import add_member, create_project
from designer.services.topologies import create_topology
from tests.builders import document, net, port, subnet
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_canvas import outside_the_event_loop, signed_in
from tests.e2e.test_editor import node, stored_document

# Every edit must reach the other browser within this many milliseconds.
WITHIN_A_SECOND = 1_000


def drag_by(page: Page, selector: str, dx: float, dy: float) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=15)
    page.mouse.up()


def test_two_editors_see_each_others_edits_and_selections(
    app_server: str, browser: Browser
) -> None:
    def make() -> tuple[User, User, int]:
        ada = User.objects.create_user("ada")
        bob = User.objects.create_user("bob")
        project = create_project("Lab", ada)
        add_member(project, bob, Role.EDITOR)
        Host.objects.create(name="compute-1", role="compute")
        topology = create_topology(
            project,
            "Campus",
            ada,
            document=document(
                networks=[net("web", name="web tier")],
                subnets=[subnet("web-sub", "web", "10.0.1.0/24")],
                instances=[{"id": "vm1", "name": "frontend vm"}],
                ports=[port("p1", "web", "vm1", ("web-sub", "10.0.1.10"))],
            ),
        )
        return ada, bob, topology.pk

    ada, bob, topology_id = outside_the_event_loop(make)
    contexts = [signed_in(browser, app_server, user) for user in (ada, bob)]
    first, second = (context.new_page() for context in contexts)
    for page in (first, second):
        page.goto(f"{app_server}/app/topologies/{topology_id}/")
        expect(page.get_by_text("revision 1")).to_be_visible(timeout=15_000)
        # Each element carries its addresses.
        expect(node(page, "frontend vm").get_by_test_id("address-badge")).to_have_text("10.0.1.10")
        expect(page.locator('[data-host="compute-1"]')).to_be_visible()
    expect(first.get_by_label("Also here")).to_contain_text("bob")
    expect(second.get_by_label("Also here")).to_contain_text("ada")

    # An edit in one browser shows in the other within a second, both ways.
    first.get_by_role("button", name="Add Self-service network").press("Enter")
    expect(first.get_by_text("revision 2")).to_be_visible()
    expect(node(second, "Self-service 1")).to_be_visible(timeout=WITHIN_A_SECOND)
    second.get_by_role("button", name="Add Instance").press("Enter")
    expect(second.get_by_text("revision 3")).to_be_visible()
    expect(node(first, "Instance 1")).to_be_visible(timeout=WITHIN_A_SECOND)

    # What one person selects is outlined in their colour, with their name, for the other.
    node(first, "frontend vm").click()
    expect(node(second, "frontend vm").locator(".presence-tag")).to_have_text(
        "ada", timeout=WITHIN_A_SECOND
    )

    # Dropping the instance into the host's box pins it there, for both.
    host = second.locator('[data-host="compute-1"]').bounding_box()
    vm = node(second, "frontend vm").bounding_box()
    assert host is not None
    assert vm is not None
    drag_by(
        second,
        '.react-flow__node:has-text("frontend vm")',
        host["x"] + host["width"] / 2 - (vm["x"] + vm["width"] / 2),
        host["y"] + host["height"] / 2 - (vm["y"] + vm["height"] / 2),
    )
    expect(second.get_by_text("revision 4")).to_be_visible()
    expect(first.get_by_text("revision 4")).to_be_visible(timeout=WITHIN_A_SECOND)
    (vm1,) = [i for i in stored_document(topology_id)["instances"] if i["id"] == "vm1"]
    assert vm1["host"] == "compute-1"
    first.screenshot(path=str(ARTIFACTS / "collaboration-ada.png"))
    second.screenshot(path=str(ARTIFACTS / "collaboration-bob.png"))
    for context in contexts:
        context.close()

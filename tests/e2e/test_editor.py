"""The topology editor in a real browser: sign in, build a small network from the palette,
connect an instance, and watch the server's findings follow an edit in the inspector."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import User
from playwright.sync_api import Browser, Locator, Page, expect

from designer.models import Topology
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from designer.spec import Document
from tests.builders import document, net, port, subnet
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_canvas import outside_the_event_loop, signed_in


def node(page: Page, text: str) -> Locator:
    return page.locator(".react-flow__node", has_text=text)


def stored_document(topology_id: int) -> Any:
    return outside_the_event_loop(lambda: Topology.objects.get(pk=topology_id).head.document)


def open_own_topology(
    browser: Browser, app_server: str, username: str, name: str, doc: Document
) -> tuple[Page, int]:
    """A new user's topology of `doc` (in a project of theirs), open in their editor."""

    def make() -> tuple[User, int]:
        owner = User.objects.create_user(username)
        project = create_project("Lab", owner)
        return owner, create_topology(project, name, owner, document=doc).pk

    owner, topology_id = outside_the_event_loop(make)
    page = signed_in(browser, app_server, owner).new_page()
    page.goto(f"{app_server}/app/topologies/{topology_id}/")
    expect(page.get_by_text("revision 1")).to_be_visible(timeout=15_000)
    return page, topology_id


def connect(page: Page, source: Locator, target: Locator) -> None:
    """Draw a line from `source`'s lower handle onto the body of `target`."""
    handle = source.locator(".react-flow__handle-bottom").bounding_box()
    box = target.bounding_box()
    assert handle is not None
    assert box is not None
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=12)
    page.mouse.up()


def test_build_connect_and_fix_an_overlap(app_server: str, page: Page) -> None:
    def make() -> int:
        owner = User.objects.create_user("lin", password="s3cret pass")
        project = create_project("Lab", owner)
        return create_topology(project, "Fresh", owner).pk

    topology_id = outside_the_event_loop(make)
    page.goto(f"{app_server}/app/topologies/{topology_id}/")
    page.goto(f"{app_server}/app/login/?next=/app/topologies/{topology_id}/")
    page.get_by_label("Username").fill("lin")
    page.get_by_label("Password").fill("s3cret pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("revision 1")).to_be_visible(timeout=15_000)

    # A network by keyboard, a subnet on it (the new network is selected), an instance by drag.
    page.get_by_role("button", name="Add Self-service network").focus()
    page.keyboard.press("Enter")
    expect(node(page, "Self-service 1")).to_be_visible()
    expect(page.get_by_text("revision 2")).to_be_visible()
    page.get_by_role("button", name="Add Subnet").press("Enter")
    expect(node(page, "Subnet 1 10.0.0.0/24")).to_be_visible()
    expect(page.get_by_text("revision 3")).to_be_visible()
    canvas = page.locator(".react-flow__pane")
    page.get_by_role("button", name="Add Instance").drag_to(
        canvas, target_position={"x": 200, "y": 120}
    )
    expect(node(page, "Instance 1")).to_be_visible()
    expect(page.get_by_text("revision 4")).to_be_visible()

    # A pair that means nothing is refused on the spot, and nothing is sent.
    connect(page, node(page, "Subnet 1"), node(page, "Self-service 1"))
    expect(page.get_by_role("alert")).to_contain_text("Nothing joins")
    expect(page.get_by_text("revision 4")).to_be_visible()

    connect(page, node(page, "Instance 1"), node(page, "Subnet 1"))
    expect(page.get_by_text("revision 5")).to_be_visible()
    stored = stored_document(topology_id)
    (instance,) = stored["instances"]
    (subnet,) = stored["subnets"]
    (port,) = stored["ports"]
    assert port["device"] == instance["id"]
    assert port["fixed_ips"] == [{"subnet": subnet["id"], "ip_address": "10.0.0.10"}]
    assert re.fullmatch(r"sub-[a-z0-9]{6}", subnet["id"])
    page.screenshot(path=str(ARTIFACTS / "editor-connected.png"))

    # A second subnet on the network, then its CIDR changed to overlap the first one.
    node(page, "Self-service 1").click()
    page.get_by_role("button", name="Add Subnet").press("Enter")
    expect(node(page, "Subnet 2 10.0.1.0/24")).to_be_visible()
    cidr = page.get_by_label("CIDR", exact=True)
    cidr.fill("10.0.0.0/24")
    cidr.press("Enter")
    findings = page.get_by_role("region", name="Findings")
    expect(findings).to_contain_text("1 errors", timeout=10_000)
    findings.get_by_role("button", name="Findings").click()
    expect(findings.get_by_text("subnet.overlap")).to_be_visible(timeout=10_000)
    expect(page.locator(".element-node.finding-error")).to_have_count(2)
    expect(page.get_by_label("Findings on this element")).to_contain_text("overlaps")
    page.screenshot(path=str(ARTIFACTS / "editor-overlap.png"))

    # A click on the finding selects both subnets; fixing one CIDR clears it.
    findings.get_by_role("button", name=re.compile("overlaps")).click()
    expect(page.locator(".react-flow__node.selected")).to_have_count(2)
    page.locator(".react-flow__pane").click(position={"x": 10, "y": 10})
    node(page, "Subnet 2").click()
    cidr = page.get_by_label("CIDR", exact=True)
    cidr.fill("10.0.7.0/24")
    cidr.press("Enter")
    expect(findings.get_by_text("subnet.overlap")).to_have_count(0, timeout=10_000)
    expect(page.locator(".element-node.finding-error")).to_have_count(0)
    stored = stored_document(topology_id)
    assert sorted(s["cidr"] for s in stored["subnets"]) == ["10.0.0.0/24", "10.0.7.0/24"]

    # A value the server refuses is shown next to its field, and nothing is stored.
    name = page.get_by_label("Name", exact=True)
    name.fill("bad <name>")
    name.press("Enter")
    expect(page.locator("#field-name-error")).to_contain_text("letters, digits, spaces")
    expect(name).to_have_value("Subnet 2")
    expect(page.get_by_text("revision 8")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "editor-refused-name.png"))
    page.get_by_role("button", name="Dismiss messages").click()

    # Delete takes the network with its subnets and the port; undo brings them back.
    node(page, "Self-service 1").click()
    page.keyboard.press("Delete")
    expect(node(page, "Subnet 1")).to_have_count(0)
    expect(node(page, "Self-service 1")).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(node(page, "Subnet 1")).to_be_visible()
    expect(page.get_by_text("revision 10")).to_be_visible()
    stored = stored_document(topology_id)
    assert len(stored["subnets"]) == 2
    assert len(stored["ports"]) == 1
    page.keyboard.press("Control+Shift+z")
    expect(node(page, "Subnet 1")).to_have_count(0)
    page.get_by_role("button", name="Undo").click()
    expect(node(page, "Subnet 1")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(".react-flow__node.selected")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "editor.png"))


def test_a_viewer_sees_no_palette(app_server: str, page: Page) -> None:
    def make() -> int:
        owner = User.objects.create_user("owner")
        viewer = User.objects.create_user("val", password="viewer pass")
        project = create_project("Lab", owner)
        project.memberships.create(user=viewer, role="viewer")
        return create_topology(project, "Look only", owner).pk

    topology_id = outside_the_event_loop(make)
    page.goto(f"{app_server}/app/login/?next=/app/topologies/{topology_id}/")
    page.get_by_label("Username").fill("val")
    page.get_by_label("Password").fill("viewer pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("read only")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("navigation", name="Add elements")).to_have_count(0)


def test_a_stranger_is_told_once_that_the_topology_is_not_theirs(
    app_server: str, page: Page
) -> None:
    """The socket refuses with 4403, which the page reads and does not retry (a handshake
    refused before the socket opened would reach it as 1006, and it would try forever)."""

    def make() -> int:
        User.objects.create_user("stranger", password="stranger pass")
        owner = User.objects.create_user("owner")
        return create_topology(create_project("Lab", owner), "Private", owner).pk

    topology_id = outside_the_event_loop(make)
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    page.goto(f"{app_server}/app/login/?next=/app/topologies/{topology_id}/")
    page.get_by_label("Username").fill("stranger")
    page.get_by_label("Password").fill("stranger pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("You cannot open this topology.")).to_be_visible(timeout=15_000)
    page.wait_for_timeout(2_000)  # a retry would come within 1 s
    assert [url for url in sockets if "/ws/topologies/" in url] == [
        f"{app_server.replace('http', 'ws', 1)}/ws/topologies/{topology_id}/"
    ]


def test_routers_gateways_and_floating_ips_from_links(app_server: str, page: Page) -> None:
    def make() -> int:
        owner = User.objects.create_user("ida", password="router pass")
        project = create_project("Lab", owner)
        return create_topology(
            project,
            "Routed",
            owner,
            document=document(
                networks=[
                    net("lan", name="lan"),
                    net(
                        "ext",
                        "provider",
                        name="outside",
                        physical_network="physnet1",
                        external=True,
                    ),
                ],
                subnets=[
                    subnet("lan4", "lan", "10.1.0.0/24", gateway_ip="10.1.0.1"),
                    subnet("ext4", "ext", "203.0.113.0/24", gateway_ip="203.0.113.1"),
                ],
                instances=[{"id": "vm1", "name": "web"}],
                ports=[port("p1", "lan", "vm1", ("lan4", "10.1.0.10"))],
                layout={
                    "positions": {
                        "lan": {"x": 0, "y": 200},
                        "lan4": {"x": 0, "y": 320},
                        "ext": {"x": 500, "y": 200},
                        "ext4": {"x": 500, "y": 320},
                        "vm1": {"x": 0, "y": 0},
                    }
                },
            ),
        ).pk

    topology_id = outside_the_event_loop(make)
    page.goto(f"{app_server}/app/login/?next=/app/topologies/{topology_id}/")
    page.get_by_label("Username").fill("ida")
    page.get_by_label("Password").fill("router pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("revision 1")).to_be_visible(timeout=15_000)

    canvas = page.locator(".react-flow__pane")
    page.get_by_role("button", name="Add Router").drag_to(
        canvas, target_position={"x": 450, "y": 60}
    )
    expect(node(page, "Router 1")).to_be_visible()
    connect(page, node(page, "Router 1"), node(page, "lan4 10.1.0.0/24"))
    expect(page.get_by_text("revision 3")).to_be_visible()
    connect(page, node(page, "Router 1"), page.locator('.react-flow__node[data-id="lan"]'))
    expect(page.get_by_role("alert")).to_contain_text("is not external")
    connect(page, node(page, "Router 1"), node(page, "outside"))
    expect(page.get_by_text("revision 4")).to_be_visible()
    # A floating IP goes to the external network, the nearest one that fits.
    page.get_by_role("button", name="Add Floating IP").drag_to(
        canvas, target_position={"x": 700, "y": 60}
    )
    expect(node(page, "Floating IP 1")).to_be_visible()
    connect(page, node(page, "Floating IP 1"), node(page, "web"))
    expect(page.get_by_text("revision 6")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "editor-routed.png"))

    stored = stored_document(topology_id)
    (router,) = stored["routers"]
    assert router["external_gateway"]["network"] == "ext"
    interface = next(p for p in stored["ports"] if p["device"] == router["id"])
    assert interface["fixed_ips"] == [{"subnet": "lan4", "ip_address": "10.1.0.1"}]
    (floating,) = stored["floating_ips"]
    assert floating["network"] == "ext"
    assert floating["port"] == "p1"

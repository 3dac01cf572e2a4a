"""The editor's tools in a real browser, driven from the keyboard where a person can: search by
address, the shortcuts help, multi-select with copy and paste, a link drawn with the keyboard,
and the automatic layout."""

from __future__ import annotations

from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from designer.services.projects import create_project
from designer.services.topologies import create_topology
from tests.builders import document, net, port, subnet
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_canvas import outside_the_event_loop, signed_in
from tests.e2e.test_editor import connect, node, open_own_topology, stored_document


def open_editor(browser: Browser, app_server: str) -> tuple[Page, int]:
    campus = document(
        networks=[net("web", name="web tier"), net("db", name="db tier")],
        subnets=[subnet("web-sub", "web", "10.0.1.0/24"), subnet("db-sub", "db", "10.0.2.0/24")],
        instances=[{"id": "vm1", "name": "frontend vm"}, {"id": "vm2", "name": "cache"}],
        ports=[port("p1", "web", "vm1", ("web-sub", "10.0.1.10"))],
    )
    return open_own_topology(browser, app_server, "ada", "Campus", campus)


def test_search_help_copy_paste_keyboard_link_and_layout(app_server: str, browser: Browser) -> None:
    page, topology_id = open_editor(browser, app_server)
    inspector = page.get_by_role("region", name="Inspector")

    # Search by address: the instance holding it is found, selected and shown.
    page.locator(".react-flow__pane").click()
    page.keyboard.press("/")
    search = page.get_by_role("combobox")
    expect(search).to_be_focused()
    search.fill("10.0.1.10")
    expect(page.get_by_role("option").first).to_contain_text("frontend vm")
    search.press("Enter")
    expect(inspector.get_by_label("Name")).to_have_value("frontend vm")

    # The shortcuts help opens with ? and closes with Escape.
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog")
    expect(help_dialog).to_contain_text("Copy the selection")
    page.keyboard.press("Escape")
    expect(help_dialog).to_have_count(0)
    page.keyboard.press("f")  # back to the whole topology

    # Two elements selected with Ctrl+click, copied and pasted: copies with new names.
    node(page, "web tier").click()
    node(page, "db tier").click(modifiers=["Control"])
    expect(page.locator(".react-flow__node.selected")).to_have_count(2)
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(page.get_by_text("revision 2")).to_be_visible()
    names = {n["name"] for n in stored_document(topology_id)["networks"]}
    assert names == {"web tier", "db tier", "web tier 2", "db tier 2"}
    # A network's subnets come with it, on CIDRs that overlap nothing; the copies are selected.
    cidrs = sorted(s["cidr"] for s in stored_document(topology_id)["subnets"])
    assert cidrs[:2] == ["10.0.1.0/24", "10.0.2.0/24"]
    assert len(set(cidrs)) == 4
    expect(page.locator(".react-flow__node.selected")).to_have_count(4)
    # One undo takes the whole paste back.
    page.keyboard.press("Control+z")
    expect(page.get_by_text("revision 3")).to_be_visible()
    assert len(stored_document(topology_id)["networks"]) == 2
    assert len(stored_document(topology_id)["subnets"]) == 2

    # A link from the keyboard: C on the instance, then Enter on the network it joins.
    node(page, "cache").click()
    page.keyboard.press("c")
    expect(page.get_by_role("alert")).to_contain_text("Linking")
    node(page, "db tier").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("revision 4")).to_be_visible()
    ports = stored_document(topology_id)["ports"]
    assert {(p["device"], p["network"]) for p in ports} == {("vm1", "web"), ("vm2", "db")}

    # Automatic layout: one edit that places every element, no two on top of each other.
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})
    page.keyboard.press("l")
    expect(page.get_by_text("revision 5")).to_be_visible()
    stored = stored_document(topology_id)
    positions = stored["layout"]["positions"]
    ids = [e["id"] for key in ("networks", "subnets", "instances") for e in stored[key]]
    assert set(ids) <= set(positions)
    corners = [(positions[i]["x"], positions[i]["y"]) for i in ids]
    for k, (x, y) in enumerate(corners):
        for u, v in corners[k + 1 :]:
            assert abs(x - u) >= 150 or abs(y - v) >= 40, "two elements overlap after layout"
    page.screenshot(path=str(ARTIFACTS / "editor-after-layout.png"))

    # Arrow keys move the selection by a grid step, Shift by a large one: one edit each.
    node(page, "cache").click()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_text("revision 6")).to_be_visible()
    page.keyboard.press("Shift+ArrowDown")
    expect(page.get_by_text("revision 7")).to_be_visible()
    moved = stored_document(topology_id)["layout"]["positions"]["vm2"]
    assert (moved["x"], moved["y"]) == (positions["vm2"]["x"] + 10, positions["vm2"]["y"] + 50)


def test_a_network_a_subnet_a_router_and_two_instances_dragged_in_and_connected(
    app_server: str, browser: Browser
) -> None:
    def make() -> tuple[User, int]:
        owner = User.objects.create_user("kim")
        return owner, create_topology(create_project("Lab", owner), "Blank", owner).pk

    owner, topology_id = outside_the_event_loop(make)
    page = signed_in(browser, app_server, owner).new_page()
    page.goto(f"{app_server}/app/topologies/{topology_id}/")
    expect(page.get_by_text("revision 1")).to_be_visible(timeout=15_000)
    canvas = page.locator(".react-flow__pane")
    drops = [
        ("Self-service network", "Self-service 1", {"x": 150, "y": 380}),
        ("Subnet", "Subnet 1", {"x": 400, "y": 380}),
        ("Router", "Router 1", {"x": 400, "y": 150}),
        ("Instance", "Instance 1", {"x": 120, "y": 120}),
        ("Instance", "Instance 2", {"x": 650, "y": 120}),
    ]
    for revision, (kind, name, where) in enumerate(drops, start=2):
        page.get_by_role("button", name=f"Add {kind}").drag_to(canvas, target_position=where)
        expect(node(page, name)).to_be_visible()
        expect(page.get_by_text(f"revision {revision}")).to_be_visible()
    # The subnet went to the network selected when it was dropped.
    for revision, source in enumerate(("Instance 1", "Instance 2", "Router 1"), start=7):
        connect(page, node(page, source), node(page, "Subnet 1"))
        expect(page.get_by_text(f"revision {revision}")).to_be_visible()

    stored = stored_document(topology_id)
    (network,) = stored["networks"]
    (subnet,) = stored["subnets"]
    (router,) = stored["routers"]
    assert subnet["network"] == network["id"]
    devices = {p["device"]: p["fixed_ips"][0] for p in stored["ports"]}
    assert set(devices) == {*(i["id"] for i in stored["instances"]), router["id"]}
    # Instances get free addresses; the router's interface is the subnet's gateway.
    assert devices[router["id"]]["ip_address"] == subnet["gateway_ip"]
    assert len({f["ip_address"] for f in devices.values()}) == 3
    page.screenshot(path=str(ARTIFACTS / "editor-built-from-scratch.png"))


def test_the_layout_is_shown_whole(app_server: str, browser: Browser) -> None:
    """Eight instances drawn in a narrow column are laid out in a wide row: the view is fitted
    to the row, where the elements have gone, not to the column they left."""
    vms = [f"vm{i}" for i in range(8)]

    def make() -> tuple[User, int]:
        owner = User.objects.create_user("grace")
        project = create_project("Lab", owner)
        column = {vm: {"x": 0, "y": 60 * i} for i, vm in enumerate(vms)}
        topology = create_topology(
            project,
            "Row",
            owner,
            document=document(
                networks=[net("lan")],
                instances=[{"id": vm, "name": vm} for vm in vms],
                ports=[port(f"p{i}", "lan", vm) for i, vm in enumerate(vms)],
                layout={"positions": {**column, "lan": {"x": 0, "y": 520}}},
            ),
        )
        return owner, topology.pk

    owner, topology_id = outside_the_event_loop(make)
    page = signed_in(browser, app_server, owner).new_page()
    page.goto(f"{app_server}/app/topologies/{topology_id}/")
    expect(page.get_by_text("revision 1")).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Auto layout").click()
    expect(page.get_by_text("revision 2")).to_be_visible()
    row = stored_document(topology_id)["layout"]["positions"]
    assert len({row[vm]["y"] for vm in vms}) == 1, "the instances are not laid out in a row"
    for element_id in [*vms, "lan"]:
        expect(page.locator(f'.react-flow__node[data-id="{element_id}"]')).to_be_in_viewport()

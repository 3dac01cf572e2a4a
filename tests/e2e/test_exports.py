"""Stakeholder views in the browser: a share link's visitor opens a demo topology, finds no way
to change it, saves its picture as SVG and as PNG, and opens its printable report (one A4 page
for each demo topology); the owner copies the embed snippet from the project page, and the
snippet shows the topology, read only and without the app's navigation, inside another page."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from playwright.sync_api import Browser, BrowserContext, Download, Locator, Page, expect

from designer.demo import DEMO, PROJECT_NAME, TOPOLOGIES, create_demo
from designer.models import Project, Topology
from designer.services.sharing import create_share_link
from designer.spec import load_document_text, parse_document
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_canvas import outside_the_event_loop, signed_in

SVG = "{http://www.w3.org/2000/svg}"
ELEMENT_LISTS = ("networks", "segments", "subnets", "routers", "instances", "ports", "floating_ips")
HA_ROUTER = "HA router with floating IPs"


@dataclass(frozen=True)
class Demo:
    owner: User
    project_id: int
    share: str
    # Each demo topology: its id and its document, as JSON.
    topologies: dict[str, tuple[int, dict[str, Any]]]


def make_demo() -> Demo:
    """The local demo as `manage.py createdemo` makes it (its hosts, its project of three
    topologies) and a share link for that whole project."""
    create_demo()
    project = Project.objects.get(name=PROJECT_NAME)
    owner = User.objects.get(username=DEMO.username)
    topologies = {}
    for demo in TOPOLOGIES:
        topology = Topology.objects.get(project=project, name=demo.name)
        assert topology.head is not None
        topologies[demo.name] = (topology.pk, topology.head.document)
    link = create_share_link(project, owner, label="stakeholders")
    return Demo(owner, project.pk, link.token, topologies)


def names_in(document: dict[str, Any]) -> set[str]:
    """Every element's name (its id when it has none)."""
    return {
        element.get("name") or element["id"]
        for key in ELEMENT_LISTS
        for element in document.get(key) or []
    }


def saved(page: Page, item: str) -> bytes:
    """Choose `item` in the Export menu and return the bytes of the file it downloads."""
    page.get_by_role("button", name="Export", exact=True).click()
    with page.expect_download() as started:
        page.get_by_role("menuitem", name=item).click()
    download: Download = started.value
    assert download.failure() is None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    download.save_as(ARTIFACTS / f"export-{download.suggested_filename}")
    return Path(download.path()).read_bytes()


def node(page: Page | Any, id: str) -> Locator:
    return page.locator(f'.react-flow__node[data-id="{id}"]')


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def test_a_share_link_visitor_exports_the_picture_and_the_report(
    app_server: str, context: BrowserContext, page: Page
) -> None:
    demo = outside_the_event_loop(make_demo)
    topology_id, document = demo.topologies[HA_ROUTER]
    page.goto(f"{app_server}/app/topologies/{topology_id}/?share={demo.share}")
    expect(node(page, "edge")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("read only")).to_be_visible()

    # Nothing to change it with: no palette, every field of the inspector disabled, and the
    # API refuses a save made with the link.
    expect(page.get_by_role("navigation", name="Add elements")).to_have_count(0)
    node(page, "edge").click()
    inspector = page.get_by_role("region", name="Inspector")
    expect(inspector.locator("input, select, textarea").first).to_be_visible()
    expect(inspector.locator("input:enabled, select:enabled, textarea:enabled")).to_have_count(0)
    status = page.evaluate(
        """async ([id, token]) => (await fetch(`/api/v1/topologies/${id}/document/`, {
            method: "PUT",
            headers: {"Content-Type": "application/json", Authorization: `Share ${token}`},
            body: JSON.stringify({base_revision: 1, document: {}}),
        })).status""",
        [topology_id, demo.share],
    )
    assert status == 403

    # The SVG: a real picture, as big as what it draws, naming every element and its addresses.
    picture = saved(page, "SVG picture")
    # The file the app under test just made, parsed to check it is well-formed XML.
    root = ET.fromstring(picture)  # noqa: S314
    assert root.tag == f"{SVG}svg"
    width, height = int(root.attrib["width"]), int(root.attrib["height"])
    assert 400 < width < 4000, width
    assert 300 < height < 4000, height
    assert root.find(f".//{SVG}foreignObject") is None
    texts = {text.text for text in root.iter(f"{SVG}text")}
    missing = names_in(document) - texts
    assert not missing, f"not in the picture: {missing}"
    for address in ("203.0.113.0/24", "10.10.0.11", "gw 203.0.113.10", "fip 203.0.113.101"):
        assert address in texts, address
    assert HA_ROUTER in texts

    # The PNG: the same picture at twice its size.
    png = saved(page, "PNG picture")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    png_width, png_height = struct.unpack(">II", png[16:24])
    assert (png_width, png_height) == (2 * width, 2 * height)
    assert png_width > 400
    assert png_height > 300

    # The document as a file, which reads back as the topology it came from.
    for kind, item in (("yaml", "Document as YAML"), ("json", "Document as JSON")):
        text = saved(page, item).decode()
        assert load_document_text(text, filename=f"x.{kind}") == parse_document(document)
    assert text.startswith("{")

    # The report, in a tab of its own: the picture, the inventory and the validation.
    page.get_by_role("button", name="Export", exact=True).click()
    with context.expect_page() as opened:
        page.get_by_role("menuitem", name="Printable report").click()
    report = opened.value
    report.wait_for_load_state()
    assert report.url == f"{app_server}/app/topologies/{topology_id}/report/?share={demo.share}"
    expect(report.get_by_role("heading", name=HA_ROUTER, level=1)).to_be_visible(timeout=15_000)
    expect(report.get_by_role("img", name=f"The topology {HA_ROUTER}")).to_be_visible()
    subnets = report.get_by_role("table", name="Subnets")
    expect(row(subnets, "app-v4")).to_contain_text("10.10.0.0/24")
    expect(row(subnets, "app-v4")).to_contain_text("10.10.0.1")
    expect(row(report.get_by_role("table", name="Networks"), "app")).to_contain_text("self service")
    routers = report.get_by_role("table", name="Routers")
    expect(row(routers, "edge")).to_contain_text("ha")
    expect(row(routers, "edge")).to_contain_text("network-1, network-2")
    instances = report.get_by_role("table", name="Instances")
    expect(row(instances, "app-1")).to_contain_text("compute-1")
    expect(row(instances, "app-1")).to_contain_text("203.0.113.101")
    expect(
        row(report.get_by_role("table", name="Hosts and interfaces"), "compute-2")
    ).to_contain_text("app-2: app-2-eth0")
    expect(row(report.get_by_role("table", name="Floating IPs"), "app-2 public")).to_contain_text(
        "203.0.113.102"
    )
    validation = report.get_by_role("region", name="Validation")
    counts = report.evaluate(
        """async ([id, token]) => (await (await fetch(`/api/v1/topologies/${id}/validate/`, {
            headers: {Authorization: `Share ${token}`},
        })).json()).counts""",
        [topology_id, demo.share],
    )
    for severity, noun in (("error", "error"), ("warning", "warning")):
        count = counts[severity]
        expect(validation).to_contain_text(f"{count} {noun}{'' if count == 1 else 's'}")
    expect(report.get_by_role("button", name="Print")).to_be_visible()
    report.close()


def test_each_demo_report_prints_on_one_a4_page(
    app_server: str, context: BrowserContext, page: Page
) -> None:
    demo = outside_the_event_loop(make_demo)
    for name, (topology_id, document) in demo.topologies.items():
        page.goto(f"{app_server}/app/topologies/{topology_id}/report/?share={demo.share}")
        expect(page.get_by_role("heading", name=name, level=1)).to_be_visible(timeout=15_000)
        expect(page.get_by_role("region", name="Validation")).to_contain_text("deployable")
        # Every element of the demo is in the inventory (ports through their device's row).
        inventory = page.get_by_role("region", name="Inventory")
        for key in ("networks", "subnets", "routers", "instances", "floating_ips"):
            for element in document.get(key) or []:
                expect(
                    inventory.get_by_role("rowheader", name=element.get("name") or element["id"])
                ).not_to_have_count(0)
        page.wait_for_function(
            "Array.from(document.images).every((image) => image.complete && image.naturalWidth > 0)"
        )
        pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"report-{topology_id}.pdf").write_bytes(pdf)
        assert pdf_pages(pdf) == 1, f"{name}: {pdf_pages(pdf)} pages"
        expect(page.get_by_role("button", name="Print")).to_be_visible()


def row(scope: Page | Locator, header: str) -> Locator:
    """The table row whose row header is `header`."""
    # The inner locator of a filter is taken from the row, so it starts from the page.
    page = scope if isinstance(scope, Page) else scope.page
    return scope.locator("tr").filter(has=page.get_by_role("rowheader", name=header, exact=True))


def test_the_embed_snippet_shows_the_topology_in_another_page(
    app_server: str, browser: Browser, page: Page
) -> None:
    demo = outside_the_event_loop(make_demo)
    topology_id, _ = demo.topologies[HA_ROUTER]

    # The owner copies the snippet beside the topology's address.
    owner_context = signed_in(browser, app_server, demo.owner)
    owner_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server)
    owner = owner_context.new_page()
    owner.goto(f"{app_server}/app/projects/{demo.project_id}/")
    link = row(owner, "stakeholders")
    link.get_by_role(
        "button", name=f"Copy embed snippet: stakeholders: address of {HA_ROUTER}"
    ).click()
    address = link.get_by_role("listitem").filter(has_text=HA_ROUTER)
    expect(address.get_by_role("status")).to_have_text("Embed snippet copied.")
    snippet = str(owner.evaluate("navigator.clipboard.readText()"))
    owner_context.close()
    src = f"{app_server}/app/topologies/{topology_id}/?share={demo.share}&embed=1"
    assert snippet.startswith(f'<iframe src="{src}" ')

    # Another site's page holding the snippet shows the topology, read only, without the
    # links into the rest of the app.
    page.set_content(f"<!doctype html><title>Elsewhere</title><h1>Our network</h1>{snippet}")
    frame = page.frame_locator("iframe")
    expect(node(frame, "edge")).to_be_visible(timeout=15_000)
    expect(frame.get_by_text("read only")).to_be_visible()
    expect(frame.get_by_role("link", name="Projects")).to_have_count(0)
    expect(frame.get_by_role("link", name="History")).to_have_count(0)
    expect(frame.get_by_role("navigation", name="Add elements")).to_have_count(0)
    expect(frame.get_by_role("button", name="Export", exact=True)).to_be_visible()

    # Other pages are not shown in a frame, even with the token: here, the report.
    report = f"{app_server}/app/topologies/{topology_id}/report/?share={demo.share}"
    with page.expect_response(report) as answered:
        page.set_content(f'<!doctype html><iframe src="{report}"></iframe>')
    assert answered.value.headers["x-frame-options"] == "DENY"
    page.wait_for_timeout(2000)
    expect(page.frame_locator("iframe").get_by_role("heading", name=HA_ROUTER)).to_have_count(0)

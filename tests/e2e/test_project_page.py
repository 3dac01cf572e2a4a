"""The project page in a real browser: what an owner, a viewer and an admin may see and do."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from designer.models import Membership, Project, Quota, Role, ShareLink, Topology
from designer.services.projects import add_member, create_project
from designer.services.topologies import create_topology
from tests.builders import document, net, port, subnet
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_canvas import outside_the_event_loop


def sign_in(context: BrowserContext, server: str, user: User) -> None:
    """Give the (guarded) browser context `user`'s session cookie."""

    def session() -> str:
        client = Client()
        client.force_login(user)
        return str(client.cookies["sessionid"].value)

    cookie = outside_the_event_loop(session)
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": server}])


def row(page: Page, header: str) -> Locator:
    """The table row whose row header is `header`."""
    return page.locator("tr").filter(has=page.get_by_role("rowheader", name=header, exact=True))


def lab_with_two_topologies(owner: User) -> Project:
    """Three networks, one subnet, one port and one instance over two topologies."""
    project = create_project("Networks lab", owner, description="Week 3: routing")
    create_topology(
        project,
        "Campus",
        owner,
        document=document(
            networks=[net("web"), net("db")],
            subnets=[subnet("web-sub", "web", "10.0.1.0/24")],
            instances=[{"id": "vm1", "name": "frontend"}],
            ports=[port("p1", "web", "vm1", ("web-sub", "10.0.1.10"))],
        ),
    )
    create_topology(project, "Edge", owner, document=document(networks=[net("edge")]))
    return project


def share_status(server: str, topology: int, token: str) -> int:
    """The status the API answers a share link's holder reading the topology."""
    request = urllib.request.Request(
        f"{server}/api/v1/topologies/{topology}/document/",
        headers={"Authorization": f"Share {token}"},
    )
    try:
        return int(urllib.request.urlopen(request).status)
    except urllib.error.HTTPError as error:
        return error.code


def test_an_owner_manages_topologies_members_and_share_links(
    app_server: str, browser: Browser, context: BrowserContext, page: Page
) -> None:
    def make() -> tuple[User, int, int]:
        owner = User.objects.create_user("olga")
        User.objects.create_user("bob")
        project = lab_with_two_topologies(owner)
        return owner, project.pk, Topology.objects.get(name="Campus").pk

    owner, project_id, campus_id = outside_the_event_loop(make)
    sign_in(context, app_server, owner)
    page.goto(f"{app_server}/app/")
    page.get_by_role("link", name="Networks lab").click()
    expect(page).to_have_url(f"{app_server}/app/projects/{project_id}/")
    expect(page.get_by_role("heading", level=1, name="Networks lab")).to_be_visible()
    expect(page.get_by_text("Week 3: routing")).to_be_visible()
    expect(page.get_by_text("Your role: owner")).to_be_visible()
    expect(page.get_by_role("link", name="All projects")).to_have_attribute("href", "/app/")

    # Topologies: each links to its editor; a new one joins the list, a taken name is refused.
    expect(page.get_by_role("link", name="Campus")).to_have_attribute(
        "href", f"/app/topologies/{campus_id}/"
    )
    page.get_by_label("Name", exact=True).fill("Campus")
    page.get_by_role("button", name="Create topology").click()
    expect(page.locator("#topology-name-error")).to_contain_text("already has a topology")
    page.get_by_label("Name", exact=True).fill("Branch")
    page.get_by_role("button", name="Create topology").click()
    expect(row(page, "Branch")).to_contain_text("1")
    expect(page.get_by_label("Name", exact=True)).to_have_value("")

    # Usage is what the topologies hold, against Neutron's default limits.
    for usage in (
        "networks 3 of 100",
        "subnets 1 of 100",
        "ports 1 of 500",
        "routers 0 of 10",
        "floating IPs 0 of 50",
        "instances 1 of 100",
    ):
        expect(page.get_by_text(usage, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Save limits")).to_have_count(0)

    # Members: an unknown username is named next to its field; then bob joins and changes role.
    expect(row(page, "olga").get_by_label("Role of olga", exact=True)).to_have_value("owner")
    page.get_by_label("Username").fill("nobody")
    page.get_by_role("button", name="Add member").click()
    expect(page.locator("#member-username-error")).to_have_text("no active user has this username")
    expect(page.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Role", exact=True).select_option("editor")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_label("Role of bob", exact=True)).to_have_value("editor")
    expect(page.get_by_label("Username")).to_have_value("")

    page.get_by_label("Role of bob", exact=True).select_option("viewer")
    page.get_by_role("button", name="Change role of bob").click()
    expect(page.get_by_role("button", name="Change role of bob")).to_be_disabled()
    page.reload()
    expect(page.get_by_label("Role of bob", exact=True)).to_have_value("viewer")
    bob = Membership.objects.filter(project_id=project_id, user__username="bob")  # lazy
    assert outside_the_event_loop(lambda: bob.get().role) == Role.VIEWER

    # The last owner cannot step down: the server's reason is shown in the row.
    page.get_by_label("Role of olga", exact=True).select_option("editor")
    page.get_by_role("button", name="Change role of olga").click()
    expect(row(page, "olga").get_by_role("alert")).to_have_text(
        "A project must keep at least one owner."
    )
    page.get_by_label("Role of olga", exact=True).select_option("owner")
    expect(row(page, "olga").get_by_role("alert")).to_have_count(0)

    page.get_by_role("button", name="Remove bob").click()
    expect(row(page, "bob")).to_have_count(0)
    assert not outside_the_event_loop(bob.exists)

    # Share links: an expiry in the past is refused next to its field.
    page.get_by_label("Opens").select_option(label="Topology Campus")
    page.get_by_label("Label (optional)").fill("stakeholders")
    page.get_by_label("Expires (optional)").fill("2020-01-01T10:00")
    page.get_by_role("button", name="Create share link").click()
    expect(page.locator("#share-expires-error")).to_have_text("must be in the future")
    page.get_by_label("Expires (optional)").fill("")
    page.get_by_role("button", name="Create share link").click()
    link = row(page, "stakeholders")
    expect(link).to_contain_text("active")
    expect(link).to_contain_text("Never")
    address = link.get_by_label("stakeholders: address of Campus", exact=True)
    url = address.input_value()
    assert url.startswith(f"{app_server}/app/topologies/{campus_id}/?share=")

    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server)
    link.get_by_role("button", name="Copy stakeholders: address of Campus").click()
    expect(link.get_by_role("status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == url

    # The copied address opens the topology, read only, to someone without an account.
    visitor_context = browser.new_context(viewport={"width": 1400, "height": 900})
    visitor = visitor_context.new_page()
    visitor.goto(url)
    expect(visitor.get_by_text("read only")).to_be_visible(timeout=15_000)
    visitor_context.close()

    # A whole-project link gives an address for every topology.
    page.get_by_label("Opens").select_option(label="The whole project")
    page.get_by_label("Label (optional)").fill("whole lab")
    page.get_by_role("button", name="Create share link").click()
    whole = row(page, "whole lab")
    expect(whole).to_contain_text("Whole project")
    expect(whole.locator("input.address")).to_have_count(3)  # Branch, Campus, Edge
    page.screenshot(path=str(ARTIFACTS / "project-page-owner.png"), full_page=True)

    # Revoking stops the link at once; it stays listed as revoked.
    token = parse_qs(urlsplit(url).query)["share"][0]
    assert share_status(app_server, campus_id, token) == 200
    link.get_by_role("button", name="Revoke stakeholders").click()
    expect(link).to_contain_text("revoked")
    expect(link).to_contain_text("No longer opens")
    expect(link.get_by_role("button", name="Revoke stakeholders")).to_have_count(0)
    assert share_status(app_server, campus_id, token) == 401
    assert outside_the_event_loop(lambda: ShareLink.objects.get(token=token).revoked_at is not None)


def test_a_viewer_sees_the_project_without_editing_controls(
    app_server: str, context: BrowserContext, page: Page
) -> None:
    def make() -> tuple[User, int]:
        owner = User.objects.create_user("olga")
        viewer = User.objects.create_user("vera")
        project = lab_with_two_topologies(owner)
        add_member(project, viewer, Role.VIEWER)
        ShareLink.objects.create(project=project, label="secret")
        return viewer, project.pk

    viewer, project_id = outside_the_event_loop(make)
    page.goto(f"{app_server}/app/projects/{project_id}/")
    expect(page).to_have_url(
        re.compile(rf"/app/login/\?next=%2Fapp%2Fprojects%2F{project_id}%2F"), timeout=10_000
    )

    sign_in(context, app_server, viewer)
    page.goto(f"{app_server}/app/projects/{project_id}/")
    expect(page.get_by_text("Your role: viewer")).to_be_visible(timeout=10_000)
    expect(row(page, "olga")).to_contain_text("owner")
    expect(row(page, "vera")).to_contain_text("viewer")
    expect(page.get_by_role("link", name="Edge")).to_be_visible()
    expect(page.get_by_text("networks 3 of 100", exact=True)).to_be_visible()
    expect(row(page, "storage")).to_contain_text("30-39")
    expect(page.get_by_text("storage and external")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "project-page-viewer.png"), full_page=True)

    # Nothing to change: no role pickers, no member or topology forms, no share links at all.
    expect(page.get_by_role("combobox")).to_have_count(0)
    expect(page.get_by_role("textbox")).to_have_count(0)
    for button in ("Add member", "Remove olga", "Create topology", "Save limits", "Save policy"):
        expect(page.get_by_role("button", name=button)).to_have_count(0)
    expect(page.get_by_role("heading", name="Share links")).to_have_count(0)
    expect(page.get_by_text("secret")).to_have_count(0)


@pytest.mark.parametrize("bad", ["-2", "lots"])
def test_an_admin_sets_the_limits_and_the_vlan_policy(
    app_server: str, context: BrowserContext, page: Page, bad: str
) -> None:
    def make() -> tuple[User, int]:
        admin = User.objects.create_user("root", is_staff=True)
        project = lab_with_two_topologies(User.objects.create_user("olga"))
        return admin, project.pk

    admin, project_id = outside_the_event_loop(make)
    sign_in(context, app_server, admin)
    page.goto(f"{app_server}/app/projects/{project_id}/")
    expect(page.get_by_text("Your role: owner (admin)")).to_be_visible(timeout=10_000)

    networks = page.get_by_label("Limit of networks")
    networks.fill(bad)
    page.get_by_role("button", name="Save limits").click()
    expect(page.locator("#quota-networks-error")).to_be_visible()
    expect(networks).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("networks 3 of 100", exact=True)).to_be_visible()
    limit = outside_the_event_loop(lambda: Quota.objects.get(project_id=project_id).networks)
    assert limit == 100

    networks.fill("5")
    page.get_by_label("Limit of routers").fill("2")
    page.get_by_role("button", name="Save limits").click()
    expect(page.get_by_text("Limits saved.")).to_be_visible()
    expect(page.get_by_text("networks 3 of 5", exact=True)).to_be_visible()
    expect(page.get_by_text("routers 0 of 2", exact=True)).to_be_visible()
    expect(networks).to_have_attribute("aria-invalid", "false")
    quota = outside_the_event_loop(lambda: Quota.objects.get(project_id=project_id))
    assert (quota.networks, quota.routers, quota.ports) == (5, 2, 500)

    # -1 lifts a limit, as in Neutron.
    page.get_by_label("Limit of ports").fill("-1")
    page.get_by_role("button", name="Save limits").click()
    expect(page.get_by_text(re.compile(r"^ports \d+, no limit$"))).to_be_visible()
    assert outside_the_event_loop(lambda: Quota.objects.get(project_id=project_id).ports) == -1

    # The policy: a VLAN out of range is named at its role's row; a good one is stored.
    storage = page.get_by_label("VLANs of storage")
    storage.fill("30-39, 5000")
    page.get_by_role("button", name="Save policy").click()
    expect(storage).to_have_attribute("aria-invalid", "true")
    expect(storage).to_have_accessible_description(re.compile("low <= high <= 4094"))
    storage.fill("30-35")
    page.get_by_role("button", name="Remove pair 2").click()
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_text("Policy saved.")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"project-page-admin-{bad}.png"), full_page=True)

    def stored() -> tuple[object, object]:
        project = Project.objects.get(pk=project_id)
        return project.vlan_policy.ranges["storage"], project.vlan_policy.forbidden_pairs

    assert outside_the_event_loop(stored) == ([[30, 35]], [["storage", "external"]])


GOOD_FILE = b"""# A branch office: one self-service network and its subnet.
networks:
  - {id: branch, name: branch, kind: self_service}
subnets:
  - {id: branch-v4, network: branch, cidr: 10.40.0.0/24, gateway_ip: 10.40.0.1}
"""


def test_an_editor_makes_a_topology_from_a_yaml_file(
    app_server: str, context: BrowserContext, page: Page
) -> None:
    def make() -> tuple[User, int]:
        owner = User.objects.create_user("fay")
        return owner, create_project("Files", owner).pk

    owner, project_id = outside_the_event_loop(make)
    sign_in(context, app_server, owner)
    page.goto(f"{app_server}/app/projects/{project_id}/")
    chooser = page.get_by_label("From a file (YAML or JSON, optional)")

    # A typo in the file: the form names its place in the file, and nothing is made.
    typo = GOOD_FILE.replace(b"gateway_ip", b"gatway_ip")
    chooser.set_input_files(
        files=[{"name": "branch-office.yaml", "mimeType": "application/yaml", "buffer": typo}]
    )
    expect(page.get_by_label("Name", exact=True)).to_have_value("branch-office")
    page.get_by_role("button", name="Create topology").click()
    expect(page.locator("#topology-file-error")).to_contain_text("subnets[0].gatway_ip")
    expect(page.get_by_text("No topologies yet.")).to_be_visible()

    # Mended, it makes the topology at its first revision, and the form is empty again.
    chooser.set_input_files(
        files=[{"name": "branch-office.yaml", "mimeType": "application/yaml", "buffer": GOOD_FILE}]
    )
    page.get_by_role("button", name="Create topology").click()
    expect(row(page, "branch-office")).to_contain_text("1")
    expect(page.get_by_label("Name", exact=True)).to_have_value("")
    expect(chooser).to_have_value("")

    def stored() -> dict[str, Any]:
        topology = Topology.objects.get(project_id=project_id, name="branch-office")
        assert topology.head is not None
        return dict(topology.head.document)

    document = outside_the_event_loop(stored)
    assert [n["id"] for n in document["networks"]] == ["branch"]
    assert document["subnets"][0]["gateway_ip"] == "10.40.0.1"

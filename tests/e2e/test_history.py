"""The revision history page in a real browser: the diff of two revisions drawn in colour and
listed beside the canvas, restoring an old revision as an editor (and being told when someone
saved meanwhile), and viewers and share links that can look but never restore."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from designer.models import Revision, Role, Topology
from designer.services.projects import add_member, create_project
from designer.services.sharing import create_share_link
from designer.services.topologies import create_topology, save_revision
from tests.builders import document, net, subnet
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_canvas import outside_the_event_loop, signed_in

FIRST = {
    "networks": [net("web", name="web tier"), net("db", name="db tier")],
    "subnets": [subnet("web-sub", "web", "10.0.1.0/24")],
}


@dataclass
class Campus:
    topology_id: int
    owner: User
    editor: User
    viewer: User
    share: str


def make_campus() -> Campus:
    """A topology with four revisions: created, an instance added, the subnet's CIDR changed,
    the database network removed."""
    owner = User.objects.create_user("ada")
    editor = User.objects.create_user("eve")
    viewer = User.objects.create_user("vic")
    project = create_project("Lab", owner)
    add_member(project, editor, Role.EDITOR)
    add_member(project, viewer, Role.VIEWER)
    topology = create_topology(project, "Campus", owner, document=document(**FIRST))
    second = {**FIRST, "instances": [{"id": "vm1", "name": "app vm"}]}
    third = {**second, "subnets": [subnet("web-sub", "web", "10.0.2.0/24")]}
    fourth = {**third, "networks": [net("web", name="web tier")]}
    for base, lists, message in (
        (1, second, "add the app vm"),
        (2, third, "renumber the web subnet"),
        (3, fourth, "drop the database network"),
    ):
        save_revision(topology, base, document(**lists), editor, message)
    link = create_share_link(project, owner, topology=topology, label="stakeholders")
    return Campus(topology.pk, owner, editor, viewer, link.token)


def row(page: Page, number: int) -> Locator:
    """Revision `number`'s item in the list of revisions."""
    items = page.get_by_role("region", name="Revisions", exact=True).get_by_role("listitem")
    return items.filter(has=page.get_by_text(f"Revision {number}", exact=True))


def node(page: Page, element_id: str) -> Locator:
    return page.locator(f'.react-flow__node[data-id="{element_id}"]')


def has_class(name: str) -> re.Pattern[str]:
    return re.compile(rf"(^|\s){name}(\s|$)")


def head(topology_id: int) -> Revision:
    def read() -> Revision:
        revision = Topology.objects.select_related("head").get(pk=topology_id).head
        assert revision is not None
        return revision

    return outside_the_event_loop(read)


def document_of(topology_id: int, number: int) -> Any:
    return outside_the_event_loop(
        lambda: Revision.objects.get(topology_id=topology_id, number=number).document
    )


def open_history(context: BrowserContext, server: str, campus: Campus, share: bool) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    query = f"?share={campus.share}" if share else ""
    page.goto(f"{server}/app/topologies/{campus.topology_id}/history/{query}")
    expect(page.get_by_text("Revision 4", exact=True)).to_be_visible(timeout=15_000)
    return page


def test_the_diff_of_two_revisions_in_colour_and_in_the_list(
    app_server: str, browser: Browser
) -> None:
    campus = outside_the_event_loop(make_campus)
    context = signed_in(browser, app_server, campus.owner)
    page = open_history(context, app_server, campus, share=False)
    expect(page.get_by_role("heading", name="History of Campus")).to_be_visible()
    revisions = page.get_by_role("region", name="Revisions", exact=True).get_by_role("listitem")
    expect(revisions).to_have_count(4)
    expect(revisions.first).to_contain_text("drop the database network")
    expect(revisions.first).to_contain_text("eve")
    expect(revisions.last).to_contain_text("Created")

    # At first: the head against its parent, where only the database network went away.
    expect(page.get_by_label("From revision")).to_have_value("3")
    expect(page.get_by_label("To revision")).to_have_value("4")
    expect(node(page, "db")).to_have_class(has_class("diff-removed"))
    expect(node(page, "web")).to_have_class(has_class("diff-unchanged"))
    changes = page.get_by_role("region", name="Changes", exact=True)
    expect(changes.get_by_role("heading", name="Removed (1)")).to_be_visible()
    expect(changes.get_by_role("heading", name=re.compile("Added|Changed"))).to_have_count(0)

    # The first revision against the head: one element of each kind of change.
    page.get_by_label("From revision").select_option("1")
    expect(
        page.get_by_text("Revision 4 against revision 1: 1 added, 1 changed, 1 removed.")
    ).to_be_visible()
    expect(node(page, "vm1")).to_have_class(has_class("diff-added"))
    expect(node(page, "web-sub")).to_have_class(has_class("diff-changed"))
    expect(node(page, "db")).to_have_class(has_class("diff-removed"))
    expect(node(page, "web")).to_have_class(has_class("diff-unchanged"))
    expect(page.get_by_role("list", name="Legend")).to_contain_text("Added")
    expect(changes.get_by_role("heading", name="Added (1)")).to_be_visible()
    expect(changes.get_by_role("button", name="instance app vm")).to_be_visible()
    expect(changes.get_by_role("button", name="network db tier")).to_be_visible()
    fields = changes.get_by_role("list", name="Changed fields of web-sub")
    expect(fields).to_have_text("cidr: 10.0.1.0/24 → 10.0.2.0/24")

    # Choosing an item selects its element on the canvas.
    changes.get_by_role("button", name="subnet web-sub").click()
    expect(node(page, "web-sub")).to_have_class(has_class("selected"))
    expect(changes.get_by_role("button", name="subnet web-sub")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.screenshot(path=str(ARTIFACTS / "history-diff.png"))

    # A revision's own changes from its row in the list.
    row(page, 2).get_by_role("button", name="Show changes of revision 2").click()
    expect(page.get_by_label("From revision")).to_have_value("1")
    expect(page.get_by_label("To revision")).to_have_value("2")
    expect(node(page, "vm1")).to_have_class(has_class("diff-added"))
    expect(node(page, "db")).to_have_class(has_class("diff-unchanged"))
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()


def test_an_editor_restores_an_old_revision(app_server: str, browser: Browser) -> None:
    campus = outside_the_event_loop(make_campus)
    context = signed_in(browser, app_server, campus.editor)
    page = open_history(context, app_server, campus, share=False)
    restore = row(page, 1).get_by_role("button", name="Restore this revision (1)")
    expect(restore).to_be_visible()
    # The head has nothing to restore.
    expect(row(page, 4).get_by_role("button", name=re.compile("Restore"))).to_have_count(0)

    # Someone saves while the page is open: the restore is refused and the list catches up.
    def save_meanwhile() -> None:
        topology = Topology.objects.get(pk=campus.topology_id)
        lists = {**FIRST, "networks": [net("web", name="web tier")]}
        save_revision(topology, 4, document(**lists), campus.owner, "meanwhile")

    outside_the_event_loop(save_meanwhile)
    restore.click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Revision 1 was not restored: revision 5 was saved meanwhile")
    expect(page.get_by_text("meanwhile", exact=True)).to_be_visible()
    assert head(campus.topology_id).number == 5
    page.screenshot(path=str(ARTIFACTS / "history-restore-refused.png"))

    restore.click()
    expect(page.get_by_text("Revision 1 restored as revision 6.")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    restored = head(campus.topology_id)
    assert restored.number == 6
    assert restored.document == document_of(campus.topology_id, 1)
    assert restored.message == "Restored revision 1"
    # The page now shows the new head against its parent.
    expect(page.get_by_label("To revision")).to_have_value("6")
    expect(page.get_by_label("From revision")).to_have_value("5")
    expect(row(page, 6)).to_contain_text("Restored revision 1")
    expect(node(page, "db")).to_have_class(has_class("diff-added"))
    page.screenshot(path=str(ARTIFACTS / "history-restored.png"))
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()


def test_viewers_and_share_links_cannot_restore(
    app_server: str, browser: Browser, context: BrowserContext
) -> None:
    campus = outside_the_event_loop(make_campus)
    viewer_context = signed_in(browser, app_server, campus.viewer)
    viewer = open_history(viewer_context, app_server, campus, share=False)
    # The share link visitor has no session: only the link (the guarded context).
    visitor = open_history(context, app_server, campus, share=True)
    for page in (viewer, visitor):
        expect(row(page, 1)).to_be_visible()
        expect(node(page, "db")).to_have_class(has_class("diff-removed"))
        expect(page.get_by_role("button", name=re.compile("Restore"))).to_have_count(0)
        assert page.errors == []  # type: ignore[attr-defined]
    expect(visitor.get_by_role("link", name="Back to the topology")).to_have_attribute(
        "href", f"/app/topologies/{campus.topology_id}/?share={campus.share}"
    )
    expect(viewer.get_by_role("link", name="Back to the editor")).to_have_attribute(
        "href", f"/app/topologies/{campus.topology_id}/"
    )
    visitor.screenshot(path=str(ARTIFACTS / "history-share-link.png"))
    viewer_context.close()

    # A share link only reads: the API refuses a restore made with it.
    status = visitor.evaluate(
        """async ([id, token]) => (await fetch(`/api/v1/topologies/${id}/revisions/1/restore/`, {
            method: "POST",
            headers: {"Content-Type": "application/json", Authorization: `Share ${token}`},
            body: JSON.stringify({base_revision: 4}),
        })).status""",
        [campus.topology_id, campus.share],
    )
    assert status == 403
    assert head(campus.topology_id).number == 4
    visitor.close()

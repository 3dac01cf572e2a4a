"""The topology canvas in real browsers: an editor and a share-link visitor watch one topology
while a change arrives from the API."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, expect
from rest_framework.authtoken.models import Token

from designer.models import ShareLink
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from tests.builders import document, net, port, subnet
from tests.e2e.conftest import ARTIFACTS

T = TypeVar("T")


def outside_the_event_loop(function: Callable[[], T]) -> T:
    """Run set-up code in a thread of its own: Playwright keeps an event loop in the test's
    thread, and saving a revision broadcasts it through the channel layer from sync code."""

    def run() -> T:
        try:
            return function()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def signed_in(browser: Browser, server: str, user: User) -> BrowserContext:
    """A browser context holding `user`'s session cookie."""

    def login() -> str:
        client = Client()
        client.force_login(user)
        return str(client.cookies["sessionid"].value)

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": outside_the_event_loop(login), "url": server}]
    )
    return context


def test_an_editor_and_a_share_link_visitor_see_a_change_arrive(
    app_server: str, browser: Browser, context: BrowserContext
) -> None:
    def make() -> tuple[User, int, str, str]:
        owner = User.objects.create_user("ada")
        project = create_project("Lab", owner)
        topology = create_topology(
            project,
            "Campus",
            owner,
            document=document(
                networks=[net("web", name="web tier")],
                subnets=[subnet("web-sub", "web", "10.0.1.0/24")],
                instances=[{"id": "vm1", "name": "frontend vm"}],
                ports=[port("p1", "web", "vm1", ("web-sub", "10.0.1.10"))],
            ),
        )
        link = ShareLink.objects.create(project=project, topology=topology, label="stakeholders")
        return owner, topology.pk, link.token, Token.objects.create(user=owner).key

    owner, topology_id, share, token = outside_the_event_loop(make)
    editor_context = signed_in(browser, app_server, owner)
    editor = editor_context.new_page()
    editor.goto(f"{app_server}/app/topologies/{topology_id}/")
    visitor = context.new_page()  # the guarded context: no session, only the share link
    visitor.goto(f"{app_server}/app/topologies/{topology_id}/?share={share}")
    for page in (editor, visitor):
        expect(page.get_by_text("web tier")).to_be_visible(timeout=15_000)
        expect(page.get_by_text("frontend vm")).to_be_visible()
        expect(page.get_by_text("revision 1")).to_be_visible()
    expect(visitor.get_by_text("read only")).to_be_visible()
    expect(editor.get_by_text("read only")).to_have_count(0)

    # A change saved over the API reaches both screens.
    head = json.loads(
        urllib.request.urlopen(
            urllib.request.Request(
                f"{app_server}/api/v1/topologies/{topology_id}/document/",
                headers={"Authorization": f"Bearer {token}"},
            )
        ).read()
    )
    changed = head["document"]
    changed["networks"].append(net("db", name="database tier"))
    request = urllib.request.Request(
        f"{app_server}/api/v1/topologies/{topology_id}/document/",
        method="PUT",
        data=json.dumps(
            {"base_revision": head["revision"], "document": changed, "message": "add db"}
        ).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert urllib.request.urlopen(request).status == 200
    for page in (editor, visitor):
        expect(page.get_by_text("database tier")).to_be_visible(timeout=5_000)
        expect(page.get_by_text("revision 2")).to_be_visible()
    editor.screenshot(path=str(ARTIFACTS / "canvas-editor.png"))
    visitor.screenshot(path=str(ARTIFACTS / "canvas-share-link.png"))
    editor_context.close()

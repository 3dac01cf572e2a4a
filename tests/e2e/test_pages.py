"""The sign-in page and the project list in a real browser."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from designer.services.projects import create_project
from designer.services.topologies import create_topology
from tests.builders import document, net
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_canvas import outside_the_event_loop


def test_sign_in_see_projects_open_a_topology_and_sign_out(app_server: str, page: Page) -> None:
    def make() -> None:
        owner = User.objects.create_user("grace", password="correct horse")
        project = create_project("Networks lab", owner)
        create_topology(project, "Campus", owner, document=document(networks=[net("web")]))
        create_project("Empty lab", owner)

    outside_the_event_loop(make)

    page.goto(f"{app_server}/")
    expect(page).to_have_url(re.compile(r"/app/login/"), timeout=10_000)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#username-error")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("username or password is wrong")
    page.screenshot(path=str(ARTIFACTS / "sign-in-error.png"))

    page.get_by_label("Password").fill("correct horse")
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible(timeout=10_000)
    expect(page.get_by_role("heading", name=re.compile("Networks lab"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Empty lab"))).to_be_visible()
    expect(page.get_by_text("Signed in as grace")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "projects.png"))

    page.get_by_role("link", name="Campus").click()
    expect(page.get_by_text("revision 1")).to_be_visible(timeout=15_000)

    page.goto(f"{app_server}/app/")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/app/login/"))
    page.goto(f"{app_server}/app/")
    expect(page).to_have_url(re.compile(r"/app/login/\?next="))

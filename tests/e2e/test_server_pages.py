"""The server's own pages in a real browser: the API documentation and the admin."""

from __future__ import annotations

from django.contrib.auth.models import User
from playwright.sync_api import Page, expect


def test_the_api_documentation_renders_without_the_internet(app_server: str, page: Page) -> None:
    page.goto(f"{app_server}/api/docs/")
    # Swagger UI comes from this server (not a CDN) and lists the API's operations.
    expect(page.get_by_text("Netloom API").first).to_be_visible(timeout=15_000)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/topologies/" in p for p in paths)


def test_an_admin_signs_in_to_the_admin_site(app_server: str, page: Page) -> None:
    User.objects.create_superuser("root-admin", password="a long enough password 1")
    page.goto(f"{app_server}/admin/")
    page.fill("#id_username", "root-admin")
    page.fill("#id_password", "a long enough password 1")
    page.click("input[type=submit]")
    expect(page.get_by_text("Netloom administration")).to_be_visible()
    for model in ("Topologies", "Revisions", "Hosts", "VLAN policies", "Share links", "Quotas"):
        expect(page.get_by_role("link", name=model, exact=True)).to_be_visible()

"""The front end's shell: `/` and `/app/...` serve the built index.html with a CSRF cookie,
assets are served from the build, and a missing build says what to run instead of failing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from designer.web import views


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(
        '<!doctype html><script type="module" src="/static/app/assets/index-abc.js"></script>'
    )
    (tmp_path / "assets" / "index-abc.js").write_text("console.log('netloom')")
    (tmp_path / "secret.txt").write_text("not an asset")
    (tmp_path / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    monkeypatch.setattr(views, "DIST", tmp_path)
    return tmp_path


@pytest.mark.parametrize("url", ["/", "/app/", "/app/topologies/12/"])
def test_shell_serves_the_built_index_with_a_csrf_cookie(dist: Path, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    assert b"/static/app/assets/index-abc.js" in response.content
    assert "csrftoken" in response.cookies
    assert response["Cache-Control"] == "no-cache"


def test_shell_refuses_writes(dist: Path) -> None:
    assert Client().post("/app/").status_code in (403, 405)


def test_assets_are_served_and_nothing_outside_them(dist: Path) -> None:
    client = Client()
    response = client.get("/static/app/assets/index-abc.js")
    assert response.status_code == 200
    assert response["Content-Type"] in ("text/javascript", "application/javascript")
    assert b"".join(response.streaming_content) == b"console.log('netloom')"  # type: ignore[attr-defined]
    assert client.get("/static/app/assets/..%2Fsecret.txt").status_code == 404
    assert client.get("/static/app/assets/missing.js").status_code == 404


@pytest.mark.parametrize("url", ["/favicon.ico", "/static/app/favicon.svg"])
def test_the_icon_is_served_for_the_app_and_the_pages_django_renders(dist: Path, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_missing_build_says_what_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "DIST", tmp_path / "nothing")
    response = Client().get("/")
    assert response.status_code == 503
    assert b"make setup" in response.content


def test_the_api_still_answers_its_own_paths(dist: Path) -> None:
    response = Client().get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")

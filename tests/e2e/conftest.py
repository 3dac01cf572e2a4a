"""Browser tests: the real server (`manage.py serve`: Daphne, Channels, the embedded worker or
Redis) in a subprocess on the test database, driven by Debian's Chromium through Playwright.

Screenshots go to var/test-artifacts/. Pages may load nothing from outside this machine: any
request to another host fails the test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.VAR_DIR) / "test-artifacts"
# Chromium started as the machine allows: as root, without a sandbox; no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url() -> str:
    """The test database, as a URL the server subprocess can open."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user, host = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1"
        return f"postgres://{user}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"
    name = str(db["NAME"])
    if "memory" in name:
        raise RuntimeError("browser tests need a file or server database (see settings TEST)")
    return f"sqlite:///{name}"


@pytest.fixture(scope="session")
def static_files() -> None:
    """Collect the static files, as `make run` and a deployment do: WhiteNoise serves them."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        check=True,
    )


def server_log(item: pytest.Item) -> Path:
    """Where the server of `item`'s test writes what it prints: a file, since a pipe nobody
    reads while the test runs stops the server once it holds 64 KiB."""
    return ARTIFACTS / f"{item.name}.server.log"


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@pytest.fixture
def app_server(
    transactional_db: None, static_files: None, request: pytest.FixtureRequest
) -> Iterator[str]:
    """The app served by `manage.py serve` on a free loopback port, on the test database.
    What it prints goes to `server_log`."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "designer.settings",
    }
    log = server_log(request.node)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start:\n{tail(log)}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        connection.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A browser test that fails shows the end of what its server printed, and leaves a
    screenshot of every page still open in its browser, whoever opened it (most tests open
    their own, for users of their own)."""
    report = yield
    if report.when != "call" or not report.failed:
        return report
    funcargs = getattr(item, "funcargs", {})
    if "app_server" in funcargs:
        report.sections.append(("server output (end)", tail(server_log(item))))
    browser = funcargs.get("browser")
    if isinstance(browser, Browser):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pages = [page for context in browser.contexts for page in context.pages]
        for number, page in enumerate(pages, start=1):
            shot = ARTIFACTS / f"{item.name}.failed-{number}.png"
            try:
                page.screenshot(path=str(shot), full_page=True)
            except PlaywrightError:
                continue  # the page crashed or closed meanwhile
            report.sections.append(("screenshot", f"{page.url} in {shot}"))
    return report


# Playwright's sync API keeps an event loop running in the test's thread while it is started.
# It is started per module, so the loop is gone before the asynchronous tests of other folders
# run; and while it runs, Django must not take the tests' plain synchronous database calls for
# calls from async code.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as driver:
            yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class OutsideRequests(list[str]):
    """URLs a page tried to load from another host (they are refused)."""


def kept_on_this_machine(context: BrowserContext) -> OutsideRequests:
    """Refuse every request the context's pages make to another host; the URLs refused."""
    outside = OutsideRequests()

    def guard(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return outside


@pytest.fixture
def context(browser: Browser, app_server: str) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    outside = kept_on_this_machine(context)
    context.outside_requests = outside  # type: ignore[attr-defined]
    yield context
    context.close()
    assert not outside, f"pages tried to load from outside this machine: {outside}"


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    assert not errors, f"JavaScript errors on the page: {errors}"

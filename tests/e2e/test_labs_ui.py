"""Teaching labs in a real browser: an instructor makes a lab of a topology and hands out an
invite code; a student joins, starts the lab, checks it in the editor, fixes the design and
checks again, while the instructor's dashboard follows every check live."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from designer.models import LabCopy
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from tests.builders import document, net, port, subnet
from tests.e2e.conftest import ARTIFACTS, kept_on_this_machine
from tests.e2e.test_canvas import outside_the_event_loop, signed_in
from tests.e2e.test_project_page import sign_in

GOALS = "# checked by design alone\nno errors\nweb1 reaches db1"
INSTRUCTIONS = """# Two tiers
Make **web1** reach `db1`; see [the guide](/app/labs/).

- fix the overlapping subnet
- join the tiers with r1

<script>window.injected = true</script> [run me](javascript:window.injected=true)
"""


def start_document() -> Any:
    """Two tiers with r1 on the web tier only, and a spare subnet overlapping the web one:
    neither goal holds."""
    return document(
        networks=[net("web"), net("db")],
        subnets=[
            subnet("web-sub", "web", "10.0.1.0/24", gateway_ip="10.0.1.1"),
            subnet("db-sub", "db", "10.0.2.0/24", gateway_ip="10.0.2.1"),
            subnet("spare", "web", "10.0.1.0/24"),
        ],
        instances=[{"id": "web1", "name": "web1"}, {"id": "db1", "name": "db1"}],
        routers=[{"id": "r1", "name": "r1"}],
        ports=[
            port("web1-p", "web", "web1", ("web-sub", "10.0.1.10")),
            port("db1-p", "db", "db1", ("db-sub", "10.0.2.10")),
            port("r1-web", "web", "r1", ("web-sub", "10.0.1.1")),
        ],
        layout={
            "positions": {
                "web1": {"x": 0, "y": 0},
                "web": {"x": 0, "y": 200},
                "web-sub": {"x": 0, "y": 320},
                "spare": {"x": 250, "y": 320},
                "r1": {"x": 450, "y": 0},
                "db": {"x": 700, "y": 200},
                "db-sub": {"x": 700, "y": 320},
                "db1": {"x": 700, "y": 0},
            }
        },
    )


@pytest.fixture
def student_context(browser: Browser, app_server: str) -> Iterator[BrowserContext]:
    """The student's own browser, signed in as "sam", kept to this machine like the other."""

    def make() -> User:
        return User.objects.create_user("sam")

    context = signed_in(browser, app_server, outside_the_event_loop(make))
    outside = kept_on_this_machine(context)
    yield context
    context.close()
    assert not outside, f"pages tried to load from outside this machine: {outside}"


def row_of(page: Page, student: str) -> Locator:
    return page.locator(f'tr[data-student="{student}"]')


def put_document(page: Page, server: str, topology: int, change: Any) -> None:
    """Save a change to the copy through the REST API, as the student."""
    url = f"{server}/api/v1/topologies/{topology}/document/"
    current = page.request.get(url).json()
    body = change(current["document"])
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    answer = page.request.put(
        url,
        data={"base_revision": current["revision"], "document": body, "message": "join db"},
        headers={"X-CSRFToken": csrf, "Referer": server + "/app/"},
    )
    assert answer.ok, answer.text()


def test_a_student_works_a_lab_while_the_instructor_watches_live(
    app_server: str, context: BrowserContext, page: Page, student_context: BrowserContext
) -> None:
    def make() -> tuple[User, int]:
        teacher = User.objects.create_user("tess")
        project = create_project("Networks 101", teacher)
        return teacher, create_topology(project, "Two tiers", teacher, document=start_document()).pk

    teacher, topology_id = outside_the_event_loop(make)
    sign_in(context, app_server, teacher)

    # The instructor makes a published lab of the topology from the labs page.
    page.goto(f"{app_server}/app/")
    page.get_by_role("link", name="Labs", exact=True).click()
    expect(page.get_by_role("heading", name="Labs", level=1)).to_be_visible()
    expect(page.get_by_label("Starts from topology")).to_have_value(str(topology_id))
    page.get_by_label("Title").fill("Join the tiers")
    page.get_by_label("Instructions (Markdown)").fill(INSTRUCTIONS)
    expect(page.get_by_label("Instructions preview").locator("strong")).to_have_text("web1")
    page.get_by_label("Goals (one per line)").fill("web1 likes db1")
    page.get_by_label("Published", exact=False).check()
    page.screenshot(path=str(ARTIFACTS / "labs-make.png"), full_page=True)
    page.get_by_role("button", name="Make lab").click()
    expect(page.locator("#lab-goals-error")).to_contain_text("line 1")
    page.get_by_label("Goals (one per line)").fill(GOALS)
    page.get_by_role("button", name="Make lab").click()
    page.wait_for_url(re.compile(r"/app/labs/\d+/$"))
    lab_id = int(urlsplit(page.url).path.rstrip("/").rsplit("/", 1)[1])

    # The instructions are Markdown drawn safely; the goals read as sentences.
    expect(page.get_by_role("heading", name="Join the tiers", level=1)).to_be_visible()
    instructions = page.locator(".markdown")
    expect(instructions.get_by_role("heading", name="Two tiers")).to_be_visible()
    expect(instructions.locator("li")).to_have_count(2)
    expect(instructions).to_contain_text("<script>window.injected = true</script>")
    expect(instructions.get_by_role("link")).to_have_count(1)
    expect(instructions.get_by_text("run me")).to_be_visible()
    assert page.evaluate("window.injected") is None
    goals = page.get_by_role("list", name="Goals")
    expect(goals.get_by_role("listitem")).to_have_text(
        ["The design has no validation errors.", "web1 reaches db1."]
    )
    expect(page.get_by_text("Published: enrolled students see this lab")).to_be_visible()
    expect(page.get_by_label("Dashboard connection")).to_have_text("Live")
    expect(page.get_by_text("No student has started this lab yet.")).to_be_visible()

    # A goal that does not parse is refused next to its field; a good change is kept.
    page.get_by_text("Change this lab").click()
    page.get_by_label("Goals (one per line)").fill(GOALS + "\nweb1 pings db1")
    page.get_by_role("button", name="Save lab").click()
    expect(page.locator("#change-goals-error")).to_contain_text("line 4")
    page.get_by_label("Goals (one per line)").fill(GOALS)
    page.get_by_label("Title").fill("Join the two tiers")
    page.get_by_role("button", name="Save lab").click()
    expect(page.get_by_role("heading", name="Join the two tiers", level=1)).to_be_visible()
    page.evaluate("window.sameDashboard = true")

    page.get_by_role("button", name="Create invite code").click()
    code = page.get_by_label("Invite code", exact=True).input_value()
    assert re.fullmatch(r"[a-z2-9]{10}", code)

    # The student joins with the code and starts the lab: the copy opens in the editor.
    student = student_context.new_page()
    errors: list[str] = []
    student.on("pageerror", lambda error: errors.append(str(error)))
    student.goto(f"{app_server}/app/labs/")
    expect(student.get_by_text("No labs yet.")).to_be_visible()
    student.get_by_label("Invite code", exact=True).fill(f" {code} ")
    student.get_by_role("button", name="Join").click()
    expect(student.get_by_text("You joined the class Networks 101.")).to_be_visible()
    student.get_by_role("link", name="Join the two tiers").click()
    expect(student.get_by_role("list", name="Goals").get_by_role("listitem")).to_have_count(2)
    student.get_by_role("button", name="Start the lab").click()
    student.wait_for_url(re.compile(r"/app/topologies/\d+/\?lab=\d+&copy=\d+$"))
    copy_topology = int(urlsplit(student.url).path.rstrip("/").rsplit("/", 1)[1])
    assert copy_topology != topology_id
    expect(student.get_by_text("revision 1")).to_be_visible(timeout=15_000)
    bar = student.get_by_role("region", name="Lab", exact=True)
    expect(bar.get_by_role("link", name="Join the two tiers")).to_be_visible()

    sam = row_of(page, "sam")
    expect(sam.locator("td.score")).to_have_text("not checked")

    # The first check fails both goals, in the bar and on the dashboard.
    bar.get_by_role("button", name="Check").click()
    expect(bar.get_by_role("button", name="0 of 2 goals passed")).to_be_visible()
    results = bar.get_by_role("listitem")
    expect(results).to_have_count(2)
    expect(results.nth(0)).to_contain_text("Failed")
    expect(results.nth(0)).to_contain_text("overlaps")
    expect(results.nth(1)).to_contain_text("no routed path")
    expect(sam.locator("td.score")).to_have_text("0/2")
    expect(sam.locator("td.goal-cell")).to_have_text(["Failed", "Failed"])

    # The student fixes the overlap in the inspector; the design goal passes.
    student.locator(".react-flow__node", has_text="spare").click()
    cidr = student.get_by_label("CIDR", exact=True)
    cidr.fill("10.0.9.0/24")
    cidr.press("Enter")
    expect(student.get_by_text("revision 2")).to_be_visible()
    bar.get_by_role("button", name="Check").click()
    expect(bar.get_by_role("button", name="1 of 2 goals passed")).to_be_visible()
    expect(sam.locator("td.score")).to_have_text("1/2")
    expect(sam.locator("td.goal-cell")).to_have_text(["Passed", "Failed"])

    # r1 joins the db tier (through the API); the editor follows, and every goal passes.
    def join_db(body: Any) -> Any:
        body["ports"].append(
            {
                "id": "r1-db",
                "network": "db",
                "device": "r1",
                "fixed_ips": [{"subnet": "db-sub", "ip_address": "10.0.2.1"}],
            }
        )
        return body

    put_document(student, app_server, copy_topology, join_db)
    expect(student.get_by_text("revision 3")).to_be_visible()
    bar.get_by_role("button", name="Check").click()
    expect(bar.get_by_role("button", name="2 of 2 goals passed")).to_be_visible()
    expect(results.nth(1)).to_contain_text("Passed")
    expect(sam.locator("td.score")).to_have_text("2/2")
    expect(sam.locator("td.goal-cell")).to_have_text(["Passed", "Passed"])
    # All of it arrived on the dashboard as it was first opened, never reloaded.
    assert page.evaluate("window.sameDashboard") is True
    page.screenshot(path=str(ARTIFACTS / "labs-dashboard.png"), full_page=True)
    student.screenshot(path=str(ARTIFACTS / "labs-lab-bar.png"))

    # The grades, as CSV.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download grades (CSV)").click()
    grades = Path(download.value.path()).read_text().splitlines()
    assert grades[0].startswith("student,passed,total")
    assert grades[1].startswith("sam,2,2,")

    # The student's lab page shows the same results; the instructor resets the copy.
    student.goto(f"{app_server}/app/labs/{lab_id}/")
    expect(student.get_by_role("status").filter(has_text="goals passed")).to_contain_text(
        "2 of 2 goals passed"
    )
    expect(student.get_by_role("link", name="Open my copy")).to_have_attribute(
        "href", re.compile(rf"/app/topologies/{copy_topology}/\?lab={lab_id}&copy=\d+")
    )
    sam.get_by_role("button", name="Reset sam's copy").click()
    page.get_by_role("group", name=re.compile("Reset sam's copy")).get_by_role(
        "button", name="Reset"
    ).click()
    expect(sam.locator("td.score")).to_have_text("not checked")
    copy = outside_the_event_loop(lambda: LabCopy.objects.get(topology_id=copy_topology))
    assert (copy.passed, copy.results, copy.reset_at is not None) == (0, [], True)

    # The dashboard's socket refuses the student with a code the browser can read (4403), not a
    # failed handshake (1006) that a page would keep retrying.
    refused = student.evaluate(
        """(url) => new Promise((resolve) => {
            const socket = new WebSocket(url);
            socket.onclose = (event) => resolve(event.code);
        })""",
        f"{app_server.replace('http', 'ws', 1)}/ws/labs/{lab_id}/",
    )
    assert refused == 4403
    assert not errors, f"JavaScript errors on the student's page: {errors}"

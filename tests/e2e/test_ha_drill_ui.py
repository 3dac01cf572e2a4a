"""HA drills from the browser, on the demo's HA router (adverts every 0.1 s) deployed on a lab
fabric laid out as the demo's, with real keepalived: before a deploy the drill buttons are
there for the owner but disabled, saying why; once deployed, "Crash master" kills the
master's keepalived and the master moves to the other instance on the canvas within a second
of the failover, which the router's HA events list with the drill that caused it, its time
without a master and the outage the drill's probe measured; "Failback" returns the master
role to the initial master. A viewer and a share link's visitor see the drills' results and no
drill button."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from designer.demo import TOPOLOGIES
from designer.models import Role
from designer.services.projects import add_member, create_project
from designer.services.sharing import create_share_link
from designer.services.topologies import create_topology
from designer.spec import Document, parse_document
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, namespace_name
from tests.deploy import probe
from tests.deploy.conftest import (  # noqa: F401  (root is a fixture)
    FIRST_TOPOLOGY_ID,
    LANE,
    root,
)
from tests.deploy.probe import namespaces
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.fabric import deploy_from_the_page, deploying_lab
from tests.e2e.test_canvas import outside_the_event_loop, signed_in

# This test's fabric: a prefix of its own in each test lane (letters only, as fabric prefixes
# are), so that two runs on one machine never take each other's fabric down.
FABRIC_PREFIX = "nldr" + "abcdefghijklmnopqrstuvwxyz"[LANE]
NETWORK_NODES = ("network-1", "network-2")
ROUTER = "edge"
GATEWAY = "10.10.0.1"
# The demo's priorities make network-1 the initial master.
INITIAL_MASTER, OTHER = NETWORK_NODES
DRILLS = ("Crash master", "Cut link", "Host failure", "Switchover", "Failback")
# From the click to the new master on the canvas: the worker takes the drill, kills
# keepalived, the backup takes over (about 0.35 s after the last advert), its notify program
# reports and the server sends the transition on.
CLICK_TO_MASTER_S = 5.0
# From the failover (the new master's report) to the canvas showing it.
FAILOVER_TO_CANVAS_S = 1.0
WITHOUT_A_MASTER = re.compile(r"\b\d+\.\d\d s without a master\b")
OUTAGE = re.compile(r"\boutage \d+\.\d\d s \(\d+ of \d+ pings answered\)")


@pytest.fixture
def lab_hosts(root: None, app_server: str) -> Iterator[None]:  # noqa: F811
    """A fabric laid out as the demo's: two networking nodes (one per instance of the router)
    and two compute nodes, registered, with a worker relaying the hosts' VRRP transitions."""
    with deploying_lab(
        FabricSpec(prefix=FABRIC_PREFIX, network_nodes=2, compute_nodes=2), FIRST_TOPOLOGY_ID - 3000
    ):
        yield


def demo_design() -> tuple[str, Document]:
    """The demo's HA router topology, its adverts every 0.1 s rather than 2 s, so that a
    failover takes a fraction of a second."""
    (demo,) = [topology for topology in TOPOLOGIES if topology.filename == "ha-router.yaml"]
    data = demo.load().to_json()
    (router,) = [router for router in data["routers"] if router["id"] == ROUTER]
    router["vrrp"]["advert_interval"] = 0.1
    return demo.name, parse_document(data)


def holders(prefix: str) -> list[str]:
    """The networking nodes whose instance of the router holds the gateway: the masters, as
    the kernel has them."""
    found = []
    for host in NETWORK_NODES:
        namespace = namespace_name(prefix, "router", host, ROUTER)
        shown = probe.run("ip", "-n", namespace, "-o", "addr", "show", check=False).stdout
        if f" {GATEWAY}/24 " in shown:
            found.append(host)
    return found


def holder_becomes(prefix: str, host: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while (found := holders(prefix)) != [host]:
        assert time.monotonic() < deadline, f"the gateway is on {found}, not only on {host}"
        time.sleep(0.05)


def holds(prefix: str, host: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while host not in (found := holders(prefix)):
        assert time.monotonic() < deadline, f"the gateway is on {found}, not on {host}"
        time.sleep(0.05)


def masters_shown(node: Locator) -> Locator:
    return node.locator('.vrrp-badge[data-state="master"]:not([data-taken-over])')


def watch_for_master(page: Page, host: str) -> None:
    """From now on, note the time (ms since the epoch) when the router's node first shows
    `host` as its master, in `window.masterShownAt`."""
    page.evaluate(
        """([router, host]) => {
            window.masterShownAt = null;
            const selector = `.react-flow__node[data-id="${router}"] ` +
                `.vrrp-badge[data-host="${host}"][data-state="master"]:not([data-taken-over])`;
            const look = () => {
                if (window.masterShownAt === null && document.querySelector(selector)) {
                    window.masterShownAt = Date.now();
                    observer.disconnect();
                }
            };
            const observer = new MutationObserver(look);
            observer.observe(document.body, { subtree: true, childList: true, attributes: true });
            look();
        }""",
        [ROUTER, host],
    )


def shown_at(page: Page) -> float:
    page.wait_for_function("window.masterShownAt !== null", timeout=15_000)
    return float(page.evaluate("window.masterShownAt")) / 1000


def open_topology(context: BrowserContext, url: str) -> tuple[Page, list[str]]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return page, errors


def test_an_owner_crashes_the_master_and_fails_back_from_the_browser(
    app_server: str, browser: Browser, context: BrowserContext, lab_hosts: None
) -> None:
    def make() -> tuple[User, User, int, str]:
        owner = User.objects.create_user("ada", is_staff=True)
        viewer = User.objects.create_user("vic")
        project = create_project("Demo", owner)
        add_member(project, viewer, Role.VIEWER)
        name, design = demo_design()
        topology = create_topology(project, name, owner, document=design)
        link = create_share_link(project, owner, topology=topology, label="stakeholders")
        return owner, viewer, topology.pk, link.token

    owner, viewer, topology_id, share = outside_the_event_loop(make)
    prefix = deployment_prefix(topology_id)
    url = f"{app_server}/app/topologies/{topology_id}/"
    owner_context = signed_in(browser, app_server, owner)
    page, errors = open_topology(owner_context, url)
    timeline = page.get_by_role("region", name="Failover timeline")
    drills = timeline.get_by_role("toolbar", name=f"Drills for {ROUTER}")

    # Before a deploy: every drill there, none allowed, and why.
    expect(drills).to_be_visible(timeout=15_000)
    for name in DRILLS:
        expect(drills.get_by_role("button", name=name, exact=True)).to_be_disabled()
    expect(timeline).to_contain_text("Nothing is deployed: deploy the topology first.")

    deployment = deploy_from_the_page(page, timeout_ms=180_000)

    # The initial master, as the kernel and the canvas have it.
    node = page.locator(f'.react-flow__node[data-id="{ROUTER}"]')
    expect(masters_shown(node)).to_have_count(1, timeout=20_000)
    expect(masters_shown(node)).to_have_attribute("data-host", INITIAL_MASTER)
    outside_the_event_loop(lambda: holder_becomes(prefix, INITIAL_MASTER))
    crash = drills.get_by_role("button", name="Crash master", exact=True)
    expect(crash).to_be_enabled()
    expect(drills.get_by_role("combobox", name="Switchover target host")).to_have_value(OTHER)

    # Crash master: the other instance takes over, on the canvas within a second of the
    # failover and a few seconds of the click.
    watch_for_master(page, OTHER)
    clicked = time.time()
    crash.click()
    moved = shown_at(page)
    assert moved - clicked < CLICK_TO_MASTER_S, f"{moved - clicked:.2f} s from the click"
    expect(masters_shown(node)).to_have_count(1)
    expect(masters_shown(node)).to_have_attribute("data-host", OTHER)
    # The killed instance never gave its addresses up (nothing of it is left to do so): the
    # new master holds them too now.
    outside_the_event_loop(lambda: holds(prefix, OTHER))

    # The failover, with the drill that caused it and its time without a master.
    events = timeline.get_by_role("list", name=f"HA events of {ROUTER}")
    failover = events.locator('li[data-type="failover"]')
    expect(failover).to_have_count(1, timeout=15_000)
    expect(failover).to_contain_text(f"Failover {INITIAL_MASTER} → {OTHER}")
    expect(failover).to_contain_text(re.compile(r"drill #\d+ \(Crash master\)"))
    expect(failover).to_contain_text(WITHOUT_A_MASTER)
    # Beside it, the outage the drill's probe measured (an app instance pinging the router's
    # gateway address, which moves with the master role).
    expect(failover).to_contain_text(OUTAGE, timeout=20_000)
    failed_over = datetime.fromisoformat(
        failover.locator("time").get_attribute("datetime") or ""
    ).timestamp()
    assert moved - failed_over < FAILOVER_TO_CANVAS_S, (
        f"the canvas showed the new master {moved - failed_over:.2f} s after the failover"
    )
    status = timeline.locator(".drill-status")
    expect(status).to_contain_text(f"Crash master on {INITIAL_MASTER}")
    expect(status).to_have_attribute("data-state", "done", timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "ha-drill-crash-master.png"))

    # The new master is the one to crash now: the killed one holds no role, whatever it last
    # reported.
    expect(crash).to_be_enabled()

    # Failback: the crashed keepalived starts again and the initial master takes the role back.
    watch_for_master(page, INITIAL_MASTER)
    failback = drills.get_by_role("button", name="Failback", exact=True)
    expect(failback).to_be_enabled()
    clicked = time.time()
    failback.click()
    returned = shown_at(page)
    assert returned - clicked < CLICK_TO_MASTER_S, f"{returned - clicked:.2f} s from the click"
    expect(masters_shown(node)).to_have_attribute("data-host", INITIAL_MASTER)
    expect(node.locator(f'.vrrp-badge[data-host="{OTHER}"]')).to_have_attribute(
        "data-state", "backup", timeout=10_000
    )
    outside_the_event_loop(lambda: holder_becomes(prefix, INITIAL_MASTER))
    moved_back = events.locator('li[data-type="failback"]')
    expect(moved_back).to_have_count(1, timeout=15_000)
    expect(moved_back).to_contain_text(f"Failback {OTHER} → {INITIAL_MASTER}")
    expect(moved_back).to_contain_text(re.compile(r"drill #\d+ \(Failback\)"))
    expect(status).to_contain_text(f"Failback to {INITIAL_MASTER}")
    # Done once every instance runs the design's configuration again (each host's part).
    expect(status).to_have_attribute("data-state", "done", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "ha-drill-failback.png"))

    # A viewer and a share link's visitor see the drills' results, and no drill button.
    viewer_context = signed_in(browser, app_server, viewer)
    for visitor_context, address in (
        (viewer_context, url),
        (context, f"{url}?share={share}"),
    ):
        visitor, visitor_errors = open_topology(visitor_context, address)
        expect(visitor.get_by_text("read only")).to_be_visible(timeout=15_000)
        seen = visitor.get_by_role("region", name="Failover timeline")
        seen_events = seen.get_by_role("list", name=f"HA events of {ROUTER}")
        expect(seen_events.locator('li[data-type="failover"]')).to_contain_text(
            re.compile(r"drill #\d+ \(Crash master\)"), timeout=15_000
        )
        expect(seen_events.locator('li[data-type="failover"]')).to_contain_text(WITHOUT_A_MASTER)
        expect(seen.get_by_role("group", name=f"Drills on {ROUTER}")).to_be_visible()
        for name in DRILLS:
            expect(visitor.get_by_role("button", name=name, exact=True)).to_have_count(0)
        # Selecting the router shows its drills in the inspector: results only.
        visitor.locator(f'.react-flow__node[data-id="{ROUTER}"]').click()
        inspected = visitor.get_by_role("region", name="Inspector").get_by_role(
            "group", name=f"Drills on {ROUTER}"
        )
        expect(inspected).to_be_visible()
        expect(inspected.get_by_role("button")).to_have_count(0)
        assert not visitor_errors, f"JavaScript errors on {address}: {visitor_errors}"
        visitor.close()
    viewer_context.close()

    # The owner's inspector has the buttons too.
    node.click()
    inspector = page.get_by_role("region", name="Inspector")
    expect(inspector.get_by_role("button", name="Crash master", exact=True)).to_be_enabled()

    deployment.get_by_role("button", name="Destroy").click()
    page.get_by_role("button", name="Destroy everything").click()
    expect(deployment).to_contain_text("Destroyed", timeout=60_000)
    expect(drills.get_by_role("button", name="Crash master", exact=True)).to_be_disabled()
    assert not [name for name in namespaces() if name.startswith(prefix)]
    assert not errors, f"JavaScript errors on the page: {errors}"
    owner_context.close()

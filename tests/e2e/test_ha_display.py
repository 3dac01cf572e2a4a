"""An HA router in the browser, on a lab fabric of two networking nodes and a compute node, with
real keepalived: once deployed, the router's node on the canvas shows one master and one
backup, as the kernel has them, and the failover timeline plots both instances. The master's
keepalived killed outright, the master moves to the other host on the canvas and in the
timeline, live, for the editor and for a share link's visitor alike. The killed instance reads
as stopped (keepalived's VRRP process reports it as it dies with its parent) or, had it
reported nothing, as a master taken over: never as a second master. A destroy empties the
timeline."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from designer.services.projects import create_project
from designer.services.sharing import create_share_link
from designer.services.topologies import create_topology
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy import probe
from tests.deploy.conftest import (  # noqa: F401  (root is a fixture)
    FIRST_TOPOLOGY_ID,
    LANE,
    number_topologies_from,
    root,
)
from tests.deploy.probe import namespaces
from tests.deploy.test_ha_router import keepalived_pid
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.fabric import deploy_from_the_page, deploying_lab
from tests.e2e.test_canvas import outside_the_event_loop, signed_in

# This test's fabric: a prefix of its own in each test lane (letters only, as fabric prefixes
# are), so that two runs on one machine never take each other's fabric down.
FABRIC_PREFIX = "nlhu" + "abcdefghijklmnopqrstuvwxyz"[LANE]
NETWORK_NODES = ("network-1", "network-2")
GATEWAY = "10.74.0.1"
# The backup takes over within about 0.35 s of the master's last advert (every 0.1 s); the
# page hears it once the notify program has reported it and the server has sent it on.
TAKEOVER_MS = 15_000
# A transition's time of day, in the browser's locale.
TO_THE_MILLISECOND = re.compile(r"^\d{1,2}:\d\d:\d\d\.\d{3}( [AP]M)?$")
# A master gone: stopped, or taken over without a word (its state not known since).
GONE = re.compile(r"\bvrrp-(stop|unknown)\b")


@pytest.fixture
def lab_hosts(root: None, app_server: str) -> Iterator[None]:  # noqa: F811
    """A fabric of two networking nodes (one per instance of the router) and a compute node,
    registered in the test database. With Redis the server runs no worker of its own: one runs
    here, in a thread, and relays the hosts' VRRP transitions. Kernel work runs outside
    Playwright's event loop, as pyroute2 runs one of its own."""
    with deploying_lab(
        FabricSpec(prefix=FABRIC_PREFIX, network_nodes=2, compute_nodes=1), FIRST_TOPOLOGY_ID - 2500
    ):
        yield


def ha_design() -> dict[str, object]:
    """vm1 (compute-1) on a self-service network behind HA router r1 ("edge"), with adverts
    every 0.1 s."""
    return {
        "networks": [net("lan")],
        "subnets": [subnet("lan-v4", "lan", "10.74.0.0/24", gateway_ip=GATEWAY, enable_dhcp=False)],
        "routers": [{"id": "r1", "name": "edge", "mode": "ha", "vrrp": {"advert_interval": 0.1}}],
        "instances": [{"id": "vm1", "name": "web", "host": "compute-1"}],
        "ports": [
            port("r1-lan", "lan", "r1", ("lan-v4", None)),
            port("p1", "lan", "vm1", ("lan-v4", "10.74.0.11")),
        ],
    }


def holders(prefix: str) -> list[str]:
    """The networking nodes whose instance of r1 holds the gateway address: the masters, as
    the kernel has them."""
    found = []
    for host in NETWORK_NODES:
        namespace = namespace_name(prefix, "router", host, "r1")
        shown = probe.run("ip", "-n", namespace, "-o", "addr", "show", check=False).stdout
        if f" {GATEWAY}/24 " in shown:
            found.append(host)
    return found


def holder_becomes(prefix: str, host: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while (found := holders(prefix)) != [host]:
        assert time.monotonic() < deadline, f"the gateway is on {found}, not only on {host}"
        time.sleep(0.05)


def instance(router: Locator, host: str) -> Locator:
    """The badge of the router's instance on `host`, on its canvas node."""
    return router.locator(f'.vrrp-badge[data-host="{host}"]')


def masters_shown(router: Locator) -> Locator:
    return router.locator('.vrrp-badge[data-state="master"]:not([data-taken-over])')


def open_topology(context: BrowserContext, url: str) -> tuple[Page, list[str]]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return page, errors


def test_the_canvas_and_the_timeline_follow_a_failover(
    app_server: str, browser: Browser, context: BrowserContext, lab_hosts: None
) -> None:
    def make() -> tuple[User, int, str]:
        owner = User.objects.create_user("ada")
        project = create_project("Lab", owner)
        topology = create_topology(project, "Campus", owner, document=document(**ha_design()))
        link = create_share_link(project, owner, topology=topology, label="stakeholders")
        return owner, topology.pk, link.token

    owner, topology_id, share = outside_the_event_loop(make)
    prefix = deployment_prefix(topology_id)
    editor_context = signed_in(browser, app_server, owner)
    page, errors = open_topology(editor_context, f"{app_server}/app/topologies/{topology_id}/")
    timeline = page.get_by_role("region", name="Failover timeline")
    # Before a deploy the router has no instance to show.
    expect(timeline).to_contain_text("edge: no instance has reported", timeout=15_000)

    deployment = deploy_from_the_page(page, timeout_ms=120_000)

    # One master and one backup on the router's node, as the kernel has them.
    router = page.locator('.react-flow__node[data-id="r1"]')
    expect(masters_shown(router)).to_have_count(1, timeout=20_000)
    expect(router.locator('.vrrp-badge[data-state="backup"]')).to_have_count(1)
    master = masters_shown(router).get_attribute("data-host")
    assert master is not None
    assert master in NETWORK_NODES, master
    backup = next(host for host in NETWORK_NODES if host != master)
    expect(instance(router, master)).to_have_text(f"master {master}")
    expect(instance(router, backup)).to_have_text(f"backup {backup}")
    outside_the_event_loop(lambda: holder_becomes(prefix, master))

    # The timeline: a lane per host, each in its state now.
    lanes = timeline.get_by_role("list", name="Instances of edge")
    expect(lanes.locator(f'li[data-host="{master}"]')).to_have_attribute("data-state", "master")
    expect(lanes.locator(f'li[data-host="{backup}"]')).to_have_attribute("data-state", "backup")

    # A share link's visitor sees the same, read only.
    visitor, visitor_errors = open_topology(
        context, f"{app_server}/app/topologies/{topology_id}/?share={share}"
    )
    expect(visitor.get_by_text("read only")).to_be_visible(timeout=15_000)
    watched = visitor.locator('.react-flow__node[data-id="r1"]')
    expect(instance(watched, master)).to_have_attribute("data-state", "master")
    visitor_timeline = visitor.get_by_role("region", name="Failover timeline")
    expect(visitor_timeline.get_by_role("list", name="Instances of edge")).to_be_visible()

    # The master's keepalived killed outright: the backup takes over.
    os.kill(outside_the_event_loop(lambda: keepalived_pid(prefix, master)), signal.SIGKILL)
    expect(instance(router, backup)).to_have_attribute("data-state", "master", timeout=TAKEOVER_MS)
    expect(masters_shown(router)).to_have_count(1)
    expect(masters_shown(router)).to_have_attribute("data-host", backup)
    # The killed one is no master any more, and comes after the new master.
    expect(instance(router, master)).to_have_class(GONE)
    expect(instance(router, master)).to_have_text(re.compile(rf"^(stopped|master\?) {master}$"))
    expect(router.locator(".vrrp-badge").first).to_have_attribute("data-host", backup)
    outside_the_event_loop(lambda: holder_becomes(prefix, backup))

    # The timeline shows the move: the new master's lane turns master, the old one's does not
    # stay master, and the takeover is listed (the old master's own report of stopping may
    # come just before or just after it).
    new_lane = lanes.locator(f'li[data-host="{backup}"]')
    old_lane = lanes.locator(f'li[data-host="{master}"]')
    expect(new_lane).to_have_attribute("data-state", "master")
    expect(new_lane.locator('.failover-segment[data-state="backup"]')).to_have_count(1)
    expect(new_lane.locator('.failover-segment[data-state="master"]')).to_have_count(1)
    expect(old_lane.locator('.failover-segment[data-state="master"]')).to_have_count(1)
    expect(old_lane.locator(".failover-segment").last).to_have_class(GONE)
    listed = timeline.get_by_role("list", name="VRRP transitions").locator("li")
    takeover = listed.filter(has_text=f"edge on {backup}: backup → master")
    expect(takeover).to_have_count(1)
    expect(takeover.locator("time")).to_have_text(TO_THE_MILLISECOND)
    page.screenshot(path=str(ARTIFACTS / "ha-failover.png"))

    # The visitor saw it too.
    expect(masters_shown(watched)).to_have_attribute("data-host", backup, timeout=TAKEOVER_MS)
    expect(
        visitor_timeline.get_by_role("list", name="VRRP transitions")
        .locator("li")
        .filter(has_text=f"edge on {backup}: backup → master")
    ).to_have_count(1)
    visitor.screenshot(path=str(ARTIFACTS / "ha-failover-share-link.png"))

    # Destroyed, the instances are gone, and so is their history.
    deployment.get_by_role("button", name="Destroy").click()
    page.get_by_role("button", name="Destroy everything").click()
    expect(deployment).to_contain_text("Destroyed", timeout=60_000)
    expect(timeline).to_contain_text("edge: no instance has reported")
    expect(router.locator(".vrrp-badge")).to_have_count(0)
    assert not [name for name in namespaces() if name.startswith(prefix)]
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not visitor_errors, f"JavaScript errors on the visitor's page: {visitor_errors}"
    editor_context.close()

"""The linux driver against the real kernel: desired states built by hand are applied, proved
with real traffic inside the namespaces the tests make, observed back as the same state (so
the planner plans nothing), applied again without change, and destroyed leaving nothing.

Each test has its own deployment prefix from the top of the prefix range, which no topology
uses, and stands for its hosts with namespaces it makes itself (never this machine's own
namespace); everything carrying the prefix is removed after the test, passed or not.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pyroute2 import IPRoute, netns

from tasks.drivers import HostBinding
from tasks.drivers.kernel import namespaces
from tasks.drivers.linux import DriverError, LinuxDriver
from tasks.planner import names
from tasks.planner.state import (
    Address,
    Bridge,
    Dnsmasq,
    Firewall,
    HostState,
    Namespace,
    Responder,
    Route,
    Veth,
    Vxlan,
)
from tasks.planner.steps import Step, plan_steps
from tests.deploy.conftest import LANE

FIRST_TEST_ID = 36**4 - 100 - 1000 * LANE
Make = Callable[[str], LinuxDriver]


def _prefix(number: int) -> str:
    return names.deployment_prefix(FIRST_TEST_ID + number)


def _run(namespace: str, *command: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ip", "netns", "exec", namespace, *command],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _ping(namespace: str, address: str) -> bool:
    return _run(namespace, "ping", "-c1", "-W1", address).returncode == 0


def _python(namespace: str, code: str) -> str:
    result = _run(namespace, sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _leftovers(prefix: str, run_dir: Path) -> list[str]:
    """Everything on this machine carrying the prefix: namespaces, links in this namespace,
    processes, run files (the links, rules and processes of its namespaces go with them)."""
    found = [f"namespace {name}" for name in namespaces() if name.startswith(prefix)]
    with IPRoute() as ipr:
        found += [
            f"link {msg.get_attr('IFLA_IFNAME')}"
            for msg in ipr.link("dump")
            if msg.get_attr("IFLA_IFNAME").startswith(prefix)
        ]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if prefix in cmdline:
                found.append(f"process {entry.name}")
    found += [f"file {path}" for path in run_dir.rglob(f"*{prefix}*")]
    return found


@pytest.fixture
def deployment(
    root: None, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[str, Make]]:
    """The test's prefix and `make(host)`, a driver for an emulated host whose own namespace
    the fixture makes. Every driver is destroyed afterwards, then the host namespaces, and
    nothing with the prefix may remain."""
    prefix = _prefix(request.param)
    run_dir = tmp_path / "run"
    drivers: list[LinuxDriver] = []
    hosts: list[str] = []

    def make(host: str) -> LinuxDriver:
        namespace = f"{prefix}-host-{host}"
        if namespace not in namespaces():
            netns.create(namespace)
            hosts.append(namespace)
        driver = LinuxDriver(HostBinding(host, namespace, str(run_dir)), prefix)
        drivers.append(driver)
        return driver

    try:
        yield prefix, make
    finally:
        for driver in drivers:
            driver.destroy()
        remaining_after_destroy = [
            item for item in _leftovers(prefix, run_dir) if "-host-" not in item
        ]
        for namespace in hosts:
            netns.remove(namespace)
        assert remaining_after_destroy == []
        assert _leftovers(prefix, run_dir) == []


def _deploy(driver: LinuxDriver, desired: HostState) -> None:
    """Apply the plan from what is there to `desired`; then it is observed as `desired`, and
    applying the same steps again changes nothing."""
    steps = plan_steps(driver.observe(desired), desired)
    assert steps
    driver.apply(steps)
    assert driver.observe(desired) == desired
    assert plan_steps(driver.observe(desired), desired) == []
    driver.apply(steps)
    assert driver.observe(desired) == desired


def _instance(prefix: str, host: str, element: str, bridge: str, cidr: str) -> list[object]:
    """An instance's namespace, its veth from `bridge` (in the host's namespace) and address."""
    namespace = names.namespace_name(prefix, "instance", host, element)
    port = names.interface_name(prefix, "port", element)
    return [
        Namespace(namespace, "instance", element),
        Veth(names.interface_name(prefix, "tap", element), port, element, None, namespace, bridge),
        Address(port, cidr, element, namespace),
    ]


def _state(host: str, objects: list[object]) -> HostState:
    kinds = {
        Namespace: "namespaces",
        Bridge: "bridges",
        Veth: "veths",
        Vxlan: "vxlans",
        Address: "addresses",
        Route: "routes",
        Firewall: "firewalls",
        Dnsmasq: "dnsmasqs",
        Responder: "responders",
    }
    groups: dict[str, list[object]] = {}
    for obj in objects:
        groups.setdefault(kinds[type(obj)], []).append(obj)
    return HostState(
        host,
        **{name: tuple(sorted(items, key=lambda o: o.key)) for name, items in groups.items()},  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("deployment", [1], indirect=True)
def test_two_instances_on_a_bridge_reach_each_other(deployment: tuple[str, Make]) -> None:
    prefix, make = deployment
    driver = make("a")
    bridge = names.interface_name(prefix, "bridge", "net")
    desired = _state(
        "a",
        [
            Bridge(bridge, "net", mtu=1450),
            *_instance(prefix, "a", "vm1", bridge, "10.91.0.1/24"),
            *_instance(prefix, "a", "vm2", bridge, "10.91.0.2/24"),
        ],
    )
    _deploy(driver, desired)
    assert _ping(names.namespace_name(prefix, "instance", "a", "vm1"), "10.91.0.2")

    driver.destroy()
    assert driver.observe() == HostState("a")


@pytest.mark.parametrize("deployment", [2], indirect=True)
def test_router_forwards_and_snats_between_two_bridges(deployment: tuple[str, Make]) -> None:
    prefix, make = deployment
    driver = make("a")
    inside, outside = (names.interface_name(prefix, "bridge", net) for net in ("in", "out"))
    router = names.namespace_name(prefix, "router", "a", "r1")
    ports = [names.interface_name(prefix, "port", "r1", net) for net in ("in", "out")]
    taps = [names.interface_name(prefix, "tap", "r1", net) for net in ("in", "out")]
    vm1 = names.namespace_name(prefix, "instance", "a", "vm1")
    vm2 = names.namespace_name(prefix, "instance", "a", "vm2")
    chain = f"{prefix}-snat"
    objects: list[object] = [
        Bridge(inside, "in"),
        Bridge(outside, "out"),
        Namespace(router, "router", "r1", (("net.ipv4.ip_forward", "1"),)),
        Veth(taps[0], ports[0], "r1", None, router, inside),
        Veth(taps[1], ports[1], "r1", None, router, outside),
        Address(ports[0], "10.92.1.1/24", "r1", router),
        Address(ports[1], "10.92.2.1/24", "r1", router),
        *_instance(prefix, "a", "vm1", inside, "10.92.1.10/24"),
        *_instance(prefix, "a", "vm2", outside, "10.92.2.10/24"),
        Route("0.0.0.0/0", "vm1", vm1, "10.92.1.1"),
        Route("0.0.0.0/0", "vm2", vm2, "10.92.2.1"),
        Responder("vm2", vm2, (7,), 80),
    ]
    _deploy(driver, _state("a", objects))
    assert _ping(vm1, "10.92.2.10")
    peer = (
        "import urllib.request as u;"
        "print(u.urlopen('http://10.92.2.10/peer', timeout=3).read().decode())"
    )
    assert _python(vm1, peer) == "10.92.1.10"

    snat = Firewall(
        "nat",
        "r1",
        router,
        ((chain, (("-o", ports[1], "-j", "SNAT", "--to-source", "10.92.2.1"),)),),
        (("POSTROUTING", ("-j", chain)),),
    )
    _deploy(driver, _state("a", [*objects, snat]))
    assert _python(vm1, peer) == "10.92.2.1"
    echo = (
        "import socket; s = socket.create_connection(('10.92.2.10', 7), timeout=3);"
        "s.sendall(b'hello'); print(s.recv(5).decode())"
    )
    assert _python(vm1, echo) == "hello"

    # Dropping the firewall leaves no owned chain or hook in the router's namespace.
    _deploy(driver, _state("a", objects))
    assert prefix not in _run(router, "iptables-save").stdout
    assert _python(vm1, peer) == "10.92.1.10"


@pytest.mark.parametrize("deployment", [3], indirect=True)
def test_vxlan_carries_a_network_between_two_emulated_hosts(
    deployment: tuple[str, Make],
) -> None:
    prefix, make = deployment
    first, second = make("a"), make("b")
    underlay = "underlay"  # the fabric's, not the deployment's
    with IPRoute(netns=first.binding.namespace) as ipr:
        ipr.link(
            "add",
            ifname=f"{underlay}a",
            kind="veth",
            peer={"ifname": f"{underlay}b", "net_ns_fd": second.binding.namespace},
        )
        ipr.addr(
            "add",
            index=ipr.link_lookup(ifname=f"{underlay}a")[0],
            address="192.168.91.1",
            prefixlen=24,
        )
        ipr.link("set", index=ipr.link_lookup(ifname=f"{underlay}a")[0], state="up")
    with IPRoute(netns=second.binding.namespace) as ipr:
        ipr.addr(
            "add",
            index=ipr.link_lookup(ifname=f"{underlay}b")[0],
            address="192.168.91.2",
            prefixlen=24,
        )
        ipr.link("set", index=ipr.link_lookup(ifname=f"{underlay}b")[0], state="up")
    bridge = names.interface_name(prefix, "bridge", "net")
    tunnel = names.interface_name(prefix, "vxlan", "net")
    states = {}
    for host, local, remote, cidr in (
        ("a", "192.168.91.1", "192.168.91.2", "10.93.0.1/24"),
        ("b", "192.168.91.2", "192.168.91.1", "10.93.0.2/24"),
    ):
        states[host] = _state(
            host,
            [
                Bridge(bridge, "net", mtu=1450),
                Vxlan(tunnel, 4093, local, f"{underlay}{host}", "net", bridge, (remote,), mtu=1450),
                *_instance(prefix, host, f"vm-{host}", bridge, cidr),
            ],
        )
    _deploy(first, states["a"])
    _deploy(second, states["b"])
    assert _ping(states["a"].namespaces[0].name, "10.93.0.2")
    # Each host sees only its own namespaces, though both sit side by side in /run/netns.
    assert first.observe().namespaces == tuple(
        Namespace(ns.name, ns.role, ns.owner) for ns in states["a"].namespaces
    )


@pytest.mark.parametrize("deployment", [4], indirect=True)
def test_dnsmasq_answers_by_name_and_stops_with_its_namespace(
    deployment: tuple[str, Make],
) -> None:
    prefix, make = deployment
    driver = make("a")
    bridge = names.interface_name(prefix, "bridge", "net")
    dhcp = names.namespace_name(prefix, "dhcp", "a", "net")
    port = names.interface_name(prefix, "port", "dhcp", "net")
    vm1 = names.namespace_name(prefix, "instance", "a", "vm1")
    service = Dnsmasq(
        port,
        "net",
        dhcp,
        ranges=(("10.94.0.100", "10.94.0.150", 24),),
        router="10.94.0.1",
        domain="lab",
        records=(("web", "10.94.0.9"),),
    )
    base: list[object] = [
        Bridge(bridge, "net"),
        Namespace(dhcp, "dhcp", "net"),
        Veth(names.interface_name(prefix, "tap", "dhcp", "net"), port, "net", None, dhcp, bridge),
        Address(port, "10.94.0.2/24", "net", dhcp),
        *_instance(prefix, "a", "vm1", bridge, "10.94.0.10/24"),
    ]
    _deploy(driver, _state("a", [*base, service]))
    query = (
        "import socket, struct;"
        "q = struct.pack('>HHHHHH', 7, 0x100, 1, 0, 0, 0) + b'\\x03web\\x00'"
        " + struct.pack('>HH', 1, 1);"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3);"
        "s.sendto(q, ('10.94.0.2', 53)); r = s.recv(512);"
        "print('.'.join(str(b) for b in r[-4:]))"
    )
    assert _python(vm1, query) == "10.94.0.9"

    # Another record restarts it with the new configuration.
    changed = Dnsmasq(**{**service.__dict__, "records": (("web", "10.94.0.19"),)})
    _deploy(driver, _state("a", [*base, changed]))
    assert _python(vm1, query) == "10.94.0.19"

    # A process killed outside Netloom is observed as gone, and planned again.
    record = next((driver.run_dir / "processes").glob("dnsmasq*.json"))
    os.kill(json.loads(record.read_text())["pid"], signal.SIGKILL)
    desired = _state("a", [*base, changed])
    assert [step.action for step in plan_steps(driver.observe(desired), desired)] == ["create"]


@pytest.mark.parametrize("deployment", [5], indirect=True)
def test_a_failed_step_leaves_nothing_half_built(deployment: tuple[str, Make]) -> None:
    prefix, make = deployment
    driver = make("a")
    vm1 = names.namespace_name(prefix, "instance", "a", "vm1")
    tap = names.interface_name(prefix, "tap", "vm1")
    driver.apply([Step("create", Namespace(vm1, "instance", "vm1"))])
    broken = Veth(
        tap, names.interface_name(prefix, "port", "vm1"), "vm1", None, vm1, "nosuchbridge"
    )
    with pytest.raises(DriverError, match=f"create veth {tap}.*nosuchbridge"):
        driver.apply([Step("create", broken)])
    observed = driver.observe()
    assert observed.veths == ()
    assert [ns.name for ns in observed.namespaces] == [vm1]
    # Removing what is already gone is no error.
    driver.apply([Step("remove", broken), Step("remove", Address("x", "10.0.0.1/24", "", vm1))])

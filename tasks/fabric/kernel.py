"""Build, observe and remove a lab fabric in the kernel of this machine.

Namespaces, bridges, veth pairs and addresses go through netlink (pyroute2); a namespace's
sysctls through `ip netns exec ... sysctl`, with argument lists. Every step first looks at what
is there, so `up` run twice changes nothing, and every function returns the changes it made, in
words. Only objects whose names the fabric owns (`FabricSpec.owns_namespace`, `owns_link`) are
ever changed or removed. Needs root.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Interface
from typing import Any

from pyroute2 import IPRoute, netns
from pyroute2.netlink.exceptions import NetlinkError

from tasks.fabric.spec import (
    PHYSICAL_NETWORKS,
    UNDERLAY_INTERFACE,
    FabricError,
    FabricHost,
    FabricSpec,
    NeedsRoot,
    OutsideHost,
    Segment,
)

IFF_UP = 0x1
AF_INET = 2
STOP_GRACE_SECONDS = 3.0
SYSCTL_TIMEOUT_SECONDS = 10

# A netlink message: pyroute2's, untyped.
Link = Any


def require_root() -> None:
    if os.geteuid() != 0:
        raise NeedsRoot(
            "the lab fabric needs root: it creates network namespaces, bridges and veth pairs. "
            "Run this as root."
        )


# -- looking ------------------------------------------------------------------------------


def _link(ipr: IPRoute, name: str) -> Link | None:
    try:
        return ipr.link("get", ifname=name)[0]
    except NetlinkError as exc:
        if exc.code == errno.ENODEV:
            return None
        raise


def _existing_link(ipr: IPRoute, name: str) -> Link:
    """A link just made: its absence is a kernel failure, not a state to handle."""
    link = _link(ipr, name)
    if link is None:
        raise FabricError(f"the kernel has no link {name}")
    return link


def _is_up(link: Link) -> bool:
    return bool(link["flags"] & IFF_UP)


def _addresses(ipr: IPRoute, link: Link) -> set[IPv4Interface]:
    return {
        IPv4Interface(f"{message.get_attr('IFA_ADDRESS')}/{message['prefixlen']}")
        for message in ipr.addr("dump", index=link["index"], family=AF_INET)
    }


def _namespaces() -> set[str]:
    return set(netns.listnetns())


@contextmanager
def _inside(namespace: str) -> Iterator[IPRoute]:
    """Netlink in an existing namespace (never creates one)."""
    with IPRoute(netns=namespace, flags=0) as ipr:
        yield ipr


def _sysctl(namespace: str, *arguments: str) -> str:
    result = subprocess.run(
        ["ip", "netns", "exec", namespace, "sysctl", *arguments],
        capture_output=True,
        text=True,
        timeout=SYSCTL_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise FabricError(f"sysctl in {namespace} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def _forwarding(namespace: str) -> bool:
    return _sysctl(namespace, "-n", "net.ipv4.ip_forward") == "1"


# -- making -------------------------------------------------------------------------------


def _ensure_up(ipr: IPRoute, link: Link, where: str, changes: list[str]) -> None:
    if not _is_up(link):
        ipr.link("set", index=link["index"], state="up")
        changes.append(f"set {link.get_attr('IFLA_IFNAME')} up{where}")


def _ensure_bridge(root: IPRoute, name: str, changes: list[str]) -> Link:
    bridge = _link(root, name)
    if bridge is None:
        root.link("add", ifname=name, kind="bridge")
        changes.append(f"created bridge {name}")
        bridge = _existing_link(root, name)
    _ensure_up(root, bridge, "", changes)
    return bridge


def _ensure_namespace(name: str, changes: list[str]) -> None:
    if name not in _namespaces():
        netns.create(name)
        changes.append(f"created namespace {name}")
    with _inside(name) as inside:
        _ensure_up(inside, _existing_link(inside, "lo"), f" in {name}", changes)


def _ensure_veth(
    root: IPRoute,
    inside: IPRoute,
    namespace: str,
    root_name: str,
    inside_name: str,
    bridge: str,
    changes: list[str],
) -> Link:
    """A veth pair from `bridge` in the root namespace to `inside_name` in `namespace`, both
    ends up; returns the inside end. Half a pair (one end gone) is removed and made again."""
    master = _ensure_bridge(root, bridge, changes)
    outer, inner = _link(root, root_name), _link(inside, inside_name)
    if (outer is None) != (inner is None):
        if outer is not None:
            root.link("del", index=outer["index"])
        if inner is not None:
            inside.link("del", index=inner["index"])
        changes.append(f"removed half of the veth pair {root_name}/{inside_name}")
        outer = inner = None
    if outer is None:
        root.link(
            "add",
            ifname=root_name,
            kind="veth",
            peer={"ifname": inside_name, "net_ns_fd": namespace},
        )
        changes.append(f"created veth {root_name} to {inside_name} in {namespace}")
        outer, inner = _existing_link(root, root_name), _existing_link(inside, inside_name)
    if outer.get_attr("IFLA_MASTER") != master["index"]:
        root.link("set", index=outer["index"], master=master["index"])
        changes.append(f"attached {root_name} to {bridge}")
    _ensure_up(root, outer, "", changes)
    _ensure_up(inside, inner, f" in {namespace}", changes)
    return inner


def _ensure_address(
    inside: IPRoute, link: Link, address: IPv4Interface, namespace: str, changes: list[str]
) -> None:
    if address not in _addresses(inside, link):
        inside.addr(
            "add", index=link["index"], address=str(address.ip), prefixlen=address.network.prefixlen
        )
        changes.append(f"added {address} to {link.get_attr('IFLA_IFNAME')} in {namespace}")


def _ensure_forwarding(namespace: str, changes: list[str]) -> None:
    if not _forwarding(namespace):
        _sysctl(namespace, "-q", "-w", "net.ipv4.ip_forward=1")
        changes.append(f"enabled IPv4 forwarding in {namespace}")


def _ensure_host(spec: FabricSpec, root: IPRoute, host: FabricHost, changes: list[str]) -> None:
    _ensure_namespace(host.namespace, changes)
    with _inside(host.namespace) as inside:
        underlay = _ensure_veth(
            root,
            inside,
            host.namespace,
            host.underlay_link,
            UNDERLAY_INTERFACE,
            spec.underlay_bridge,
            changes,
        )
        _ensure_address(inside, underlay, host.underlay_address, host.namespace, changes)
        for network in host.physical_networks:
            _ensure_veth(
                root,
                inside,
                host.namespace,
                host.physical_link(network),
                network.interface,
                spec.bridge(network),
                changes,
            )
    _ensure_forwarding(host.namespace, changes)


def _ensure_outside(
    spec: FabricSpec, root: IPRoute, outside: OutsideHost, changes: list[str]
) -> None:
    external = next(network for network in PHYSICAL_NETWORKS if network.name == "external")
    _ensure_namespace(outside.namespace, changes)
    with _inside(outside.namespace) as inside:
        link = _ensure_veth(
            root,
            inside,
            outside.namespace,
            outside.link,
            outside.interface,
            spec.bridge(external),
            changes,
        )
        _ensure_address(inside, link, outside.address, outside.namespace, changes)


# -- removing -----------------------------------------------------------------------------


def _wait_until(done: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _processes_in(namespace: str) -> list[int]:
    return netns.ns_pids().get(namespace, [])


def _stop_processes(namespace: str, changes: list[str]) -> None:
    """Stop every process in the namespace: SIGTERM, then SIGKILL after a grace period. A
    process left running would keep the namespace and its interfaces alive."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = _processes_in(namespace)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                continue
            changes.append(f"sent {sig.name} to process {pid} in {namespace}")
        if _wait_until(lambda: not _processes_in(namespace), STOP_GRACE_SECONDS):
            return
    raise FabricError(f"processes in {namespace} did not stop: {_processes_in(namespace)}")


def _delete_link(root: IPRoute, name: str, changes: list[str]) -> None:
    link = _link(root, name)
    if link is None:
        return
    try:
        root.link("del", index=link["index"])
    except NetlinkError as exc:
        # Its peer's namespace went away meanwhile, taking the pair with it.
        if exc.code != errno.ENODEV:
            raise
    changes.append(f"removed {name}")


def _remove_namespace(root: IPRoute, spec: FabricSpec, name: str, changes: list[str]) -> None:
    """Stop the namespace's processes, remove the root ends of its veth pairs (which removes
    the pairs at once, rather than when the kernel gets round to freeing the namespace), then
    the namespace."""
    _stop_processes(name, changes)
    host = spec.host_of_namespace(name)
    for link in root.link("dump"):
        link_name = link.get_attr("IFLA_IFNAME")
        outside = name == spec.outside_host.namespace and link_name == spec.outside_host.link
        if outside or (host is not None and host.owns_link(link_name)):
            _delete_link(root, link_name, changes)
    netns.remove(name)
    changes.append(f"removed namespace {name}")


def _owned_links(root: IPRoute, spec: FabricSpec) -> list[str]:
    return [
        name for link in root.link("dump") if spec.owns_link(name := link.get_attr("IFLA_IFNAME"))
    ]


# -- the fabric -----------------------------------------------------------------------------


def up(spec: FabricSpec) -> list[str]:
    """Make the fabric as `spec` describes it; hosts of this fabric that the layout no longer
    has are removed. Returns the changes made (none when it was already there)."""
    require_root()
    changes: list[str] = []
    wanted = {host.namespace for host in spec.hosts} | {spec.outside_host.namespace}
    with IPRoute() as root:
        for bridge in spec.bridges.values():
            _ensure_bridge(root, bridge, changes)
        for name in sorted(_namespaces()):
            if spec.owns_namespace(name) and name not in wanted:
                _remove_namespace(root, spec, name, changes)
        for host in spec.hosts:
            _ensure_host(spec, root, host, changes)
        _ensure_outside(spec, root, spec.outside_host, changes)
    return changes


def down(spec: FabricSpec) -> list[str]:
    """Remove everything of the fabric with `spec`'s prefix, whatever its layout: processes in
    its namespaces, the namespaces, its veth pairs and its bridges (segments included)."""
    require_root()
    changes: list[str] = []
    with IPRoute() as root:
        for name in sorted(_namespaces()):
            if spec.owns_namespace(name):
                _remove_namespace(root, spec, name, changes)
        for name in _owned_links(root, spec):
            _delete_link(root, name, changes)
    return changes


# -- VLAN segments --------------------------------------------------------------------------


def add_segment(spec: FabricSpec, physical_network: str, vlan: int) -> list[str]:
    """The bridge that carries one VLAN of a physical network (the fabric has no 802.1Q)."""
    require_root()
    segment = spec.segment(physical_network, vlan)
    changes: list[str] = []
    with IPRoute() as root:
        _ensure_bridge(root, segment.bridge, changes)
    return changes


def attach_segment(spec: FabricSpec, host_name: str, physical_network: str, vlan: int) -> list[str]:
    """Give a host an interface on a VLAN segment (`Segment.interface`, e.g. p1v101), making
    the segment's bridge if needed. The host must be up and have the physical network."""
    require_root()
    return _attach(spec, spec.host_named(host_name), physical_network, vlan)


def carry_segments(namespace: str, interfaces: Iterable[str]) -> list[str]:
    """Attach the VLAN segments a deploy to an emulated host uses: each interface named as a
    segment's (p1v21) that the host lacks. `namespace` is the host's, which names its fabric;
    any host of the fabric, whatever its layout. Segments stay with the fabric after."""
    prefix = namespace.partition("-")[0]
    spec = FabricSpec(prefix=prefix)
    host = spec.host_of_namespace(namespace)
    if host is None:
        return []
    tags = {network.tag: network.name for network in PHYSICAL_NETWORKS}
    changes: list[str] = []
    for interface in sorted(set(interfaces)):
        match = re.fullmatch(r"([a-z]\d)v(\d{1,4})", interface)
        if match is not None and match[1] in tags:
            changes += _attach(spec, host, tags[match[1]], int(match[2]))
    return changes


def _attach(spec: FabricSpec, host: FabricHost, physical_network: str, vlan: int) -> list[str]:
    segment = spec.segment(physical_network, vlan)
    if not host.has(segment.physical_network):
        raise FabricError(f"{host.name} has no physical network {physical_network!r}")
    if host.namespace not in _namespaces():
        raise FabricError(f"{host.name} is not up: its namespace {host.namespace} is missing")
    changes: list[str] = []
    with IPRoute() as root, _inside(host.namespace) as inside:
        _ensure_veth(
            root,
            inside,
            host.namespace,
            host.segment_link(segment),
            segment.interface,
            segment.bridge,
            changes,
        )
    return changes


def detach_segment(spec: FabricSpec, host_name: str, physical_network: str, vlan: int) -> list[str]:
    require_root()
    host = spec.host_named(host_name)
    segment = spec.segment(physical_network, vlan)
    changes: list[str] = []
    with IPRoute() as root:
        _delete_link(root, host.segment_link(segment), changes)
    return changes


def remove_segment(spec: FabricSpec, physical_network: str, vlan: int) -> list[str]:
    """Remove a segment's bridge and every host's interface on it."""
    require_root()
    segment = spec.segment(physical_network, vlan)
    changes: list[str] = []
    with IPRoute() as root:
        for name in _owned_links(root, spec):
            if _is_segment_port(spec, name, segment):
                _delete_link(root, name, changes)
        _delete_link(root, segment.bridge, changes)
    return changes


def _is_segment_port(spec: FabricSpec, name: str, segment: Segment) -> bool:
    host = spec.host_of_link(name)
    return host is not None and name == host.segment_link(segment)


# -- observing ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HostState:
    host: FabricHost
    in_layout: bool  # False: found in the kernel, but the layout asked about has no such host
    namespace: bool
    interfaces: dict[str, bool]  # {interface in the namespace: present and up}
    underlay_address: bool
    forwarding: bool

    @property
    def complete(self) -> bool:
        return (
            self.namespace
            and all(self.interfaces.values())
            and self.underlay_address
            and self.forwarding
        )


@dataclass(frozen=True, slots=True)
class OutsideState:
    outside: OutsideHost
    namespace: bool
    address: bool

    @property
    def complete(self) -> bool:
        return self.namespace and self.address


@dataclass(frozen=True, slots=True)
class FabricState:
    bridges: dict[str, bool]  # {bridge: present and up}
    hosts: list[HostState]
    outside: OutsideState
    segments: list[Segment]

    @property
    def complete(self) -> bool:
        """Whether everything the layout asked about is there."""
        return (
            all(self.bridges.values())
            and all(state.complete for state in self.hosts if state.in_layout)
            and self.outside.complete
        )

    @property
    def empty(self) -> bool:
        """Whether nothing of the fabric is there."""
        return (
            not any(self.bridges.values())
            and not any(state.namespace for state in self.hosts)
            and not self.outside.namespace
            and not self.segments
        )


def _interface_state(ipr: IPRoute, name: str) -> tuple[Link | None, bool]:
    link = _link(ipr, name)
    return link, link is not None and _is_up(link)


def _observe_host(host: FabricHost, in_layout: bool, namespaces: set[str]) -> HostState:
    names = [UNDERLAY_INTERFACE, *(network.interface for network in host.physical_networks)]
    if host.namespace not in namespaces:
        return HostState(host, in_layout, False, dict.fromkeys(names, False), False, False)
    with _inside(host.namespace) as inside:
        states = {name: _interface_state(inside, name) for name in names}
        underlay, _ = states[UNDERLAY_INTERFACE]
        address = underlay is not None and host.underlay_address in _addresses(inside, underlay)
    return HostState(
        host,
        in_layout,
        True,
        {name: up for name, (_, up) in states.items()},
        address,
        _forwarding(host.namespace),
    )


def _observe_outside(outside: OutsideHost, namespaces: set[str]) -> OutsideState:
    if outside.namespace not in namespaces:
        return OutsideState(outside, False, False)
    with _inside(outside.namespace) as inside:
        link, up = _interface_state(inside, outside.interface)
        address = up and outside.address in _addresses(inside, link)
    return OutsideState(outside, True, address)


def observe(spec: FabricSpec) -> FabricState:
    """What of the fabric is there: the layout's hosts, and any other host of this fabric."""
    require_root()
    namespaces = _namespaces()
    in_layout = {host.namespace for host in spec.hosts}
    found = [
        host
        for name in sorted(namespaces - in_layout)
        if (host := spec.host_of_namespace(name)) is not None
    ]
    with IPRoute() as root:
        bridges = {name: _interface_state(root, name)[1] for name in spec.bridges.values()}
        segments = [
            segment
            for name in sorted(_owned_links(root, spec))
            if (segment := spec.segment_of_bridge(name)) is not None
        ]
    return FabricState(
        bridges=bridges,
        hosts=[_observe_host(host, True, namespaces) for host in spec.hosts]
        + [_observe_host(host, False, namespaces) for host in found],
        outside=_observe_outside(spec.outside_host, namespaces),
        segments=segments,
    )

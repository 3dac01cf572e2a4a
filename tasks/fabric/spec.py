"""What a lab fabric is: the emulated hosts, their underlay addresses and physical networks,
the outside host, and the kernel name of every object the fabric makes. Pure: no I/O.

A lab fabric emulates several hosts on one machine. Each host is a network namespace with an
underlay interface on a shared fabric bridge, and one interface per physical network it has
(a provider network's physical interface: no address). The external physical network also
holds a stand-in *outside host*, a namespace with an address on it, acting as a machine on the
external network.

Every kernel name is built from the fabric's prefix, a role letter and an index, never from
text a user typed, and fits Linux's 15-byte limit:

    namespaces           {prefix}-n1 (network-1), {prefix}-c1 (compute-1), {prefix}-b1 (node-1),
                         {prefix}-out (the outside host)
    bridges (root)       {prefix}0 (underlay), {prefix}x0 (external), {prefix}p1 (physnet1),
                         {prefix}p1v101 (physnet1, VLAN 101: a segment)
    veth ends (root)     {prefix}n1u0 (underlay), {prefix}n1x0, {prefix}n1p1, {prefix}n1p1v101,
                         {prefix}out (the outside host's)
    inside a host        ul0 (underlay), ext0, phy1, p1v101; inside the outside host: eth0
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv4Network
from typing import ClassVar

DEFAULT_PREFIX = "nlfab"
# The benchmarking range (RFC 2544) and TEST-NET-3 (RFC 5737): never routed on the internet.
DEFAULT_UNDERLAY = IPv4Network("198.18.0.0/24")
DEFAULT_OUTSIDE = IPv4Network("203.0.113.0/24")

# Letters only, so a name's prefix ends where the role letter or a tag begins.
PREFIX_PATTERN = r"[a-z]{2,5}"
MAX_HOSTS_PER_ROLE = 50
MIN_VLAN, MAX_VLAN = 1, 4094

UNDERLAY_INTERFACE = "ul0"
OUTSIDE_INTERFACE = "eth0"

# Pieces of the name patterns by which the fabric knows its own objects.
_INDEX = r"[1-9]\d?"
_VLAN = r"v([1-9]\d{0,3})"


class FabricError(ValueError):
    """A fabric asked for what it cannot be, or a kernel step that failed."""


class NeedsRoot(FabricError):
    """The kernel work was asked of a process that is not root."""


class Role(enum.StrEnum):
    """The same values as the host registry's roles."""

    NETWORK = "network"
    COMPUTE = "compute"
    BOTH = "both"

    @property
    def letter(self) -> str:
        return {Role.NETWORK: "n", Role.COMPUTE: "c", Role.BOTH: "b"}[self]

    @property
    def host_prefix(self) -> str:
        return {Role.NETWORK: "network", Role.COMPUTE: "compute", Role.BOTH: "node"}[self]

    @property
    def address_offset(self) -> int:
        """Where this role's underlay addresses start: network-1 is .11, compute-1 .101."""
        return {Role.NETWORK: 10, Role.COMPUTE: 100, Role.BOTH: 200}[self]

    @property
    def is_networking_node(self) -> bool:
        return self in (Role.NETWORK, Role.BOTH)


class VlanTransport(enum.StrEnum):
    """How VLANs of a physical network reach a host."""

    # An 802.1Q sub-interface of the physical interface (a real host whose kernel has 8021q).
    SUBINTERFACE = "802.1q"
    # A separate fabric segment per (physical network, VLAN): a bridge of its own, and a veth
    # into each host that has the VLAN. Works on every kernel, including those without 802.1Q.
    SEGMENT = "segment"


@dataclass(frozen=True, slots=True)
class PhysicalNetwork:
    name: str  # as in the host registry and in a topology's provider networks
    tag: str  # the short code in kernel names
    interface: str  # the interface inside each host that has this network
    networking_nodes_only: bool


PHYSICAL_NETWORKS = (
    PhysicalNetwork("external", "x0", "ext0", networking_nodes_only=True),
    PhysicalNetwork("physnet1", "p1", "phy1", networking_nodes_only=False),
)
_TAGS = "|".join(network.tag for network in PHYSICAL_NETWORKS)
# What follows a host's link prefix in the names of its links: u0, x0, p1, p1v101.
_HOST_LINK = rf"u0|(?:{_TAGS})(?:{_VLAN})?"


@dataclass(frozen=True, slots=True)
class Segment:
    """One VLAN of a physical network, carried on a bridge of its own."""

    physical_network: PhysicalNetwork
    vlan: int
    bridge: str

    @property
    def interface(self) -> str:
        """The interface name inside each host attached to this segment."""
        return f"{self.physical_network.tag}v{self.vlan}"


@dataclass(frozen=True, slots=True)
class FabricHost:
    name: str  # the host registry's name; its worker serves the queue host.<name>
    role: Role
    index: int  # 1-based within the role
    namespace: str
    link_prefix: str  # {prefix}{role letter}{index}: the root-namespace names of its links
    underlay_address: IPv4Interface
    physical_networks: tuple[PhysicalNetwork, ...]

    @property
    def underlay_link(self) -> str:
        """The root end of the underlay veth, on the underlay bridge."""
        return f"{self.link_prefix}u0"

    def physical_link(self, network: PhysicalNetwork) -> str:
        """The root end of the veth for a physical network, on that network's bridge."""
        return f"{self.link_prefix}{network.tag}"

    def segment_link(self, segment: Segment) -> str:
        """The root end of the veth for a VLAN segment, on the segment's bridge."""
        return f"{self.link_prefix}{segment.physical_network.tag}v{segment.vlan}"

    def owns_link(self, name: str) -> bool:
        """Whether a root-namespace link name is one of this host's veth ends."""
        return re.fullmatch(rf"{self.link_prefix}(?:{_HOST_LINK})", name) is not None

    def has(self, network: PhysicalNetwork) -> bool:
        return network in self.physical_networks

    @property
    def interfaces(self) -> dict[str, str]:
        """{physical network name: interface name}, as the host registry stores it."""
        return {network.name: network.interface for network in self.physical_networks}


@dataclass(frozen=True, slots=True)
class OutsideHost:
    namespace: str
    interface: str
    address: IPv4Interface
    link: str  # the root end of its veth, on the external bridge


@dataclass(frozen=True, slots=True)
class FabricSpec:
    prefix: str = DEFAULT_PREFIX
    network_nodes: int = 2
    compute_nodes: int = 2
    both_nodes: int = 0
    underlay: IPv4Network = DEFAULT_UNDERLAY
    outside: IPv4Network = DEFAULT_OUTSIDE
    # The fabric always carries VLANs as segments: the same lab runs on every kernel.
    vlan_transport: ClassVar[VlanTransport] = VlanTransport.SEGMENT
    hosts: tuple[FabricHost, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not re.fullmatch(PREFIX_PATTERN, self.prefix):
            raise FabricError(f"the prefix must be 2 to 5 lower-case letters, not {self.prefix!r}")
        for role, count in self._counts().items():
            if not 0 <= count <= MAX_HOSTS_PER_ROLE:
                raise FabricError(
                    f"{role.host_prefix} nodes: between 0 and {MAX_HOSTS_PER_ROLE}, not {count}"
                )
        if self.underlay.prefixlen > 24:
            raise FabricError(f"the underlay range must be a /24 or larger, not {self.underlay}")
        if self.outside.prefixlen > 30:
            raise FabricError(f"the outside range must be a /30 or larger, not {self.outside}")
        if self.underlay.overlaps(self.outside):
            raise FabricError("the underlay and outside ranges overlap")
        hosts = tuple(
            self.host(role, index)
            for role, count in self._counts().items()
            for index in range(1, count + 1)
        )
        object.__setattr__(self, "hosts", hosts)

    def _counts(self) -> dict[Role, int]:
        return {
            Role.NETWORK: self.network_nodes,
            Role.COMPUTE: self.compute_nodes,
            Role.BOTH: self.both_nodes,
        }

    def host(self, role: Role, index: int) -> FabricHost:
        """The host of a role and index, whether or not this layout has it."""
        if not 1 <= index <= MAX_HOSTS_PER_ROLE:
            raise FabricError(f"a host index is between 1 and {MAX_HOSTS_PER_ROLE}, not {index}")
        address = self.underlay.network_address + role.address_offset + index
        return FabricHost(
            name=f"{role.host_prefix}-{index}",
            role=role,
            index=index,
            namespace=f"{self.prefix}-{role.letter}{index}",
            link_prefix=f"{self.prefix}{role.letter}{index}",
            underlay_address=IPv4Interface(f"{address}/{self.underlay.prefixlen}"),
            physical_networks=tuple(
                network
                for network in PHYSICAL_NETWORKS
                if role.is_networking_node or not network.networking_nodes_only
            ),
        )

    def host_named(self, name: str) -> FabricHost:
        for host in self.hosts:
            if host.name == name:
                return host
        raise FabricError(f"the fabric has no host {name!r}")

    def host_of_name(self, name: str) -> FabricHost | None:
        """The host a registry name stands for in this fabric, in any layout."""
        for role in Role:
            match = re.fullmatch(rf"{role.host_prefix}-({_INDEX})", name)
            if match is not None:
                return self._host_of(role.letter, int(match[1]))
        return None

    def host_of_namespace(self, namespace: str) -> FabricHost | None:
        """The host a namespace of this fabric belongs to (None: not a host namespace)."""
        match = re.fullmatch(rf"{self.prefix}-([ncb])({_INDEX})", namespace)
        return None if match is None else self._host_of(match[1], int(match[2]))

    def host_of_link(self, name: str) -> FabricHost | None:
        """The host whose veth end a root-namespace link is (None: not a host's link)."""
        match = re.fullmatch(rf"{self.prefix}([ncb])({_INDEX})(?:{_HOST_LINK})", name)
        return None if match is None else self._host_of(match[1], int(match[2]))

    def _host_of(self, letter: str, index: int) -> FabricHost | None:
        role = next(role for role in Role if role.letter == letter)
        return self.host(role, index) if index <= MAX_HOSTS_PER_ROLE else None

    @property
    def outside_host(self) -> OutsideHost:
        address = next(self.outside.hosts())
        return OutsideHost(
            namespace=f"{self.prefix}-out",
            interface=OUTSIDE_INTERFACE,
            address=IPv4Interface(f"{address}/{self.outside.prefixlen}"),
            link=f"{self.prefix}out",
        )

    @property
    def underlay_bridge(self) -> str:
        return f"{self.prefix}0"

    def bridge(self, network: PhysicalNetwork) -> str:
        return f"{self.prefix}{network.tag}"

    @property
    def bridges(self) -> dict[str, str]:
        """{what it carries: bridge name} for the bridges every fabric has."""
        return {
            "underlay": self.underlay_bridge,
            **{network.name: self.bridge(network) for network in PHYSICAL_NETWORKS},
        }

    def segment(self, physical_network: str, vlan: int) -> Segment:
        network = physical_network_named(physical_network)
        if not MIN_VLAN <= vlan <= MAX_VLAN:
            raise FabricError(f"a VLAN id is between {MIN_VLAN} and {MAX_VLAN}, not {vlan}")
        return Segment(network, vlan, bridge=f"{self.bridge(network)}v{vlan}")

    def segment_of_bridge(self, bridge: str) -> Segment | None:
        """The segment a bridge of this fabric carries (None: not a segment bridge)."""
        for network in PHYSICAL_NETWORKS:
            match = re.fullmatch(rf"{self.bridge(network)}{_VLAN}", bridge)
            if match is not None and MIN_VLAN <= int(match[1]) <= MAX_VLAN:
                return self.segment(network.name, int(match[1]))
        return None

    def owns_namespace(self, name: str) -> bool:
        return name == self.outside_host.namespace or self.host_of_namespace(name) is not None

    def owns_link(self, name: str) -> bool:
        """Whether a root-namespace link name is one this fabric makes, with any layout."""
        bridge = rf"0|(?:{_TAGS})(?:{_VLAN})?"
        pattern = rf"{self.prefix}(?:{bridge}|out|[ncb]{_INDEX}(?:{_HOST_LINK}))"
        return re.fullmatch(pattern, name) is not None


def physical_network_named(name: str) -> PhysicalNetwork:
    for network in PHYSICAL_NETWORKS:
        if network.name == name:
            return network
    known = ", ".join(network.name for network in PHYSICAL_NETWORKS)
    raise FabricError(f"the fabric has no physical network {name!r} (it has {known})")


def parse_network(text: str, what: str) -> IPv4Network:
    """An IPv4 range given on a command line, with an error naming it."""
    try:
        return IPv4Network(text)
    except ValueError:
        raise FabricError(
            f"{what} must be an IPv4 range such as 198.18.0.0/24, not {text!r}"
        ) from None

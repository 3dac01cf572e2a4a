"""A read-only index over one parsed document: elements by id, addresses parsed once, ports by
device, network and subnet. Every rule reads the document through it, so the work of parsing
addresses and grouping elements is done once per validation, not once per rule.

Addresses are held as plain integers (see IPV6): comparing and sorting integers is what keeps
the address rules fast on documents of tens of thousands of elements. The `ipaddress` objects
a message prints are built only for the findings that print them.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import NamedTuple

import networkx as nx

from designer import graph
from designer.spec import Document
from designer.spec.elements import (
    Element,
    FloatingIP,
    Instance,
    Network,
    Port,
    Router,
    Segment,
    Subnet,
)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# An address is held as one integer: its value, plus IPV6 for an IPv6 address. Every IPv4
# address is then below every IPv6 one, so one comparison both orders addresses and tells the
# versions apart: no IPv4 address equals an IPv6 one or lies in an IPv6 range.
IPV6 = 1 << 128


def parse_address(text: str | None) -> int | None:
    """The address `text` names, as an integer (see IPV6), or None.

    The C library's inet_pton reads it (several times faster than the ipaddress module's own
    parser, which dominated validation of large documents) and accepts exactly what ipaddress
    accepts, save IPv6 scope ids, which the document's address fields cannot hold. Every IPv6
    spelling has a colon and no IPv4 one does, so one call decides.
    """
    if text is None:
        return None
    try:
        if ":" in text:
            return IPV6 | int.from_bytes(socket.inet_pton(socket.AF_INET6, text))
        return int.from_bytes(socket.inet_pton(socket.AF_INET, text))
    except OSError:
        return None


def version_of(address: int) -> int:
    return 6 if address >= IPV6 else 4


def ip_object(address: int) -> IPAddress:
    """The ipaddress object of an address held as an integer, for messages."""
    if address >= IPV6:
        return ipaddress.IPv6Address(address - IPV6)
    return ipaddress.IPv4Address(address)


def parse_ip(text: str | None) -> IPAddress | None:
    """The address `text` names, as an ipaddress object, or None."""
    address = parse_address(text)
    return None if address is None else ip_object(address)


class CidrRange(NamedTuple):
    """A CIDR as integers: its IP version, first and last address (as `parse_address` holds
    them), and prefix length."""

    version: int
    first: int
    last: int
    prefixlen: int
    host_bits: bool  # the address written is not the network address

    @property
    def usable(self) -> tuple[int, int]:
        """The addresses a host may hold: all but the network address and the IPv4 broadcast.
        Point-to-point links (IPv4 /31, RFC 3021; IPv6 /127, RFC 6164) and single hosts use
        every address they have."""
        if self.prefixlen >= (31 if self.version == 4 else 127):
            return self.first, self.last
        return self.first + 1, self.last - 1 if self.version == 4 else self.last

    def contains(self, address: int) -> bool:
        return self.first <= address <= self.last

    def network(self) -> IPNetwork:
        """The ipaddress network, for messages."""
        if self.version == 4:
            return ipaddress.IPv4Network((self.first, self.prefixlen))
        return ipaddress.IPv6Network((self.first - IPV6, self.prefixlen))


def parse_cidr_range(text: str) -> CidrRange | None:
    """The range a CIDR names; None when it is not a CIDR (host bits set counts as a CIDR:
    `cidr_host_bits` reports that separately)."""
    address, slash, prefix = text.partition("/")
    if not slash or not prefix.isdigit() or len(prefix) > 3:
        return None
    value = parse_address(address)
    if value is None:
        return None
    version, bits = (6, 128) if value >= IPV6 else (4, 32)
    prefixlen = int(prefix)
    if prefixlen > bits:
        return None
    host = (1 << (bits - prefixlen)) - 1
    first = value & ~host
    return CidrRange(version, first, first | host, prefixlen, value != first)


class Interface(NamedTuple):
    """One fixed IP of a router's port: the router's interface on a subnet."""

    port: Port
    subnet_id: str


class TopologyIndex:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.networks: dict[str, Network] = {n.id: n for n in document.networks}
        self.segments: dict[str, Segment] = {s.id: s for s in document.segments}
        self.subnets: dict[str, Subnet] = {s.id: s for s in document.subnets}
        self.ports: dict[str, Port] = {p.id: p for p in document.ports}
        self.instances: dict[str, Instance] = {i.id: i for i in document.instances}
        self.routers: dict[str, Router] = {r.id: r for r in document.routers}
        self.floating_ips: dict[str, FloatingIP] = {f.id: f for f in document.floating_ips}
        # Where `label` looks an id up, in this order.
        self._named: tuple[Mapping[str, Element], ...] = (
            self.networks,
            self.subnets,
            self.routers,
            self.instances,
            self.segments,
            self.ports,
            self.floating_ips,
        )

    # --- addresses ----------------------------------------------------------------------

    @cached_property
    def subnet_ranges(self) -> dict[str, CidrRange]:
        """Subnet id -> its CIDR as integers, for the subnets whose CIDR parses."""
        parsed = {}
        for subnet in self.document.subnets:
            cidr = parse_cidr_range(subnet.cidr)
            if cidr is not None:
                parsed[subnet.id] = cidr
        return parsed

    @cached_property
    def subnet_gateways(self) -> dict[str, int]:
        """Subnet id -> its gateway address, for the subnets whose gateway IP parses."""
        parsed = {}
        for subnet in self.document.subnets:
            gateway = parse_address(subnet.gateway_ip)
            if gateway is not None:
                parsed[subnet.id] = gateway
        return parsed

    # --- grouping -----------------------------------------------------------------------

    @property
    def ports_by_device(self) -> dict[str, list[Port]]:
        return self._ports_of_devices[0]

    @property
    def devices_with_several_ports(self) -> set[str]:
        return self._ports_of_devices[1]

    @property
    def router_interfaces(self) -> dict[str, list[Interface]]:
        """Router id -> its interfaces (the fixed IPs of its ports, in document order). Routers
        come in the order of their first interface, the order in which the routed graph joins
        them to their subnets."""
        return self._ports_of_devices[2]

    @cached_property
    def _ports_of_devices(
        self,
    ) -> tuple[dict[str, list[Port]], set[str], dict[str, list[Interface]]]:
        """Ports by device, the devices with more than one, and the routers' interfaces, in one
        pass over the ports."""
        grouped: dict[str, list[Port]] = {}
        several: set[str] = set()
        interfaces: dict[str, list[Interface]] = {}
        routers = self.routers
        for port in self.document.ports:
            device = port.device
            if device is None:
                continue
            ports = grouped.get(device)
            if ports is None:
                grouped[device] = [port]
            else:
                ports.append(port)
                several.add(device)
            if device in routers and port.fixed_ips:
                joined = [Interface(port, fixed_ip.subnet) for fixed_ip in port.fixed_ips]
                if device in interfaces:
                    interfaces[device].extend(joined)
                else:
                    interfaces[device] = joined
        return grouped, several, interfaces

    @cached_property
    def instances_publishing(self) -> list[Instance]:
        """The instances that publish ports, in document order."""
        return [instance for instance in self.document.instances if instance.published_ports]

    @cached_property
    def ports_by_network(self) -> dict[str, list[Port]]:
        grouped: dict[str, list[Port]] = {}
        for port in self.document.ports:
            grouped.setdefault(port.network, []).append(port)
        return grouped

    @cached_property
    def subnets_by_network(self) -> dict[str, list[Subnet]]:
        grouped: dict[str, list[Subnet]] = {}
        for subnet in self.document.subnets:
            grouped.setdefault(subnet.network, []).append(subnet)
        return grouped

    @cached_property
    def subnets_by_segment(self) -> dict[str, list[Subnet]]:
        grouped: dict[str, list[Subnet]] = {}
        for subnet in self.document.subnets:
            if subnet.segment is not None:
                grouped.setdefault(subnet.segment, []).append(subnet)
        return grouped

    @cached_property
    def segments_by_network(self) -> dict[str, list[Segment]]:
        grouped: dict[str, list[Segment]] = {}
        for segment in self.document.segments:
            grouped.setdefault(segment.network, []).append(segment)
        return grouped

    # --- graphs -------------------------------------------------------------------------

    @cached_property
    def routed_adjacency(self) -> graph.Adjacency:
        """The routed graph as plain dicts (see `graph.routed_adjacency`): what validation walks."""
        return graph.routed_adjacency(self)

    @cached_property
    def bridging_graph(self) -> nx.MultiGraph:
        return graph.bridging_graph(self)

    def network_of_subnet(self, subnet_id: str) -> Network | None:
        subnet = self.subnets.get(subnet_id)
        return None if subnet is None else self.networks.get(subnet.network)

    def labels(self, element_ids: Iterable[str], limit: int = 6) -> str:
        """Several elements for a message: `'a', 'b' and 'c'`, the rest counted past `limit`."""
        ids = list(element_ids)
        shown = [self.label(element_id) for element_id in ids[:limit]]
        if len(ids) > limit:
            return f"{', '.join(shown)} and {len(ids) - limit} more"
        if len(shown) <= 1:
            return "".join(shown)
        return f"{', '.join(shown[:-1])} and {shown[-1]}"

    def label(self, element_id: str) -> str:
        """How a message names an element: its name if it has one, else its id."""
        for table in self._named:
            element = table.get(element_id)
            if element is not None:
                return f"'{element.name}'" if element.name else f"'{element_id}'"
        return f"'{element_id}'"

    # --- connectivity, shared by the policy and analysis rules ------------------------------

    @cached_property
    def routed_component_of(self) -> dict[str, int]:
        """Routed-graph node -> the number of the connected part it is in."""
        return graph.connected_parts(self.routed_adjacency)

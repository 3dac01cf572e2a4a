"""A read-only index over one parsed document: elements by id, addresses parsed once, ports by
device, network and subnet. Every rule reads the document through it, so the work of parsing
addresses and grouping elements is done once per validation, not once per rule.
"""

from __future__ import annotations

import ipaddress
import socket
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import networkx as nx

from designer import graph
from designer.spec import Document
from designer.spec.elements import (
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


def parse_ip(text: str | None) -> IPAddress | None:
    """The address `text` names, or None. The C library's inet_pton reads it (about seven
    times faster than the ipaddress module's own parser, which dominated validation of large
    documents) and accepts exactly what ipaddress accepts, save IPv6 scope ids, which the
    document's address fields cannot hold."""
    if text is None:
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_pton(socket.AF_INET, text))
    except OSError:
        pass
    try:
        return ipaddress.IPv6Address(socket.inet_pton(socket.AF_INET6, text))
    except OSError:
        return None


def parse_cidr(text: str) -> IPNetwork | None:
    """The network a CIDR names; None when it is not a CIDR (host bits set counts as a CIDR:
    `cidr_host_bits` reports that separately)."""
    address, slash, prefix = text.partition("/")
    parsed = parse_ip(address)
    if not slash or parsed is None or not prefix.isdigit() or len(prefix) > 3:
        return None
    try:
        if isinstance(parsed, ipaddress.IPv4Address):
            return ipaddress.IPv4Network((parsed, int(prefix)), strict=False)
        return ipaddress.IPv6Network((parsed, int(prefix)), strict=False)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Attachment:
    """One fixed IP of a port: which device sits on which subnet with which address."""

    port: Port
    subnet_id: str
    address: IPAddress | None  # None: to be allocated, or not an address (reported elsewhere)
    path: str  # where it is in the document, for messages


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

    # --- addresses ----------------------------------------------------------------------

    @cached_property
    def subnet_cidrs(self) -> dict[str, IPNetwork]:
        """Subnet id -> its network, for the subnets whose CIDR parses."""
        parsed = {}
        for subnet in self.document.subnets:
            network = parse_cidr(subnet.cidr)
            if network is not None:
                parsed[subnet.id] = network
        return parsed

    @cached_property
    def subnet_gateways(self) -> dict[str, IPAddress]:
        """Subnet id -> its gateway address, for the subnets whose gateway IP parses."""
        parsed = {}
        for subnet in self.document.subnets:
            gateway = parse_ip(subnet.gateway_ip)
            if gateway is not None:
                parsed[subnet.id] = gateway
        return parsed

    # --- grouping -----------------------------------------------------------------------

    @cached_property
    def ports_by_device(self) -> dict[str, list[Port]]:
        grouped: dict[str, list[Port]] = defaultdict(list)
        for port in self.document.ports:
            if port.device is not None:
                grouped[port.device].append(port)
        return grouped

    @cached_property
    def ports_by_network(self) -> dict[str, list[Port]]:
        grouped: dict[str, list[Port]] = defaultdict(list)
        for port in self.document.ports:
            grouped[port.network].append(port)
        return grouped

    @cached_property
    def subnets_by_network(self) -> dict[str, list[Subnet]]:
        grouped: dict[str, list[Subnet]] = defaultdict(list)
        for subnet in self.document.subnets:
            grouped[subnet.network].append(subnet)
        return grouped

    @cached_property
    def subnets_by_segment(self) -> dict[str, list[Subnet]]:
        grouped: dict[str, list[Subnet]] = defaultdict(list)
        for subnet in self.document.subnets:
            if subnet.segment is not None:
                grouped[subnet.segment].append(subnet)
        return grouped

    @cached_property
    def segments_by_network(self) -> dict[str, list[Segment]]:
        grouped: dict[str, list[Segment]] = defaultdict(list)
        for segment in self.document.segments:
            grouped[segment.network].append(segment)
        return grouped

    @cached_property
    def attachments(self) -> list[Attachment]:
        """Every fixed IP of every port, router gateways excluded."""
        found = []
        for index, port in enumerate(self.document.ports):
            for ip_index, fixed_ip in enumerate(port.fixed_ips):
                found.append(
                    Attachment(
                        port,
                        fixed_ip.subnet,
                        parse_ip(fixed_ip.ip_address),
                        f"ports[{index}].fixed_ips[{ip_index}]",
                    )
                )
        return found

    @cached_property
    def attachments_by_subnet(self) -> dict[str, list[Attachment]]:
        grouped: dict[str, list[Attachment]] = defaultdict(list)
        for attachment in self.attachments:
            grouped[attachment.subnet_id].append(attachment)
        return grouped

    @cached_property
    def router_interfaces(self) -> dict[str, list[Attachment]]:
        """Router id -> its interfaces (the fixed IPs of its ports)."""
        grouped: dict[str, list[Attachment]] = defaultdict(list)
        for attachment in self.attachments:
            device = attachment.port.device
            if device is not None and device in self.routers:
                grouped[device].append(attachment)
        return grouped

    @cached_property
    def instance_networks(self) -> dict[str, list[str]]:
        """Instance id -> the networks its ports are on, in port order."""
        grouped: dict[str, list[str]] = defaultdict(list)
        for port in self.document.ports:
            if port.device is not None and port.device in self.instances:
                grouped[port.device].append(port.network)
        return grouped

    # --- graphs -------------------------------------------------------------------------

    @cached_property
    def routed_graph(self) -> nx.Graph:
        return graph.routed_graph(self)

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
        for table in (
            self.networks,
            self.subnets,
            self.routers,
            self.instances,
            self.segments,
            self.ports,
            self.floating_ips,
        ):
            element = table.get(element_id)
            if element is not None:
                return f"'{element.name}'" if element.name else f"'{element_id}'"
        return f"'{element_id}'"

    # --- connectivity, shared by the policy and analysis rules ------------------------------

    @cached_property
    def routed_component_of(self) -> dict[str, int]:
        """Routed-graph node -> the number of the connected part it is in."""
        return {
            node: number
            for number, part in enumerate(nx.connected_components(self.routed_graph))
            for node in part
        }

"""A read-only view of one document for the planner: elements by id in id order, subnets'
address ranges parsed once, and each port's layer-2 domain.

A *domain* is what one bridge per host carries: a network, or one segment of a routed provider
network (each segment has its own VLAN and subnet). Everything is iterated in id order, so the
plan does not depend on the order of the document's lists.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from designer.spec import Document
from designer.spec.elements import (
    Element,
    Network,
    Port,
    ProviderNetwork,
    Segment,
    Subnet,
)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Network kinds whose subnets are served by a DHCP server in a namespace (Neutron's agents);
# Docker assigns its containers' addresses itself.
DHCP_KINDS = frozenset({"provider", "routed_provider", "self_service"})
DOCKER_BRIDGE_KINDS = frozenset({"docker_bridge", "docker_user_bridge"})
# Kinds with no bridge: no interface at all, the host's own stack, or a macvlan.
BRIDGELESS_KINDS = frozenset({"docker_none", "docker_host", "docker_macvlan"})


def parse_ip(text: str | None) -> IPAddress | None:
    if text is None:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def parse_network(text: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


@dataclass(frozen=True)
class Domain:
    """What one bridge carries: a network, or a segment of a routed provider network."""

    id: str
    network: Network
    segment: Segment | None = None

    @property
    def physical(self) -> tuple[str, str, int | None] | None:
        """(physical network, flat or vlan, VLAN id) for a provider domain, else None."""
        if self.segment is not None:
            s = self.segment
            return s.physical_network, s.network_type, s.segmentation_id
        if isinstance(self.network, ProviderNetwork):
            n = self.network
            return n.physical_network, n.network_type, n.segmentation_id
        return None


T = TypeVar("T", bound=Element)


def by_id(items: list[T]) -> dict[str, T]:
    return {item.id: item for item in sorted(items, key=lambda item: item.id)}


class PlanIndex:
    def __init__(self, document: Document) -> None:
        self.networks = by_id(document.networks)
        self.segments = by_id(document.segments)
        self.subnets = by_id(document.subnets)
        self.ports = by_id(document.ports)
        self.instances = by_id(document.instances)
        self.routers = by_id(document.routers)
        self.floating_ips = by_id(document.floating_ips)
        self.load_balancers = by_id(document.load_balancers)

    @cached_property
    def subnet_ranges(self) -> dict[str, IPNetwork]:
        """Subnet id -> its address range, for the subnets whose CIDR parses."""
        ranges = {}
        for subnet in self.subnets.values():
            parsed = parse_network(subnet.cidr)
            if parsed is not None:
                ranges[subnet.id] = parsed
        return ranges

    def gateway_of(self, subnet_id: str) -> IPAddress | None:
        subnet = self.subnets.get(subnet_id)
        return None if subnet is None else parse_ip(subnet.gateway_ip)

    @cached_property
    def ports_by_device(self) -> dict[str, list[Port]]:
        grouped: dict[str, list[Port]] = defaultdict(list)
        for port in self.ports.values():
            if port.device is not None:
                grouped[port.device].append(port)
        return dict(grouped)

    @cached_property
    def subnets_by_network(self) -> dict[str, list[Subnet]]:
        grouped: dict[str, list[Subnet]] = defaultdict(list)
        for subnet in self.subnets.values():
            grouped[subnet.network].append(subnet)
        return dict(grouped)

    @cached_property
    def domains(self) -> dict[str, Domain]:
        """Domain id -> domain: each network, and each segment of a routed provider network."""
        found = {network.id: Domain(network.id, network) for network in self.networks.values()}
        for segment in self.segments.values():
            network = self.networks[segment.network]
            if network.kind == "routed_provider":
                found[segment.id] = Domain(segment.id, network, segment)
        return dict(sorted(found.items()))

    def domain_of_subnet(self, subnet: Subnet) -> Domain:
        if subnet.segment is not None and subnet.segment in self.domains:
            return self.domains[subnet.segment]
        return self.domains[subnet.network]

    def domain_of_port(self, port: Port) -> Domain:
        """The segment of the port's first fixed IP's subnet, or the port's network."""
        for fixed_ip in port.fixed_ips:
            subnet = self.subnets.get(fixed_ip.subnet)
            if subnet is not None and subnet.network == port.network:
                return self.domain_of_subnet(subnet)
        return self.domains[port.network]

    def domain_subnets(self, domain: Domain) -> list[Subnet]:
        return [
            subnet
            for subnet in self.subnets_by_network.get(domain.network.id, [])
            if self.domain_of_subnet(subnet).id == domain.id
        ]

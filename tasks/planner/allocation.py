"""Addresses and MACs the design leaves open, allocated deterministically.

Every address the design gives is reserved first, with each subnet's gateway. Then, in this
order, each DHCP server without a port of its own, each port's open fixed IPs (in port-id
order; a router's port takes its subnet's gateway address, as Neutron gives it, and a
distributed router's port, with an external gateway, one more IPv4 address for its central
SNAT), each router's external gateway and each floating IP take the first free address of
their subnet's allocation pools, or of the whole subnet less its network, broadcast and
gateway addresses. Allocating in id order means adding an element never moves the address of
one that came before it.

MACs are the port's own, or derived from the port's id in Neutron's locally administered
`fa:16:3e` range, so a port keeps its MAC across deploys.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from designer.spec.elements import Port, Subnet
from tasks.planner.collect import Collector
from tasks.planner.index import DHCP_KINDS, IPAddress, IPNetwork, PlanIndex, parse_ip

MAC_PREFIX = "fa:16:3e"

# (subnet id, address) pairs.
Addresses = tuple[tuple[str, IPAddress], ...]


@dataclass
class Allocation:
    # port id -> its addresses, one per fixed IP that has (or was given) one.
    ports: dict[str, Addresses] = field(default_factory=dict)
    # router id -> its external gateway's addresses.
    gateways: dict[str, Addresses] = field(default_factory=dict)
    # floating IP id -> (subnet id, address).
    floating_ips: dict[str, tuple[str, IPAddress]] = field(default_factory=dict)
    # subnet id -> the address of its DHCP server.
    dhcp: dict[str, IPAddress] = field(default_factory=dict)
    # port id -> MAC.
    macs: dict[str, str] = field(default_factory=dict)
    # router id -> the MAC of its external gateway port.
    gateway_macs: dict[str, str] = field(default_factory=dict)
    # distributed router id -> its central SNAT's address on each IPv4 subnet it serves.
    snat: dict[str, Addresses] = field(default_factory=dict)
    # distributed router's port id -> the MAC of its central SNAT's port on that network.
    snat_macs: dict[str, str] = field(default_factory=dict)


def pools_of(subnet: Subnet, cidr: IPNetwork) -> list[tuple[IPAddress, IPAddress]]:
    """The allocation pools of a subnet whose ends parse and lie in it; without pools, the
    whole subnet less network, broadcast and gateway addresses (split around the gateway)."""
    if subnet.allocation_pools:
        pools = []
        for pool in subnet.allocation_pools:
            start, end = _offset(cidr, pool.start), _offset(cidr, pool.end)
            if start is not None and end is not None and start <= end:
                pools.append((cidr[start], cidr[end]))
        return pools
    first, last = 0, cidr.num_addresses - 1
    if cidr.num_addresses > 2:
        first, last = 1, last if cidr.version == 6 else last - 1
    offset = _offset(cidr, subnet.gateway_ip)
    if offset is None or not first <= offset <= last:
        return [(cidr[first], cidr[last])]
    pools = []
    if first < offset:
        pools.append((cidr[first], cidr[offset - 1]))
    if offset < last:
        pools.append((cidr[offset + 1], cidr[last]))
    return pools


def _offset(cidr: IPNetwork, text: str | None) -> int | None:
    """How far into `cidr` the address `text` is; None when it is not in it."""
    address = parse_ip(text)
    if address is None or address not in cidr:
        return None
    return int(address) - int(cidr[0])


def pool_addresses(pools: list[tuple[IPAddress, IPAddress]]) -> Iterator[IPAddress]:
    """Every address of the pools, in order. A pool may end at the last address of its IP
    version (255.255.255.255 in a /0), so nothing is counted past a pool's end."""
    for start, end in pools:
        current = start
        yield current
        while current != end:
            current = current + 1
            yield current


# Bridges' MACs: locally administered, apart from every port's.
BRIDGE_MAC_PREFIX = "02:6e:6c"


def bridge_mac(host: str, bridge: str) -> str:
    """A bridge's MAC, from its host and name: stable across deploys, distinct between the
    hosts a network spans (their bridges meet on one layer 2)."""
    digest = hashlib.blake2b(f"{host}\x00{bridge}".encode(), digest_size=3).hexdigest()
    return ":".join([BRIDGE_MAC_PREFIX, digest[0:2], digest[2:4], digest[4:6]])


def mac_for(seed: str, used: set[str]) -> str:
    """A MAC in the fa:16:3e range derived from `seed` (an element id), not one in `used`."""
    counter = 0
    while True:
        digest = hashlib.blake2b(f"{seed}\x00{counter}".encode(), digest_size=3).hexdigest()
        mac = ":".join([MAC_PREFIX, digest[0:2], digest[2:4], digest[4:6]])
        if mac not in used:
            used.add(mac)
            return mac
        counter += 1


class _Allocator:
    def __init__(self, index: PlanIndex, collector: Collector) -> None:
        self.index = index
        self.collector = collector
        self.taken: dict[str, set[IPAddress]] = defaultdict(set)
        # Where each subnet's search for a free address goes on from: every address before it
        # is taken, and nothing is freed while allocating.
        self.cursors: dict[str, Iterator[IPAddress]] = {}
        self.gateway_given: set[str] = set()
        self.explicit_ips = {
            (fixed_ip.subnet, parse_ip(fixed_ip.ip_address))
            for port in index.ports.values()
            for fixed_ip in port.fixed_ips
            if fixed_ip.ip_address is not None
        }

    def explicit(self, subnet_id: str, text: str, owner: str) -> IPAddress | None:
        address = parse_ip(text)
        cidr = self.index.subnet_ranges.get(subnet_id)
        if address is None or cidr is None or address not in cidr:
            self.collector.note(
                "plan.bad_address",
                f"{owner}: {text} is not an address of subnet {subnet_id}; it is not planned",
                (owner, subnet_id),
            )
            return None
        return address

    def reserve(self, subnet_id: str, text: str | None) -> None:
        address = parse_ip(text)
        cidr = self.index.subnet_ranges.get(subnet_id)
        if address is not None and cidr is not None and address in cidr:
            self.taken[subnet_id].add(address)

    def first_free(self, subnet_id: str, owner: str) -> IPAddress | None:
        subnet = self.index.subnets.get(subnet_id)
        cidr = self.index.subnet_ranges.get(subnet_id)
        if subnet is None or cidr is None:
            self.collector.note(
                "plan.bad_address",
                f"{owner}: subnet {subnet_id} has no valid CIDR; no address is allocated",
                (owner, subnet_id),
            )
            return None
        address = self._next_free(subnet, cidr)
        if address is not None:
            return address
        self.collector.note(
            "plan.pool_exhausted",
            f"{owner}: subnet {subnet_id} has no free address left",
            (owner, subnet_id),
        )
        return None

    def _next_free(self, subnet: Subnet, cidr: IPNetwork) -> IPAddress | None:
        cursor = self.cursors.setdefault(subnet.id, pool_addresses(pools_of(subnet, cidr)))
        taken = self.taken[subnet.id]
        for address in cursor:
            if address not in taken:
                taken.add(address)
                return address
        return None

    def for_port(self, port: Port, is_router: bool) -> Addresses:
        found = []
        for fixed_ip in port.fixed_ips:
            address: IPAddress | None
            if fixed_ip.ip_address is not None:
                address = self.explicit(fixed_ip.subnet, fixed_ip.ip_address, port.id)
            elif is_router and self._gateway_free(fixed_ip.subnet):
                address = self.index.gateway_of(fixed_ip.subnet)
                self.gateway_given.add(fixed_ip.subnet)
            else:
                address = self.first_free(fixed_ip.subnet, port.id)
            if address is not None:
                found.append((fixed_ip.subnet, address))
        return tuple(found)

    def _gateway_free(self, subnet_id: str) -> bool:
        gateway = self.index.gateway_of(subnet_id)
        cidr = self.index.subnet_ranges.get(subnet_id)
        if gateway is None or cidr is None or gateway not in cidr:
            return False
        if subnet_id in self.gateway_given:
            return False
        return (subnet_id, gateway) not in self.explicit_ips

    def first_subnet_with_room(self, network_id: str, owner: str) -> tuple[str, IPAddress] | None:
        for subnet in self.index.subnets_by_network.get(network_id, []):
            cidr = self.index.subnet_ranges.get(subnet.id)
            if cidr is None or cidr.version != 4:
                continue
            address = self._next_free(subnet, cidr)
            if address is not None:
                return subnet.id, address
        self.collector.note(
            "plan.pool_exhausted",
            f"{owner}: network {network_id} has no IPv4 subnet with a free address",
            (owner, network_id),
        )
        return None


def allocate(index: PlanIndex, collector: Collector) -> Allocation:
    allocator = _Allocator(index, collector)
    result = Allocation()
    _reserve_given(index, allocator)

    dhcp_ports = dhcp_ports_of(index)
    for subnet in index.subnets.values():
        if _serves_dhcp(index, subnet) and subnet.id not in dhcp_ports:
            address = allocator.first_free(subnet.id, subnet.id)
            if address is not None:
                result.dhcp[subnet.id] = address

    for port in index.ports.values():
        result.ports[port.id] = allocator.for_port(port, port.device in index.routers)
        router = index.routers.get(port.device or "")
        if router is not None and router.mode == "distributed" and router.external_gateway:
            for subnet_id, address in result.ports[port.id]:
                snat = allocator.first_free(subnet_id, router.id) if address.version == 4 else None
                if snat is not None:
                    result.snat[router.id] = (*result.snat.get(router.id, ()), (subnet_id, snat))
    for subnet_id, port in dhcp_ports.items():
        for port_subnet, address in result.ports[port.id]:
            if port_subnet == subnet_id:
                result.dhcp[subnet_id] = address
                break

    for router in index.routers.values():
        gateway = router.external_gateway
        if gateway is None:
            continue
        addresses: list[tuple[str, IPAddress]] = []
        for fixed_ip in gateway.fixed_ips:
            if fixed_ip.ip_address is not None:
                address = allocator.explicit(fixed_ip.subnet, fixed_ip.ip_address, router.id)
            else:
                address = allocator.first_free(fixed_ip.subnet, router.id)
            if address is not None:
                addresses.append((fixed_ip.subnet, address))
        if not gateway.fixed_ips:
            picked = allocator.first_subnet_with_room(gateway.network, router.id)
            if picked is not None:
                addresses.append(picked)
        result.gateways[router.id] = tuple(addresses)

    for floating_ip in index.floating_ips.values():
        picked = _floating_address(index, allocator, floating_ip.id)
        if picked is not None:
            result.floating_ips[floating_ip.id] = picked

    used = {port.mac_address for port in index.ports.values() if port.mac_address}
    for port in index.ports.values():
        result.macs[port.id] = port.mac_address or mac_for(port.id, used)
    for router_id in result.gateways:
        result.gateway_macs[router_id] = mac_for(f"gateway\x00{router_id}", used)
    for router_id in result.snat:
        for port in index.ports_by_device.get(router_id, []):
            result.snat_macs[port.id] = mac_for(f"snat\x00{port.id}", used)
    return result


def _reserve_given(index: PlanIndex, allocator: _Allocator) -> None:
    for subnet in index.subnets.values():
        allocator.reserve(subnet.id, subnet.gateway_ip)
    for port in index.ports.values():
        for fixed_ip in port.fixed_ips:
            allocator.reserve(fixed_ip.subnet, fixed_ip.ip_address)
    for router in index.routers.values():
        if router.external_gateway is not None:
            for fixed_ip in router.external_gateway.fixed_ips:
                allocator.reserve(fixed_ip.subnet, fixed_ip.ip_address)
    for floating_ip in index.floating_ips.values():
        for subnet in index.subnets_by_network.get(floating_ip.network, []):
            allocator.reserve(subnet.id, floating_ip.floating_ip_address)
    # A load balancer's VIP is placed after the ports, but a VIP the design gives is the
    # design's: no port is allocated it.
    for balancer in index.load_balancers.values():
        allocator.reserve(balancer.subnet, balancer.vip_address)


def _floating_address(
    index: PlanIndex, allocator: _Allocator, floating_ip_id: str
) -> tuple[str, IPAddress] | None:
    floating_ip = index.floating_ips[floating_ip_id]
    if floating_ip.floating_ip_address is None:
        return allocator.first_subnet_with_room(floating_ip.network, floating_ip.id)
    address = parse_ip(floating_ip.floating_ip_address)
    for subnet in index.subnets_by_network.get(floating_ip.network, []):
        cidr = index.subnet_ranges.get(subnet.id)
        if address is not None and cidr is not None and address in cidr:
            return subnet.id, address
    allocator.collector.note(
        "plan.bad_address",
        f"{floating_ip.id}: {floating_ip.floating_ip_address} is in no subnet of network "
        f"{floating_ip.network}; it is not planned",
        (floating_ip.id, floating_ip.network),
    )
    return None


def _serves_dhcp(index: PlanIndex, subnet: Subnet) -> bool:
    network = index.networks.get(subnet.network)
    cidr = index.subnet_ranges.get(subnet.id)
    return (
        subnet.enable_dhcp
        and network is not None
        and network.kind in DHCP_KINDS
        and cidr is not None
        and cidr.version == 4
    )


def dhcp_subnets(index: PlanIndex) -> list[Subnet]:
    """The IPv4 subnets a DHCP server serves, in id order."""
    return [subnet for subnet in index.subnets.values() if _serves_dhcp(index, subnet)]


def dhcp_ports_of(index: PlanIndex) -> dict[str, Port]:
    """Subnet id -> the design's DHCP port on it: a port with no device and a fixed IP there."""
    found: dict[str, Port] = {}
    for port in index.ports.values():
        if port.device is not None:
            continue
        for fixed_ip in port.fixed_ips:
            subnet = index.subnets.get(fixed_ip.subnet)
            if subnet is not None and _serves_dhcp(index, subnet):
                found.setdefault(subnet.id, port)
    return found


def prefix_length(index: PlanIndex, subnet_id: str) -> int:
    return index.subnet_ranges[subnet_id].prefixlen


def with_prefix(index: PlanIndex, subnet_id: str, address: IPAddress) -> str:
    """`10.0.0.5/24`: the address with its subnet's prefix length."""
    return str(ipaddress.ip_interface(f"{address}/{prefix_length(index, subnet_id)}"))

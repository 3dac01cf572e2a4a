"""Fixed IP rules: the addresses of ports and of routers' external gateways, each checked
against its subnet, against the subnet's gateway IP, and against every other fixed IP of the
subnet in one pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from socket import AF_INET, AF_INET6, inet_pton

from designer.spec.elements import FixedIP, Port
from designer.validation.catalog import rule
from designer.validation.context import ValidationContext
from designer.validation.findings import Finding, Severity, error
from designer.validation.index import IPV6, TopologyIndex, ip_object, parse_address
from designer.validation.rules.addressing.common import capital, join_and, reserved_kind


@dataclass(frozen=True, slots=True)
class _Gateway:
    """A router's external gateway, read like a port: it holds fixed IPs on a network."""

    id: str  # the router
    network: str
    fixed_ips: list[FixedIP]
    device: None = None


@dataclass(slots=True)
class _Holder:
    """What holds a fixed IP: a port, or a router's external gateway."""

    element: str  # the port, or the router for a gateway
    device: str | None  # what the port joins (instance or router); None for a gateway
    is_gateway: bool
    position: int  # in the fixed_ips list

    @classmethod
    def of(cls, owner: Port | _Gateway, position: int) -> _Holder:
        return cls(owner.id, owner.device, isinstance(owner, _Gateway), position)

    def field(self, name: str = "ip_address") -> str:
        path = "external_gateway.fixed_ips" if self.is_gateway else "fixed_ips"
        return f"{path}[{self.position}].{name}"

    def elements(self) -> list[str]:
        return [self.element] if self.device is None else [self.element, self.device]

    def describe(self, index: TopologyIndex) -> str:
        if self.is_gateway:
            return f"the external gateway of router {index.label(self.element)}"
        if self.device is None:
            return f"port {index.label(self.element)}"
        return f"port {index.label(self.element)} of {index.label(self.device)}"


def _owners(index: TopologyIndex) -> list[Port | _Gateway]:
    """Every port, then every router's external gateway that has fixed IPs."""
    gateways = [
        _Gateway(router.id, gateway.network, gateway.fixed_ips)
        for router in index.document.routers
        if (gateway := router.external_gateway) is not None and gateway.fixed_ips
    ]
    return [*index.document.ports, *gateways]


# network id, IP version (0: the CIDR does not parse), first and last address, first and last
# address a host may hold, the gateway IP (None: none, or not in the subnet), and the addresses
# of the subnet's fixed IPs seen so far.
_SubnetFacts = tuple[str, int, int, int, int, int, int | None, set[int]]


def _subnet_facts(index: TopologyIndex) -> dict[str, _SubnetFacts]:
    facts: dict[str, _SubnetFacts] = {}
    cidrs, gateways = index.subnet_ranges, index.subnet_gateways
    for subnet in index.document.subnets:
        cidr = cidrs.get(subnet.id)
        if cidr is None:
            facts[subnet.id] = (subnet.network, 0, 0, -1, 0, -1, None, set())
            continue
        gateway = gateways.get(subnet.id)
        facts[subnet.id] = (
            subnet.network,
            cidr.version,
            cidr.first,
            cidr.last,
            *cidr.usable,
            gateway if gateway is not None and cidr.contains(gateway) else None,
            set(),
        )
    return facts


@rule(
    "addressing",
    ("fixed_ip.invalid", Severity.ERROR, "A fixed IP is not an IP address."),
    ("fixed_ip.outside_subnet", Severity.ERROR, "A fixed IP is not inside its subnet."),
    (
        "fixed_ip.reserved",
        Severity.ERROR,
        "A fixed IP is its subnet's network address or IPv4 broadcast address.",
    ),
    (
        "fixed_ip.holds_gateway",
        Severity.ERROR,
        "A fixed IP that is not a router interface's is its subnet's gateway IP.",
    ),
    ("fixed_ip.duplicate", Severity.ERROR, "One IP address is used twice on one subnet."),
    (
        "fixed_ip.wrong_network",
        Severity.ERROR,
        "A fixed IP is on a subnet of another network than its port's.",
    ),
)
def fixed_ips(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    facts = _subnet_facts(index)
    routers = index.routers
    owners = _owners(index)
    # (subnet, address) of the addresses used twice; only holders count as uses, so a gateway
    # IP held by its one router interface is not a duplicate.
    twice: set[tuple[str, int]] = set()
    for owner in owners:
        on_network = owner.network
        # A count, not enumerate(): most ports have one fixed IP, and an enumerate object
        # per port costs more than counting.
        position = -1
        for fixed_ip in owner.fixed_ips:
            position += 1
            subnet_id = fixed_ip.subnet
            known = facts.get(subnet_id)
            if known is None:
                continue
            network_id, version, first, last, low, high, gateway, used = known
            if network_id != on_network:
                holder = _Holder.of(owner, position)
                yield _wrong_network(index, holder, subnet_id, network_id, on_network)
                continue
            text = fixed_ip.ip_address
            if text is None:
                continue
            # parse_address, inlined: the call alone costs a sixth of this loop.
            try:
                if ":" in text:
                    address = IPV6 | int.from_bytes(inet_pton(AF_INET6, text))
                else:
                    address = int.from_bytes(inet_pton(AF_INET, text))
            except OSError:
                yield _invalid(index, _Holder.of(owner, position), subnet_id, text)
                continue
            if version == 0:
                continue  # subnet.cidr_invalid says what to fix first
            if not first <= address <= last:
                yield _outside(index, _Holder.of(owner, position), subnet_id, address)
                continue
            if not low <= address <= high:
                yield _reserved(index, _Holder.of(owner, position), subnet_id, address)
                continue
            if address == gateway and owner.device not in routers:
                yield _holds_gateway(index, _Holder.of(owner, position), subnet_id, address)
            if address in used:
                twice.add((subnet_id, address))
            else:
                used.add(address)
    if twice:
        yield from _duplicates(index, owners, facts, twice)


def _duplicates(
    index: TopologyIndex,
    owners: list[Port | _Gateway],
    facts: dict[str, _SubnetFacts],
    twice: set[tuple[str, int]],
) -> Iterator[Finding]:
    """One finding per address used twice on a subnet, in the order of their first use.

    A second pass, only when there are duplicates: a fixed IP with the address of a counted use
    was counted too exactly when its port is on the subnet's network, since every other check
    depends on the subnet and the address alone.
    """
    holders: dict[tuple[str, int], list[_Holder]] = {}
    for owner in owners:
        for position, fixed_ip in enumerate(owner.fixed_ips):
            known = facts.get(fixed_ip.subnet)
            if known is None or known[0] != owner.network:
                continue
            address = parse_address(fixed_ip.ip_address)
            if address is not None and (fixed_ip.subnet, address) in twice:
                holders.setdefault((fixed_ip.subnet, address), []).append(
                    _Holder.of(owner, position)
                )
    for (subnet_id, address), found in holders.items():
        yield _duplicate(index, subnet_id, address, found)


def _wrong_network(
    index: TopologyIndex, holder: _Holder, subnet_id: str, network_id: str, on_network: str
) -> Finding:
    return error(
        "fixed_ip.wrong_network",
        [*holder.elements(), subnet_id, network_id, on_network],
        f"{capital(holder.describe(index))} has a fixed IP on subnet "
        f"{index.label(subnet_id)} of network {index.label(network_id)}, but it is on "
        f"network {index.label(on_network)}: use a subnet of {index.label(on_network)}.",
        field=holder.field("subnet"),
    )


def _invalid(index: TopologyIndex, holder: _Holder, subnet_id: str, text: str) -> Finding:
    return error(
        "fixed_ip.invalid",
        [*holder.elements(), subnet_id],
        f"{capital(holder.describe(index))} has fixed IP '{text}' on subnet "
        f"{index.label(subnet_id)}, which is not an IP address: write one like "
        "10.0.1.5 or 2001:db8::5, or leave it empty to have one allocated.",
        field=holder.field(),
        value=text,
    )


def _outside(index: TopologyIndex, holder: _Holder, subnet_id: str, address: int) -> Finding:
    shown, cidr = ip_object(address), index.subnet_ranges[subnet_id].network()
    return error(
        "fixed_ip.outside_subnet",
        [*holder.elements(), subnet_id],
        f"{capital(holder.describe(index))} has fixed IP {shown} on subnet "
        f"{index.label(subnet_id)}, which is not in {cidr}: pick an address inside {cidr}.",
        field=holder.field(),
        address=str(shown),
        cidr=str(cidr),
    )


def _reserved(index: TopologyIndex, holder: _Holder, subnet_id: str, address: int) -> Finding:
    shown, cidr = ip_object(address), index.subnet_ranges[subnet_id]
    reserved = reserved_kind(address, cidr)
    return error(
        "fixed_ip.reserved",
        [*holder.elements(), subnet_id],
        f"{capital(holder.describe(index))} has fixed IP {shown}, the {reserved} of "
        f"subnet {index.label(subnet_id)} ({cidr.network()}), which no host may hold: pick "
        "another address.",
        field=holder.field(),
        address=str(shown),
        reserved=reserved,
    )


def _holds_gateway(index: TopologyIndex, holder: _Holder, subnet_id: str, address: int) -> Finding:
    shown = ip_object(address)
    beyond = " (the router beyond that network)" if holder.is_gateway else ""
    return error(
        "fixed_ip.holds_gateway",
        [*holder.elements(), subnet_id],
        f"{capital(holder.describe(index))} has fixed IP {shown}, the gateway IP of "
        f"subnet {index.label(subnet_id)}{beyond}, which only a router interface may "
        "hold: give it another address.",
        field=holder.field(),
        address=str(shown),
    )


def _duplicate(
    index: TopologyIndex, subnet_id: str, address: int, holders: list[_Holder]
) -> Finding:
    shown = ip_object(address)
    involved = [subnet_id, *(element for holder in holders for element in holder.elements())]
    return error(
        "fixed_ip.duplicate",
        list(dict.fromkeys(involved)),
        f"IP address {shown} is used {len(holders)} times on subnet "
        f"{index.label(subnet_id)}, by {join_and(h.describe(index) for h in holders)}: "
        "give each its own address.",
        address=str(shown),
        holders=[{"element": h.element, "field": h.field()} for h in holders],
    )

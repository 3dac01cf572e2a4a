"""Fixed IP rules: the addresses of ports and of routers' external gateways, each checked
against its subnet, against the subnet's gateway IP, and against every other fixed IP of the
subnet in one pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from designer.validation.catalog import rule
from designer.validation.context import ValidationContext
from designer.validation.findings import Finding, Severity, error
from designer.validation.index import IPAddress, TopologyIndex, parse_ip
from designer.validation.rules.addressing.common import (
    capital,
    join_and,
    reserved_kind,
    span,
    usable,
)


@dataclass(slots=True)
class _Holder:
    """What holds a fixed IP: a port, or a router's external gateway."""

    element: str  # the port, or the router for a gateway
    device: str | None  # what the port joins (instance or router); None for a gateway
    is_gateway: bool
    position: int  # in the fixed_ips list

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


# holder, the network it is on, whether it is a router interface (which may hold the gateway
# IP), the subnet, the address as written, and the address parsed (None: empty or not an IP).
_FixedIP = tuple[_Holder, str, bool, str, str | None, IPAddress | None]


def _fixed_ips(index: TopologyIndex) -> Iterator[_FixedIP]:
    # index.attachments lists every port's fixed IPs in document order, already parsed; the
    # identity check keeps this right (only slower) should that order ever change.
    parsed = iter(index.attachments)
    for port in index.document.ports:
        is_interface = port.device in index.routers
        for position, fixed_ip in enumerate(port.fixed_ips):
            attachment = next(parsed, None)
            if attachment is not None and attachment.port is port:
                address = attachment.address
            else:
                address = parse_ip(fixed_ip.ip_address)
            holder = _Holder(port.id, port.device, False, position)
            yield holder, port.network, is_interface, fixed_ip.subnet, fixed_ip.ip_address, address
    for router in index.document.routers:
        gateway = router.external_gateway
        if gateway is None:
            continue
        for position, fixed_ip in enumerate(gateway.fixed_ips):
            holder = _Holder(router.id, None, True, position)
            text = fixed_ip.ip_address
            yield holder, gateway.network, False, fixed_ip.subnet, text, parse_ip(text)


# network id, IP version (0: the CIDR does not parse), first and last address, first and last
# address a host may hold, and the gateway IP (None: none, or not in the subnet).
_SubnetFacts = tuple[str, int, int, int, int, int, int | None]


def _subnet_facts(index: TopologyIndex) -> dict[str, _SubnetFacts]:
    facts: dict[str, _SubnetFacts] = {}
    cidrs, gateways = index.subnet_cidrs, index.subnet_gateways
    for subnet in index.document.subnets:
        network = cidrs.get(subnet.id)
        if network is None:
            facts[subnet.id] = (subnet.network, 0, 0, -1, 0, -1, None)
            continue
        gateway = gateways.get(subnet.id)
        facts[subnet.id] = (
            subnet.network,
            network.version,
            *span(network),
            *usable(network),
            int(gateway) if gateway is not None and gateway in network else None,
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
    # (subnet, address) -> what holds it; only holders count as uses, so a gateway IP held by
    # its one router interface is not a duplicate.
    uses: dict[tuple[str, int], list[_Holder]] = {}
    for holder, on_network, is_interface, subnet_id, text, address in _fixed_ips(index):
        known = facts.get(subnet_id)
        if known is None:
            continue
        network_id, version, first, last, low, high, gateway = known
        if network_id != on_network:
            yield error(
                "fixed_ip.wrong_network",
                [*holder.elements(), subnet_id, network_id, on_network],
                f"{capital(holder.describe(index))} has a fixed IP on subnet "
                f"{index.label(subnet_id)} of network {index.label(network_id)}, but it is on "
                f"network {index.label(on_network)}: use a subnet of {index.label(on_network)}.",
                field=holder.field("subnet"),
            )
            continue
        if address is None:
            if text is not None:
                yield error(
                    "fixed_ip.invalid",
                    [*holder.elements(), subnet_id],
                    f"{capital(holder.describe(index))} has fixed IP '{text}' on subnet "
                    f"{index.label(subnet_id)}, which is not an IP address: write one like "
                    "10.0.1.5 or 2001:db8::5, or leave it empty to have one allocated.",
                    field=holder.field(),
                    value=text,
                )
            continue
        if version == 0:
            continue  # subnet.cidr_invalid says what to fix first
        value = int(address)
        if address.version != version or not first <= value <= last:
            cidr = index.subnet_cidrs[subnet_id]
            yield error(
                "fixed_ip.outside_subnet",
                [*holder.elements(), subnet_id],
                f"{capital(holder.describe(index))} has fixed IP {address} on subnet "
                f"{index.label(subnet_id)}, which is not in {cidr}: pick an address inside "
                f"{cidr}.",
                field=holder.field(),
                address=str(address),
                cidr=str(cidr),
            )
            continue
        if not low <= value <= high:
            reserved = reserved_kind(value, index.subnet_cidrs[subnet_id])
            yield error(
                "fixed_ip.reserved",
                [*holder.elements(), subnet_id],
                f"{capital(holder.describe(index))} has fixed IP {address}, the {reserved} of "
                f"subnet {index.label(subnet_id)} ({index.subnet_cidrs[subnet_id]}), which no "
                "host may hold: pick another address.",
                field=holder.field(),
                address=str(address),
                reserved=reserved,
            )
            continue
        if value == gateway and not is_interface:
            beyond = " (the router beyond that network)" if holder.is_gateway else ""
            yield error(
                "fixed_ip.holds_gateway",
                [*holder.elements(), subnet_id],
                f"{capital(holder.describe(index))} has fixed IP {address}, the gateway IP of "
                f"subnet {index.label(subnet_id)}{beyond}, which only a router interface may "
                "hold: give it another address.",
                field=holder.field(),
                address=str(address),
            )
        holders = uses.get((subnet_id, value))
        if holders is None:
            uses[subnet_id, value] = [holder]
        else:
            holders.append(holder)
    for (subnet_id, value), holders in uses.items():
        if len(holders) < 2:
            continue
        address = index.subnet_cidrs[subnet_id][value - facts[subnet_id][2]]
        involved = [subnet_id, *(element for holder in holders for element in holder.elements())]
        yield error(
            "fixed_ip.duplicate",
            list(dict.fromkeys(involved)),
            f"IP address {address} is used {len(holders)} times on subnet "
            f"{index.label(subnet_id)}, by {join_and(h.describe(index) for h in holders)}: "
            "give each its own address.",
            address=str(address),
            holders=[{"element": h.element, "field": h.field()} for h in holders],
        )

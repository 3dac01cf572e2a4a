"""Subnet rules: the CIDR, gateway IP, allocation pools and DNS nameservers of each subnet,
and the segment it sits on.

A rule skips an address that does not parse once it is reported, so one typo gives one
finding, not a cascade; a pool or gateway of a subnet whose CIDR does not parse is not checked
against it until `subnet.cidr_invalid` is fixed.
"""

from __future__ import annotations

from collections.abc import Iterator

from designer.validation.catalog import rule
from designer.validation.context import ValidationContext
from designer.validation.findings import Finding, Severity, error
from designer.validation.index import TopologyIndex, parse_ip
from designer.validation.rules.addressing.common import overlaps, reserved_kind, usable

# --- subnets ------------------------------------------------------------------------------


@rule(
    "addressing",
    ("subnet.cidr_invalid", Severity.ERROR, "A subnet's CIDR is not a network address."),
    ("subnet.cidr_host_bits", Severity.ERROR, "A subnet's CIDR has host bits set."),
)
def subnet_cidr(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    cidrs = index.subnet_cidrs
    for subnet in index.document.subnets:
        network = cidrs.get(subnet.id)
        if network is None:
            yield error(
                "subnet.cidr_invalid",
                [subnet.id],
                f"Subnet {index.label(subnet.id)} has CIDR '{subnet.cidr}', which is not a "
                "network address: write it like 10.0.1.0/24 or 2001:db8::/64.",
                field="cidr",
            )
        elif subnet.cidr != network.with_prefixlen and parse_ip(subnet.cidr.split("/", 1)[0]) != (
            network.network_address
        ):
            yield error(
                "subnet.cidr_host_bits",
                [subnet.id],
                f"Subnet {index.label(subnet.id)} has CIDR '{subnet.cidr}' with host bits set: "
                f"did you mean {network}?",
                field="cidr",
                suggestion=str(network),
            )


@rule(
    "addressing",
    ("subnet.gateway_invalid", Severity.ERROR, "A subnet's gateway IP is not an IP address."),
    (
        "subnet.gateway_version",
        Severity.ERROR,
        "A subnet's gateway IP is of the other IP version than its CIDR.",
    ),
    ("subnet.gateway_outside", Severity.ERROR, "A subnet's gateway IP is outside the subnet."),
    (
        "subnet.gateway_reserved",
        Severity.ERROR,
        "A subnet's gateway IP is its network address or its IPv4 broadcast address.",
    ),
)
def subnet_gateway(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    cidrs, gateways = index.subnet_cidrs, index.subnet_gateways
    for subnet in index.document.subnets:
        if subnet.gateway_ip is None:
            continue
        name = index.label(subnet.id)
        gateway = gateways.get(subnet.id)
        if gateway is None:
            yield error(
                "subnet.gateway_invalid",
                [subnet.id],
                f"Subnet {name} has gateway IP '{subnet.gateway_ip}', which is not an IP "
                "address: write one like 10.0.1.1 or 2001:db8::1, or leave it empty for none.",
                field="gateway_ip",
                value=subnet.gateway_ip,
            )
            continue
        network = cidrs.get(subnet.id)
        if network is None:
            continue
        if gateway.version != network.version:
            yield error(
                "subnet.gateway_version",
                [subnet.id],
                f"Subnet {name} is IPv{network.version} ({network}) but its gateway IP "
                f"{gateway} is IPv{gateway.version}: pick a gateway inside {network}.",
                field="gateway_ip",
                address=str(gateway),
                cidr=str(network),
            )
        elif gateway not in network:
            yield error(
                "subnet.gateway_outside",
                [subnet.id],
                f"Subnet {name} has gateway IP {gateway}, which is outside {network}: "
                f"pick a gateway inside {network}.",
                field="gateway_ip",
                address=str(gateway),
                cidr=str(network),
            )
        elif reserved := reserved_kind(int(gateway), network):
            yield error(
                "subnet.gateway_reserved",
                [subnet.id],
                f"Subnet {name} has gateway IP {gateway}, which is the {reserved} of "
                f"{network}: pick another address, usually the first one after it.",
                field="gateway_ip",
                address=str(gateway),
                cidr=str(network),
                reserved=reserved,
            )


@rule(
    "addressing",
    ("subnet.pool_invalid", Severity.ERROR, "An allocation pool's start or end is not an IP."),
    ("subnet.pool_reversed", Severity.ERROR, "An allocation pool starts after it ends."),
    (
        "subnet.pool_outside",
        Severity.ERROR,
        "An allocation pool reaches outside the addresses hosts may use in its subnet.",
    ),
    ("subnet.pools_overlap", Severity.ERROR, "Two allocation pools of one subnet overlap."),
    ("subnet.pool_holds_gateway", Severity.ERROR, "An allocation pool holds the gateway IP."),
)
def allocation_pools(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    cidrs, gateways = index.subnet_cidrs, index.subnet_gateways
    for subnet in index.document.subnets:
        if not subnet.allocation_pools:
            continue
        name = index.label(subnet.id)
        network = cidrs.get(subnet.id)
        gateway = gateways.get(subnet.id)
        kept: list[tuple[int, int, int]] = []  # pools that passed, for the overlap sweep
        for position, pool in enumerate(subnet.allocation_pools):
            start, end = parse_ip(pool.start), parse_ip(pool.end)
            if start is None or end is None:
                bad = [text for text, ip in ((pool.start, start), (pool.end, end)) if ip is None]
                what = "is not an IP address" if len(bad) == 1 else "are not IP addresses"
                yield error(
                    "subnet.pool_invalid",
                    [subnet.id],
                    f"Allocation pool {pool.start} to {pool.end} of subnet {name}: "
                    f"{' and '.join(repr(text) for text in bad)} {what}; write addresses "
                    "like 10.0.1.10 or 2001:db8::10.",
                    field=f"allocation_pools[{position}]",
                    values=bad,
                )
                continue
            if network is None:
                continue  # subnet.cidr_invalid says what to fix first
            low, high = usable(network)
            low_value, high_value = int(start), int(end)
            if not (
                start.version == end.version == network.version
                and low <= low_value <= high
                and low <= high_value <= high
            ):
                first = int(network.network_address)
                yield error(
                    "subnet.pool_outside",
                    [subnet.id],
                    f"Allocation pool {start} to {end} of subnet {name} reaches outside the "
                    f"addresses hosts may use in {network}: keep it between "
                    f"{network[low - first]} and {network[high - first]}.",
                    field=f"allocation_pools[{position}]",
                    cidr=str(network),
                )
                continue
            if low_value > high_value:
                yield error(
                    "subnet.pool_reversed",
                    [subnet.id],
                    f"Allocation pool {start} to {end} of subnet {name} starts after it ends: "
                    f"swap them, to {end} to {start}.",
                    field=f"allocation_pools[{position}]",
                )
                continue
            if (
                gateway is not None
                and gateway in network
                and low_value <= int(gateway) <= high_value
            ):
                yield error(
                    "subnet.pool_holds_gateway",
                    [subnet.id],
                    f"Allocation pool {start} to {end} of subnet {name} holds the gateway IP "
                    f"{gateway}, so it could be given to an instance: start or end the pool "
                    "so that it leaves the gateway out.",
                    field=f"allocation_pools[{position}]",
                    address=str(gateway),
                )
            kept.append((low_value, high_value, position))
        for earlier, later in overlaps(kept):
            one, other = subnet.allocation_pools[earlier], subnet.allocation_pools[later]
            yield error(
                "subnet.pools_overlap",
                [subnet.id],
                f"Subnet {name} has allocation pools {one.start} to {one.end} and "
                f"{other.start} to {other.end}, which overlap, so one address could be "
                "given twice: make them disjoint.",
                fields=[f"allocation_pools[{earlier}]", f"allocation_pools[{later}]"],
            )


@rule(
    "addressing",
    ("subnet.dns_invalid", Severity.ERROR, "A subnet's DNS nameserver is not an IP address."),
)
def dns_nameservers(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    valid: dict[str, bool] = {}  # most subnets share a few resolvers: parse each once
    for subnet in index.document.subnets:
        for position, server in enumerate(subnet.dns_nameservers):
            ok = valid.get(server)
            if ok is None:
                ok = valid[server] = parse_ip(server) is not None
            if not ok:
                yield error(
                    "subnet.dns_invalid",
                    [subnet.id],
                    f"Subnet {index.label(subnet.id)} has DNS nameserver '{server}', which is "
                    "not an IP address: write it like 192.0.2.53 or 2001:db8::53.",
                    field=f"dns_nameservers[{position}]",
                    value=server,
                )


@rule(
    "addressing",
    (
        "subnet.segment_other_network",
        Severity.ERROR,
        "A subnet's segment belongs to another network than the subnet.",
    ),
    (
        "subnet.segment_missing",
        Severity.ERROR,
        "A subnet of a routed provider network has no segment.",
    ),
)
def subnet_segment(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    for subnet in index.document.subnets:
        if subnet.segment is not None:
            segment = index.segments.get(subnet.segment)
            if segment is not None and segment.network != subnet.network:
                yield error(
                    "subnet.segment_other_network",
                    [subnet.id, segment.id, subnet.network, segment.network],
                    f"Subnet {index.label(subnet.id)} is on network "
                    f"{index.label(subnet.network)} but its segment {index.label(segment.id)} "
                    f"belongs to {index.label(segment.network)}: pick a segment of "
                    f"{index.label(subnet.network)}.",
                    field="segment",
                )
            continue
        network = index.networks.get(subnet.network)
        if network is not None and network.kind == "routed_provider":
            yield error(
                "subnet.segment_missing",
                [subnet.id, network.id],
                f"Subnet {index.label(subnet.id)} is on routed provider network "
                f"{index.label(network.id)} but has no segment: set the segment it serves.",
                field="segment",
            )

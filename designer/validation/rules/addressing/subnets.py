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
from designer.validation.index import TopologyIndex, ip_object, parse_address, version_of
from designer.validation.rules.addressing.common import overlaps, reserved_kind

# --- subnets ------------------------------------------------------------------------------


@rule(
    "addressing",
    ("subnet.cidr_invalid", Severity.ERROR, "A subnet's CIDR is not a network address."),
    ("subnet.cidr_host_bits", Severity.ERROR, "A subnet's CIDR has host bits set."),
)
def subnet_cidr(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    cidrs = index.subnet_ranges
    for subnet in index.document.subnets:
        cidr = cidrs.get(subnet.id)
        if cidr is None:
            yield error(
                "subnet.cidr_invalid",
                [subnet.id],
                f"Subnet {index.label(subnet.id)} has CIDR '{subnet.cidr}', which is not a "
                "network address: write it like 10.0.1.0/24 or 2001:db8::/64.",
                field="cidr",
            )
        elif cidr.host_bits:
            network = cidr.network()
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
    cidrs, gateways = index.subnet_ranges, index.subnet_gateways
    for subnet in index.document.subnets:
        if subnet.gateway_ip is None:
            continue
        gateway = gateways.get(subnet.id)
        if gateway is None:
            yield error(
                "subnet.gateway_invalid",
                [subnet.id],
                f"Subnet {index.label(subnet.id)} has gateway IP '{subnet.gateway_ip}', which "
                "is not an IP address: write one like 10.0.1.1 or 2001:db8::1, or leave it "
                "empty for none.",
                field="gateway_ip",
                value=subnet.gateway_ip,
            )
            continue
        cidr = cidrs.get(subnet.id)
        if cidr is None:
            continue
        inside = cidr.contains(gateway)
        reserved = reserved_kind(gateway, cidr) if inside else None
        if inside and reserved is None:
            continue
        name = index.label(subnet.id)
        network, shown, version = cidr.network(), ip_object(gateway), version_of(gateway)
        if version != cidr.version:
            yield error(
                "subnet.gateway_version",
                [subnet.id],
                f"Subnet {name} is IPv{cidr.version} ({network}) but its gateway IP "
                f"{shown} is IPv{version}: pick a gateway inside {network}.",
                field="gateway_ip",
                address=str(shown),
                cidr=str(network),
            )
        elif not inside:
            yield error(
                "subnet.gateway_outside",
                [subnet.id],
                f"Subnet {name} has gateway IP {shown}, which is outside {network}: "
                f"pick a gateway inside {network}.",
                field="gateway_ip",
                address=str(shown),
                cidr=str(network),
            )
        else:
            yield error(
                "subnet.gateway_reserved",
                [subnet.id],
                f"Subnet {name} has gateway IP {shown}, which is the {reserved} of "
                f"{network}: pick another address, usually the first one after it.",
                field="gateway_ip",
                address=str(shown),
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
    cidrs, gateways = index.subnet_ranges, index.subnet_gateways
    for subnet in index.document.subnets:
        if not subnet.allocation_pools:
            continue
        cidr = cidrs.get(subnet.id)
        if cidr is not None:
            low, high = cidr.usable
            gateway = gateways.get(subnet.id)
            # The gateway, when it is in the subnet; else a value no pool holds.
            held = gateway if gateway is not None and cidr.contains(gateway) else -1
        kept: list[tuple[int, int, int]] = []  # pools that passed, for the overlap sweep
        for position, pool in enumerate(subnet.allocation_pools):
            start, end = parse_address(pool.start), parse_address(pool.end)
            if start is None or end is None:
                bad = [text for text, ip in ((pool.start, start), (pool.end, end)) if ip is None]
                what = "is not an IP address" if len(bad) == 1 else "are not IP addresses"
                yield error(
                    "subnet.pool_invalid",
                    [subnet.id],
                    f"Allocation pool {pool.start} to {pool.end} of subnet "
                    f"{index.label(subnet.id)}: {' and '.join(repr(text) for text in bad)} "
                    f"{what}; write addresses like 10.0.1.10 or 2001:db8::10.",
                    field=f"allocation_pools[{position}]",
                    values=bad,
                )
                continue
            if cidr is None:
                continue  # subnet.cidr_invalid says what to fix first
            # Addresses of the other IP version are never between low and high.
            if not (low <= start <= high and low <= end <= high):
                network = cidr.network()
                yield error(
                    "subnet.pool_outside",
                    [subnet.id],
                    f"Allocation pool {ip_object(start)} to {ip_object(end)} of subnet "
                    f"{index.label(subnet.id)} reaches outside the addresses hosts may use in "
                    f"{network}: keep it between {ip_object(low)} and {ip_object(high)}.",
                    field=f"allocation_pools[{position}]",
                    cidr=str(network),
                )
                continue
            if start > end:
                shown_start, shown_end = ip_object(start), ip_object(end)
                yield error(
                    "subnet.pool_reversed",
                    [subnet.id],
                    f"Allocation pool {shown_start} to {shown_end} of subnet "
                    f"{index.label(subnet.id)} starts after it ends: swap them, to "
                    f"{shown_end} to {shown_start}.",
                    field=f"allocation_pools[{position}]",
                )
                continue
            if start <= held <= end:
                shown_gateway = ip_object(held)
                yield error(
                    "subnet.pool_holds_gateway",
                    [subnet.id],
                    f"Allocation pool {ip_object(start)} to {ip_object(end)} of subnet "
                    f"{index.label(subnet.id)} holds the gateway IP {shown_gateway}, so it "
                    "could be given to an instance: start or end the pool so that it leaves "
                    "the gateway out.",
                    field=f"allocation_pools[{position}]",
                    address=str(shown_gateway),
                )
            kept.append((start, end, position))
        if len(kept) < 2:
            continue
        for earlier, later in overlaps(kept):
            one, other = subnet.allocation_pools[earlier], subnet.allocation_pools[later]
            yield error(
                "subnet.pools_overlap",
                [subnet.id],
                f"Subnet {index.label(subnet.id)} has allocation pools {one.start} to "
                f"{one.end} and {other.start} to {other.end}, which overlap, so one address "
                "could be given twice: make them disjoint.",
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
                ok = valid[server] = parse_address(server) is not None
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

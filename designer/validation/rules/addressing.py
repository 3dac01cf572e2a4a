"""Addressing rules: CIDRs, gateways, allocation pools, fixed IPs, overlapping subnets."""

from __future__ import annotations

from collections.abc import Iterator

from designer.validation.catalog import rule
from designer.validation.context import ValidationContext
from designer.validation.findings import Finding, Severity, error
from designer.validation.index import TopologyIndex, parse_cidr, parse_ip


@rule(
    "addressing",
    ("subnet.cidr_invalid", Severity.ERROR, "A subnet's CIDR is not a network address."),
    ("subnet.cidr_host_bits", Severity.ERROR, "A subnet's CIDR has host bits set."),
)
def subnet_cidr(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    for subnet in index.document.subnets:
        network = parse_cidr(subnet.cidr)
        if network is None:
            yield error(
                "subnet.cidr_invalid",
                [subnet.id],
                f"Subnet {index.label(subnet.id)} has CIDR '{subnet.cidr}', which is not a "
                "network address: write it like 10.0.1.0/24 or 2001:db8::/64.",
                field="cidr",
            )
        elif parse_ip(subnet.cidr.split("/", 1)[0]) != network.network_address:
            yield error(
                "subnet.cidr_host_bits",
                [subnet.id],
                f"Subnet {index.label(subnet.id)} has CIDR '{subnet.cidr}' with host bits set: "
                f"did you mean {network}?",
                field="cidr",
                suggestion=str(network),
            )

"""Load balancer rules: the virtual address (VIP) on its subnet, and members the VIP can reach."""

from __future__ import annotations

from collections.abc import Iterator

from designer.spec.elements import LoadBalancer
from designer.validation.catalog import rule
from designer.validation.context import ValidationContext
from designer.validation.findings import Finding, Severity, error, info
from designer.validation.index import TopologyIndex, ip_object, parse_address


@rule(
    "load_balancers",
    (
        "lb.vip_invalid",
        Severity.ERROR,
        "A load balancer's VIP is not an address of its subnet.",
    ),
    (
        "lb.vip_in_use",
        Severity.ERROR,
        "A load balancer's VIP is its subnet's gateway, a port's fixed IP or another VIP.",
    ),
    (
        "lb.member_unreachable",
        Severity.ERROR,
        "A load balancer's member has no address on a subnet the VIP's subnet can route to.",
    ),
    (
        "lb.member_duplicate",
        Severity.ERROR,
        "A load balancer lists the same instance and port twice.",
    ),
    (
        "lb.weights_equal",
        Severity.INFO,
        "A weighted load balancer gives every member the same weight: round robin does the same.",
    ),
)
def load_balancers(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    balancers = index.document.load_balancers
    if not balancers:
        return
    taken = _fixed_addresses(index, {b.subnet for b in balancers if b.vip_address is not None})
    vips: dict[tuple[str, int], str] = {}
    for balancer in sorted(balancers, key=lambda b: b.id):
        yield from _vip(index, balancer, taken, vips)
        yield from _members(index, balancer)


def _fixed_addresses(index: TopologyIndex, subnets: set[str]) -> dict[tuple[str, int], str]:
    """(subnet id, address) -> what holds it (the subnet's gateway or a port), on `subnets`
    alone: the subnets a VIP is on are usually a few of many."""
    gateways = index.subnet_gateways
    taken: dict[tuple[str, int], str] = {
        (subnet_id, gateways[subnet_id]): "the subnet's gateway"
        for subnet_id in subnets
        if subnet_id in gateways
    }
    for port in index.document.ports:
        for fixed_ip in port.fixed_ips:
            if fixed_ip.subnet not in subnets:
                continue
            address = parse_address(fixed_ip.ip_address)
            if address is not None:
                taken.setdefault((fixed_ip.subnet, address), f"port {index.label(port.id)}")
    return taken


def _vip(
    index: TopologyIndex,
    balancer: LoadBalancer,
    taken: dict[tuple[str, int], str],
    vips: dict[tuple[str, int], str],
) -> Iterator[Finding]:
    if balancer.vip_address is None:
        return
    label = index.label(balancer.id)
    cidr = index.subnet_ranges.get(balancer.subnet)
    address = parse_address(balancer.vip_address)
    if address is None or cidr is None or not cidr.contains(address):
        yield error(
            "lb.vip_invalid",
            [balancer.id, balancer.subnet],
            f"Load balancer {label}'s VIP {balancer.vip_address} is not an address of subnet "
            f"{index.label(balancer.subnet)}: give an address inside it, or none to have one "
            "allocated.",
        )
        return
    first, last = cidr.usable
    if not first <= address <= last:
        yield error(
            "lb.vip_invalid",
            [balancer.id, balancer.subnet],
            f"Load balancer {label}'s VIP {ip_object(address)} is the network or broadcast "
            f"address of subnet {index.label(balancer.subnet)}: pick another.",
        )
        return
    key = (balancer.subnet, address)
    holder = taken.get(key) or vips.get(key)
    if holder is not None:
        yield error(
            "lb.vip_in_use",
            [balancer.id, balancer.subnet],
            f"Load balancer {label}'s VIP {ip_object(address)} is already {holder}'s address: "
            "give the load balancer an address of its own.",
            address=str(ip_object(address)),
        )
    vips.setdefault(key, f"load balancer {label}")


def _members(index: TopologyIndex, balancer: LoadBalancer) -> Iterator[Finding]:
    label = index.label(balancer.id)
    seen: set[tuple[str, int]] = set()
    reachable = _reachable_subnets(index, balancer.subnet)
    for member in balancer.members:
        key = (member.instance, member.port)
        if key in seen:
            yield error(
                "lb.member_duplicate",
                [balancer.id, member.instance],
                f"Load balancer {label} lists {index.label(member.instance)} on port "
                f"{member.port} twice: remove one.",
            )
            continue
        seen.add(key)
        subnets = {
            fixed_ip.subnet
            for port in index.ports_by_device.get(member.instance, [])
            for fixed_ip in port.fixed_ips
        }
        if reachable is not None and not subnets & reachable:
            yield error(
                "lb.member_unreachable",
                [balancer.id, member.instance],
                f"Load balancer {label}'s member {index.label(member.instance)} has no address "
                f"on a subnet that subnet {index.label(balancer.subnet)} routes to: give it a "
                "port there, or join its subnet to the VIP's with a router.",
            )
    weights = {member.weight for member in balancer.members}
    if balancer.algorithm == "weighted" and len(balancer.members) > 1 and len(weights) == 1:
        yield info(
            "lb.weights_equal",
            [balancer.id],
            f"Load balancer {label} is weighted but every member weighs {weights.pop()}: "
            "that is round robin; give the members different weights, or use round robin.",
        )


def _reachable_subnets(index: TopologyIndex, subnet_id: str) -> set[str] | None:
    """The subnets in the same part of the routed graph as `subnet_id`; None when the subnet
    is unknown (the document's parser reports that)."""
    parts = index.routed_component_of
    part = parts.get(subnet_id)
    if part is None:
        return None
    return {subnet.id for subnet in index.document.subnets if parts.get(subnet.id) == part}

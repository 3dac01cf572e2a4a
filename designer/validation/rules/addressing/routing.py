"""Routing rules: subnets that overlap where they can reach each other, routers with two
interfaces on one subnet or on overlapping subnets, and static routes.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from designer.validation.catalog import rule
from designer.validation.context import ValidationContext
from designer.validation.findings import Finding, Severity, error, warning
from designer.validation.index import TopologyIndex, parse_cidr, parse_ip
from designer.validation.rules.addressing.common import by_version, join_and, overlaps, span

# --- overlapping subnets ------------------------------------------------------------------


def _routing_groups(index: TopologyIndex) -> dict[str, int]:
    """Routed-graph node -> the number of the group of subnets that can route to each other.

    The connected parts of the routed graph, with two changes. A router that does SNAT on its
    external gateway hides the subnets behind it: nothing on the external network routes to
    them, so tenants behind their own SNAT routers may reuse addresses, as in Neutron. And the
    segments of a routed provider network count as one network, joined by a router or not.
    """
    adjacency = index.routed_graph.adj
    snat_gateway: dict[str, str] = {}
    for router in index.document.routers:
        if router.external_gateway is not None and router.snat_enabled:
            snat_gateway[router.id] = router.external_gateway.network
    same_network: dict[str, list[str]] = {}
    for subnet in index.document.subnets:
        if subnet.segment is not None:
            same_network.setdefault(subnet.network, []).append(subnet.id)
            same_network.setdefault(subnet.id, []).append(subnet.network)
    group: dict[str, int] = {}
    for number, start in enumerate(index.subnet_cidrs):
        if start in group or start not in adjacency:
            continue
        group[start] = number
        stack = [start]
        while stack:
            node = stack.pop()
            for neighbour in chain(adjacency[node], same_network.get(node, ())):
                if neighbour in group or neighbour not in adjacency:
                    continue
                if snat_gateway.get(node) == neighbour or snat_gateway.get(neighbour) == node:
                    continue
                group[neighbour] = number
                stack.append(neighbour)
    return group


@rule(
    "addressing",
    (
        "subnet.overlap",
        Severity.ERROR,
        "Two subnets that can route to each other (one network, or joined by routers) overlap.",
    ),
)
def overlapping_subnets(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    groups = _routing_groups(index)
    spans: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
    for subnet_id, network in index.subnet_cidrs.items():
        if subnet_id not in groups:
            continue
        first, last = span(network)
        spans.setdefault((groups[subnet_id], network.version), []).append((first, last, subnet_id))
    for group in spans.values():
        for earlier, later in overlaps(group):
            one, other = index.subnets[earlier], index.subnets[later]
            same_network = one.network == other.network
            where = (
                f"and both are on network {index.label(one.network)}"
                if same_network
                else "and they reach each other through routers"
            )
            yield error(
                "subnet.overlap",
                [later, earlier],
                f"Subnet {index.label(later)} ({index.subnet_cidrs[later]}) overlaps subnet "
                f"{index.label(earlier)} ({index.subnet_cidrs[earlier]}), {where}: give one "
                "of them a CIDR that does not overlap the other.",
                cidrs=[str(index.subnet_cidrs[later]), str(index.subnet_cidrs[earlier])],
                via="network" if same_network else "routers",
            )


# --- routers --------------------------------------------------------------------------------


def _router_subnets(index: TopologyIndex, router_id: str) -> dict[str, list[str]]:
    """Subnet id -> what joins the router to it: interface ports, or the router itself for its
    external gateway (on the subnets of its fixed IPs, or else on any subnet of the network,
    as the address is chosen at deploy)."""
    joined: dict[str, list[str]] = {}
    for attachment in index.router_interfaces.get(router_id, ()):
        joined.setdefault(attachment.subnet_id, []).append(attachment.port.id)
    gateway = index.routers[router_id].external_gateway
    if gateway is not None:
        if gateway.fixed_ips:
            on = [fixed_ip.subnet for fixed_ip in gateway.fixed_ips]
        else:
            on = [subnet.id for subnet in index.subnets_by_network.get(gateway.network, ())]
        for subnet_id in on:
            joined.setdefault(subnet_id, []).append(router_id)
    return joined


@rule(
    "addressing",
    ("router.duplicate_subnet", Severity.ERROR, "A router has two interfaces on one subnet."),
    (
        "router.overlapping_subnets",
        Severity.ERROR,
        "A router has interfaces on two subnets that overlap.",
    ),
)
def router_interfaces(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    cidrs = index.subnet_cidrs
    for router in index.document.routers:
        joined = _router_subnets(index, router.id)
        if len(joined) < 2 and all(len(through) < 2 for through in joined.values()):
            continue
        name = index.label(router.id)
        for subnet_id, through in joined.items():
            if len(through) > 1:
                ways = join_and(
                    "its external gateway" if item == router.id else f"port {index.label(item)}"
                    for item in dict.fromkeys(through)
                )
                yield error(
                    "router.duplicate_subnet",
                    list(dict.fromkeys([router.id, subnet_id, *through])),
                    f"Router {name} is joined {len(through)} times to subnet "
                    f"{index.label(subnet_id)} (through {ways}): a router needs one address "
                    "per subnet, so remove the others.",
                    subnet=subnet_id,
                )
        spans = ((cidrs[s].version, *span(cidrs[s]), s) for s in joined if s in cidrs)
        for same_version in by_version(spans):
            for earlier, later in overlaps(same_version):
                yield error(
                    "router.overlapping_subnets",
                    [router.id, earlier, later],
                    f"Router {name} has interfaces on subnets {index.label(earlier)} "
                    f"({cidrs[earlier]}) and {index.label(later)} ({cidrs[later]}), which "
                    "overlap, so it cannot tell where to send their addresses: detach one.",
                    subnets=[earlier, later],
                )


@rule(
    "addressing",
    ("route.destination_invalid", Severity.ERROR, "A static route's destination is not a CIDR."),
    ("route.nexthop_invalid", Severity.ERROR, "A static route's nexthop is not an IP address."),
    (
        "route.nexthop_unreachable",
        Severity.WARNING,
        "A static route's nexthop is on no subnet its router is on.",
    ),
)
def static_routes(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    cidrs = index.subnet_cidrs
    for router in index.document.routers:
        if not router.routes:
            continue
        name = index.label(router.id)
        on = _router_subnets(index, router.id)
        networks = [cidrs[subnet_id] for subnet_id in on if subnet_id in cidrs]
        for position, route in enumerate(router.routes):
            field = f"routes[{position}]"
            destination = parse_cidr(route.destination)
            if destination is None:
                yield error(
                    "route.destination_invalid",
                    [router.id],
                    f"Router {name} has a static route to '{route.destination}', which is not "
                    "a network address: write it like 192.168.0.0/16 or 2001:db8::/48.",
                    field=f"{field}.destination",
                    value=route.destination,
                )
            elif route.destination != destination.with_prefixlen and (
                parse_ip(route.destination.split("/", 1)[0]) != destination.network_address
            ):
                yield error(
                    "route.destination_invalid",
                    [router.id],
                    f"Router {name} has a static route to '{route.destination}', which has "
                    f"host bits set: did you mean {destination}?",
                    field=f"{field}.destination",
                    value=route.destination,
                    suggestion=str(destination),
                )
            nexthop = parse_ip(route.nexthop)
            if nexthop is None:
                yield error(
                    "route.nexthop_invalid",
                    [router.id],
                    f"Router {name} has a static route via '{route.nexthop}', which is not an "
                    "IP address: write the address of the next router, like 10.0.1.254.",
                    field=f"{field}.nexthop",
                    value=route.nexthop,
                )
            elif not any(nexthop in network for network in networks):
                yield warning(
                    "route.nexthop_unreachable",
                    [router.id],
                    f"Router {name} has a static route via {nexthop}, which is on none of "
                    "the subnets the router is on, so the route cannot be used: give a "
                    "nexthop on one of them, or attach the router to the nexthop's subnet.",
                    field=f"{field}.nexthop",
                    address=str(nexthop),
                )

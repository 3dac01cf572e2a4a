"""Routing rules: subnets that overlap where they can reach each other, routers with two
interfaces on one subnet or on overlapping subnets, and static routes.
"""

from __future__ import annotations

from collections.abc import Iterator

from designer.spec.elements import Router
from designer.validation.catalog import rule
from designer.validation.context import ValidationContext
from designer.validation.findings import Finding, Severity, error, warning
from designer.validation.index import TopologyIndex, ip_object, parse_address, parse_cidr_range
from designer.validation.rules.addressing.common import join_and, overlaps

# --- overlapping subnets ------------------------------------------------------------------


def _routing_groups(index: TopologyIndex) -> dict[str, int]:
    """Routed-graph node -> the number of the group of subnets that can route to each other.

    The connected parts of the routed graph, with two changes. A router that does SNAT on its
    external gateway hides the subnets behind it: nothing on the external network routes to
    them, so tenants behind their own SNAT routers may reuse addresses, as in Neutron. And the
    segments of a routed provider network count as one network, joined by a router or not.
    """
    adjacency = index.routed_adjacency
    snat_gateway: dict[str, str] = {}
    for router in index.document.routers:
        if router.external_gateway is not None and router.snat_enabled:
            snat_gateway[router.id] = router.external_gateway.network
    behind_snat = set(snat_gateway.values())  # networks some router does SNAT onto
    same_network: dict[str, list[str]] = {}
    for subnet in index.document.subnets:
        if subnet.segment is not None:
            same_network.setdefault(subnet.network, []).append(subnet.id)
            same_network.setdefault(subnet.id, []).append(subnet.network)
    group: dict[str, int] = {}
    for number, start in enumerate(index.subnet_ranges):
        if start in group or start not in adjacency:
            continue
        group[start] = number
        stack = [start]
        while stack:
            node = stack.pop()
            gateway = snat_gateway.get(node)
            hides = node in behind_snat
            for neighbour in adjacency[node]:
                if neighbour in group or neighbour == gateway:
                    continue
                if hides and snat_gateway.get(neighbour) == node:
                    continue
                group[neighbour] = number
                stack.append(neighbour)
            # Subnets and networks are all nodes of the graph, so these need no SNAT check.
            for neighbour in same_network.get(node, ()):
                if neighbour not in group:
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
    cidrs = index.subnet_ranges
    spans: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
    for subnet_id, cidr in cidrs.items():
        group = groups.get(subnet_id)
        if group is None:
            continue
        key = (group, cidr.version)
        if key in spans:
            spans[key].append((cidr.first, cidr.last, subnet_id))
        else:
            spans[key] = [(cidr.first, cidr.last, subnet_id)]
    for group_spans in spans.values():
        if len(group_spans) < 2:
            continue
        for earlier, later in overlaps(group_spans):
            one, other = index.subnets[earlier], index.subnets[later]
            same_network = one.network == other.network
            where = (
                f"and both are on network {index.label(one.network)}"
                if same_network
                else "and they reach each other through routers"
            )
            later_cidr, earlier_cidr = cidrs[later].network(), cidrs[earlier].network()
            yield error(
                "subnet.overlap",
                [later, earlier],
                f"Subnet {index.label(later)} ({later_cidr}) overlaps subnet "
                f"{index.label(earlier)} ({earlier_cidr}), {where}: give one "
                "of them a CIDR that does not overlap the other.",
                cidrs=[str(later_cidr), str(earlier_cidr)],
                via="network" if same_network else "routers",
            )


# --- routers --------------------------------------------------------------------------------


def _router_subnets(index: TopologyIndex, router: Router) -> dict[str, list[str]]:
    """Subnet id -> what joins the router to it: interface ports, or the router itself for its
    external gateway (on the subnets of its fixed IPs, or else on any subnet of the network,
    as the address is chosen at deploy)."""
    joined: dict[str, list[str]] = {}
    for interface in index.router_interfaces.get(router.id, ()):
        through = joined.get(interface.subnet_id)
        if through is None:
            joined[interface.subnet_id] = [interface.port.id]
        else:
            through.append(interface.port.id)
    gateway = router.external_gateway
    if gateway is not None:
        if gateway.fixed_ips:
            on = [fixed_ip.subnet for fixed_ip in gateway.fixed_ips]
        else:
            on = [subnet.id for subnet in index.subnets_by_network.get(gateway.network, ())]
        for subnet_id in on:
            through = joined.get(subnet_id)
            if through is None:
                joined[subnet_id] = [router.id]
            else:
                through.append(router.id)
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
    cidrs = index.subnet_ranges
    for router in index.document.routers:
        joined = _router_subnets(index, router)
        for subnet_id, through in joined.items():
            if len(through) > 1:
                yield _duplicate_subnet(index, router.id, subnet_id, through)
        if len(joined) < 2:
            continue
        if len(joined) == 2:
            # The common case, a router between one subnet and its gateway's: two subnets
            # that are disjoint, or of two IP versions, need no sweep.
            one, other = (cidrs.get(subnet_id) for subnet_id in joined)
            if one is None or other is None or one.last < other.first or other.last < one.first:
                continue
        by_version: dict[int, list[tuple[int, int, str]]] = {}
        for subnet_id in joined:
            cidr = cidrs.get(subnet_id)
            if cidr is not None:
                by_version.setdefault(cidr.version, []).append((cidr.first, cidr.last, subnet_id))
        for same_version in by_version.values():
            for earlier, later in overlaps(same_version):
                yield error(
                    "router.overlapping_subnets",
                    [router.id, earlier, later],
                    f"Router {index.label(router.id)} has interfaces on subnets "
                    f"{index.label(earlier)} ({cidrs[earlier].network()}) and "
                    f"{index.label(later)} ({cidrs[later].network()}), which overlap, so it "
                    "cannot tell where to send their addresses: detach one.",
                    subnets=[earlier, later],
                )


def _duplicate_subnet(
    index: TopologyIndex, router_id: str, subnet_id: str, through: list[str]
) -> Finding:
    ways = join_and(
        "its external gateway" if item == router_id else f"port {index.label(item)}"
        for item in dict.fromkeys(through)
    )
    return error(
        "router.duplicate_subnet",
        list(dict.fromkeys([router_id, subnet_id, *through])),
        f"Router {index.label(router_id)} is joined {len(through)} times to subnet "
        f"{index.label(subnet_id)} (through {ways}): a router needs one address per subnet, "
        "so remove the others.",
        subnet=subnet_id,
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
    for router in index.document.routers:
        if not router.routes:
            continue
        name = index.label(router.id)
        on = _router_subnets(index, router)
        cidrs = [index.subnet_ranges[s] for s in on if s in index.subnet_ranges]
        for position, route in enumerate(router.routes):
            field = f"routes[{position}]"
            destination = parse_cidr_range(route.destination)
            if destination is None:
                yield error(
                    "route.destination_invalid",
                    [router.id],
                    f"Router {name} has a static route to '{route.destination}', which is not "
                    "a network address: write it like 192.168.0.0/16 or 2001:db8::/48.",
                    field=f"{field}.destination",
                    value=route.destination,
                )
            elif destination.host_bits:
                yield error(
                    "route.destination_invalid",
                    [router.id],
                    f"Router {name} has a static route to '{route.destination}', which has "
                    f"host bits set: did you mean {destination.network()}?",
                    field=f"{field}.destination",
                    value=route.destination,
                    suggestion=str(destination.network()),
                )
            nexthop = parse_address(route.nexthop)
            if nexthop is None:
                yield error(
                    "route.nexthop_invalid",
                    [router.id],
                    f"Router {name} has a static route via '{route.nexthop}', which is not an "
                    "IP address: write the address of the next router, like 10.0.1.254.",
                    field=f"{field}.nexthop",
                    value=route.nexthop,
                )
            elif not any(cidr.contains(nexthop) for cidr in cidrs):
                shown = ip_object(nexthop)
                yield warning(
                    "route.nexthop_unreachable",
                    [router.id],
                    f"Router {name} has a static route via {shown}, which is on none of "
                    "the subnets the router is on, so the route cannot be used: give a "
                    "nexthop on one of them, or attach the router to the nexthop's subnet.",
                    field=f"{field}.nexthop",
                    address=str(shown),
                )

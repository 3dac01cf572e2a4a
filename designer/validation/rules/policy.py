"""VLAN segmentation policy rules: networks outside their role's VLAN range, and routed paths
between roles that must never be routed to each other."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from designer.graph import nearest_path
from designer.validation.catalog import rule
from designer.validation.context import ValidationContext, VlanPolicy
from designer.validation.findings import Finding, Severity, error, warning
from designer.validation.index import TopologyIndex

# Ids outside 1-4094 are not VLANs at all; the VLAN rules report them.
VLAN_IDS = range(1, 4095)


def _ranges_text(policy: VlanPolicy, role: str) -> str:
    return ", ".join(
        str(low) if low == high else f"{low}-{high}" for low, high in policy.ranges[role]
    )


@rule(
    "policy",
    (
        "policy.vlan_outside_range",
        Severity.ERROR,
        "A network's VLAN is outside the VLAN ranges its role may use.",
    ),
    (
        "policy.unknown_role",
        Severity.WARNING,
        "A network's role is not in the project's VLAN segmentation policy.",
    ),
)
def vlan_ranges(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    """A role named in the policy only by its forbidden pairs says nothing about VLANs, so only
    roles with ranges have their VLANs checked."""
    policy = context.policy
    if policy is None:
        return
    known_roles = set(policy.ranges).union(*policy.forbidden_pairs)
    # (network, segment or None, VLAN) for every VLAN a network of a role uses.
    vlans: list[tuple[str, str | None, int]] = []
    for network in index.document.networks:
        if network.role is None:
            continue
        if network.role not in known_roles:
            yield warning(
                "policy.unknown_role",
                [network.id],
                f"Network {index.label(network.id)} has role '{network.role}', which the VLAN "
                "policy does not name: choose one of its roles "
                f"({', '.join(sorted(known_roles)) or 'none defined'}) or ask an admin to add it.",
                role=network.role,
            )
        elif (
            network.kind == "provider"
            and network.network_type == "vlan"
            and network.segmentation_id is not None
        ):
            vlans.append((network.id, None, network.segmentation_id))
    for segment in index.document.segments:
        if segment.network_type == "vlan" and segment.segmentation_id is not None:
            vlans.append((segment.network, segment.id, segment.segmentation_id))
    for network_id, segment_id, vlan in vlans:
        role = index.networks[network_id].role
        if role is None or role not in policy.ranges or vlan not in VLAN_IDS:
            continue
        if policy.allows(role, vlan):
            continue
        where = (
            f"Network {index.label(network_id)}"
            if segment_id is None
            else f"Segment {index.label(segment_id)} of network {index.label(network_id)}"
        )
        yield error(
            "policy.vlan_outside_range",
            [network_id] if segment_id is None else [segment_id, network_id],
            f"{where} uses VLAN {vlan}, but the policy gives role '{role}' only VLANs "
            f"{_ranges_text(policy, role)}: choose a VLAN in that range.",
            role=role,
            vlan=vlan,
            ranges=[list(pair) for pair in policy.ranges[role]],
        )


@rule(
    "policy",
    (
        "policy.forbidden_route",
        Severity.ERROR,
        "Routers join networks of two roles the VLAN policy says must never be routed together.",
    ),
)
def forbidden_routes(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    """One finding per forbidden pair of roles and connected part of the routed graph: the
    shortest path between a network of one role and a network of the other, so the output stays
    bounded however many networks of each role there are."""
    policy = context.policy
    if policy is None or not policy.forbidden_pairs:
        return
    roles = set().union(*policy.forbidden_pairs)
    # (role, layer-2 domain) for every network and segment of a role in a forbidden pair
    candidates = [(n.role, n.id) for n in index.document.networks if n.role in roles]
    candidates += [
        (role, s.id)
        for s in index.document.segments
        if (role := index.networks[s.network].role) in roles
    ]
    if not candidates:
        return
    component_of = index.routed_component_of
    # role -> connected part -> the domains of that role in it
    domains: dict[str | None, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for role, domain in candidates:
        domains[role][component_of[domain]].append(domain)
    adjacency = index.routed_adjacency
    for pair in sorted(policy.forbidden_pairs, key=sorted):
        first, second = sorted(pair)
        shared = domains[first].keys() & domains[second].keys()
        for component in sorted(shared):
            sources, targets = domains[first][component], set(domains[second][component])
            path = nearest_path(adjacency, sources, targets)
            if not path:  # cannot happen in one connected part; never guess
                continue
            routers = [node for node in path if node in index.routers]
            start, end = path[0], path[-1]
            plural = len(routers) > 1
            yield error(
                "policy.forbidden_route",
                [start, *routers, end],
                f"Router{'s' if plural else ''} {', '.join(index.label(r) for r in routers)} "
                f"route{'' if plural else 's'} {_domain(index, start)} ({first}) to "
                f"{_domain(index, end)} ({second}), but the VLAN policy forbids routing {first} "
                f"to {second}: remove one of these router interfaces or gateways.",
                roles=[first, second],
                path=path,
                routers=routers,
            )


def _domain(index: TopologyIndex, domain: str) -> str:
    segment = index.segments.get(domain)
    if segment is None:
        return f"network {index.label(domain)}"
    return f"segment {index.label(domain)} of network {index.label(segment.network)}"

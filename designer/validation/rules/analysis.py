"""Analysis (information): which instances reach which, and single points of failure.

Two instances reach each other when they sit in one connected part of the routed graph. An
instance on two parts is in both, but does not join them: an instance is not a router.
`reachable` and `reachability_groups` are the answers other code (exercises, connectivity
checks) asks for; the rule reports the groups and the elements whose failure splits them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import chain

from designer.graph import articulation_parts
from designer.validation.catalog import rule
from designer.validation.context import ValidationContext
from designer.validation.findings import Finding, Severity, info
from designer.validation.index import TopologyIndex


def _silent(index: TopologyIndex) -> set[str]:
    """The routed-graph nodes no instance talks through: Docker none networks (and any subnet
    on one) give a container no interface."""
    silent = {n.id for n in index.document.networks if n.kind == "docker_none"}
    for network_id in list(silent):
        silent.update(subnet.id for subnet in index.subnets_by_network.get(network_id, ()))
    return silent


def _points(index: TopologyIndex, instance_id: str, silent: set[str]) -> set[str]:
    """The routed-graph nodes an instance talks through, as in
    `graph.instance_attachment_points`, less the silent ones."""
    nodes: set[str] = set()
    for port in index.ports_by_device.get(instance_id, ()):
        if port.fixed_ips:
            nodes.update(fixed_ip.subnet for fixed_ip in port.fixed_ips)
        else:
            nodes.add(port.network)
    return nodes - silent


def _parts_of(index: TopologyIndex, instance_id: str, silent: set[str]) -> set[int]:
    component_of = index.routed_component_of
    return {component_of[node] for node in _points(index, instance_id, silent)}


def reachable(index: TopologyIndex, a: str, b: str) -> bool:
    """Whether instances `a` and `b` can reach each other over the topology's networks and
    routers (an instance with any interface reaches itself)."""
    silent = _silent(index)
    return not _parts_of(index, a, silent).isdisjoint(_parts_of(index, b, silent))


def reachability_groups(index: TopologyIndex) -> list[list[str]]:
    """The instances of each connected part of the routed graph, in document order; every two
    instances of a group reach each other, and an instance on several parts is in each."""
    silent = _silent(index)
    groups: dict[int, list[str]] = {}
    for instance_id in index.instances:
        for part in sorted(_parts_of(index, instance_id, silent)):
            groups.setdefault(part, []).append(instance_id)
    return list(groups.values())


@rule(
    "analysis",
    (
        "analysis.reachability",
        Severity.INFO,
        "Which instances can reach which: the groups of instances that share a routed network.",
    ),
    (
        "analysis.single_point_of_failure",
        Severity.INFO,
        "A router or network whose failure cuts instances off from each other.",
    ),
)
def reachability(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    if not index.instances:
        return
    # Weight of a routed-graph node: how many instances sit on it.
    weight: dict[str, int] = defaultdict(int)
    groups: dict[int, list[str]] = defaultdict(list)
    component_of = index.routed_component_of
    ports_by_device = index.ports_by_device
    silent = _silent(index)
    for instance_id in index.instances:
        ports = ports_by_device.get(instance_id)
        if not ports:
            continue
        if len(ports) == 1 and len(fixed_ips := ports[0].fixed_ips) == 1:
            # The common case, kept cheap: one port with one address.
            node = fixed_ips[0].subnet
            if node not in silent:
                weight[node] += 1
                groups[component_of[node]].append(instance_id)
            continue
        points = _points(index, instance_id, silent)
        for node in points:
            weight[node] += 1
        for part in sorted({component_of[node] for node in points}):
            groups[part].append(instance_id)
    if groups:
        listed = list(groups.values())
        members = list(dict.fromkeys(chain.from_iterable(listed)))
        yield info(
            "analysis.reachability",
            members,
            f"The instances form {len(listed)} group{'s' if len(listed) != 1 else ''}: "
            "instances in one group can reach each other, instances in different groups "
            "cannot; join groups with a router to connect them.",
            groups=listed,
        )
    if not weight:
        return
    subnets, routers, networks = index.subnets, index.routers, index.networks
    for node, parts in articulation_parts(index.routed_adjacency, weight).items():
        if node in subnets:
            continue  # a subnet does not fail apart from its network
        router = routers.get(node)
        if router is not None:
            if router.mode == "ha":
                continue  # it runs on two or more nodes: one failing is what VRRP is for
            what = "Router"
        elif node in networks:
            what = "Network"
        elif node in index.segments:
            what = "Segment"
        else:
            continue  # not an element of the document
        cut_off = [w for w in parts if w > 0]
        on_node = weight.get(node)
        if on_node:
            # The instances on the node itself lose the others too.
            cut_off.append(on_node)
        if len(cut_off) < 2:
            continue
        yield info(
            "analysis.single_point_of_failure",
            [node],
            f"{what} {index.label(node)} is a single point of failure: if it fails, instances "
            f"fall into {len(cut_off)} groups that cannot reach each other; add a second path "
            f"around it{' or make it an HA router' if what == 'Router' else ''}.",
            parts=len(cut_off),
            instances_per_part=cut_off,
        )

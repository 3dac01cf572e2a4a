"""Checking lab goals against a design: what the document, the project's policy and hosts and
the validator's findings and analysis can tell, without anything deployed.

Reachability is judged by the validator's analysis (one routed part, as `analysis.reachable`);
once the copy is deployed, real connectivity checks judge it instead
(designer/services/lab_checks.py).
A behaviour goal (a drill) needs a deployed copy: by design alone it is `pending`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import networkx as nx

from designer.labs.goals import (
    OUTSIDE,
    Goal,
    HaRouter,
    NoErrors,
    NoSinglePoint,
    Reach,
    Survives,
    VlanInRole,
)
from designer.spec import Document
from designer.spec.elements import ProviderNetwork
from designer.validation import Finding, Severity, ValidationContext, validate
from designer.validation.index import TopologyIndex
from designer.validation.rules.analysis import reachable

Status = Literal["pass", "fail", "pending"]


@dataclass(frozen=True, slots=True)
class GoalResult:
    goal: str  # the goal in words
    status: Status
    detail: str  # why, in one sentence
    by: Literal["design", "deployment", "drill"] = "design"

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def as_dict(self) -> dict[str, str]:
        return {"goal": self.goal, "status": self.status, "detail": self.detail, "by": self.by}


class UnknownElement(Exception):
    pass


def resolve(index: TopologyIndex, reference: str, kinds: Iterable[str]) -> str:
    """The id of the element `reference` names (its id, or its name if one element of these
    kinds has it). Raises UnknownElement with a sentence saying what is missing."""
    pools = {kind: getattr(index, kind) for kind in kinds}
    for pool in pools.values():
        if reference in pool:
            return reference
    named = [
        element_id
        for pool in pools.values()
        for element_id, element in pool.items()
        if element.name == reference
    ]
    if len(named) == 1:
        return named[0]
    what = " or ".join(kind.rstrip("s") for kind in kinds)
    if named:
        raise UnknownElement(f"more than one {what} is named {reference}; use its id")
    raise UnknownElement(f"the design has no {what} {reference}")


def _outside_parts(index: TopologyIndex) -> set[int]:
    """The routed parts holding an external network."""
    component_of = index.routed_component_of
    return {
        component_of[network.id]
        for network in index.document.networks
        if getattr(network, "external", False) and network.id in component_of
    }


def _attachment(index: TopologyIndex, instance_id: str) -> set[str]:
    """The routed-graph nodes an instance's ports sit on: subnets, or networks without one."""
    nodes: set[str] = set()
    for port in index.ports_by_device.get(instance_id, ()):
        if port.fixed_ips:
            nodes.update(fixed_ip.subnet for fixed_ip in port.fixed_ips)
        else:
            nodes.add(port.network)
    return nodes


def reaches_by_design(index: TopologyIndex, source: str, target: str) -> bool:
    if target == OUTSIDE:
        component_of = index.routed_component_of
        parts = {component_of[n] for n in _attachment(index, source) if n in component_of}
        return not parts.isdisjoint(_outside_parts(index))
    return reachable(index, source, target)


def single_points(index: TopologyIndex, source: str, target: str) -> list[str]:
    """The routers (not HA) and networks whose failure alone cuts `source` off from `target`,
    besides the networks the two sit on themselves, which no design can spare them."""
    graph = nx.Graph(index.routed_adjacency)
    graph.add_edges_from((" source", node) for node in _attachment(index, source))
    if target == OUTSIDE:
        external = [n.id for n in index.document.networks if getattr(n, "external", False)]
        graph.add_edges_from((" target", network) for network in external)
        own = set(external)  # the outside itself
    else:
        graph.add_edges_from((" target", node) for node in _attachment(index, target))
        own = _domains(index, _attachment(index, target))
    own |= _domains(index, _attachment(index, source))
    if " source" not in graph or " target" not in graph:
        return []
    try:
        path = nx.shortest_path(graph, " source", " target")
    except nx.NetworkXNoPath:
        return []
    points = []
    for node in path[1:-1]:
        if node in index.subnets or node in own:
            continue
        router = index.routers.get(node)
        if router is not None and router.mode == "ha":
            continue
        rest = graph.subgraph(n for n in graph if n != node)
        if not nx.has_path(rest, " source", " target"):
            points.append(node)
    return points


def _domains(index: TopologyIndex, nodes: set[str]) -> set[str]:
    """The networks and segments of these routed-graph nodes (subnets or networks)."""
    domains = set()
    for node in nodes:
        subnet = index.subnets.get(node)
        if subnet is None:
            domains.add(node)
        else:
            domains.add(subnet.network)
            if subnet.segment is not None:
                domains.add(subnet.segment)
    return domains


def _vlans(index: TopologyIndex, network_id: str) -> list[int]:
    """The VLAN ids a network uses: its own (a VLAN provider network) or its segments'."""
    network = index.networks[network_id]
    vlans = []
    if isinstance(network, ProviderNetwork) and network.network_type == "vlan":
        vlans.append(network.segmentation_id)
    vlans.extend(
        segment.segmentation_id
        for segment in index.document.segments
        if segment.network == network_id and segment.network_type == "vlan"
    )
    return [vlan for vlan in vlans if vlan is not None]


def _ha_nodes(router_hosts: list[str], context: ValidationContext) -> int:
    """How many networking nodes an HA router's instances get: those it lists that are
    networking nodes, or, listing none, the planner's first two."""
    hosts = context.hosts or {}
    networking = [name for name, host in hosts.items() if host.is_networking_node]
    if router_hosts:
        return len({name for name in router_hosts if name in networking})
    return min(len(networking), 2)


def check_design(
    document: Document,
    goals: Iterable[Goal],
    context: ValidationContext,
    findings: list[Finding] | None = None,
) -> list[GoalResult]:
    """Each goal's result by the design alone."""
    index = TopologyIndex(document)
    if findings is None:
        findings = validate(document, context)
    return [_check(index, goal, context, findings) for goal in goals]


def _check(
    index: TopologyIndex, goal: Goal, context: ValidationContext, findings: list[Finding]
) -> GoalResult:
    words = goal.words()

    def result(ok: bool, yes: str, no: str) -> GoalResult:
        return GoalResult(words, "pass" if ok else "fail", yes if ok else no)

    try:
        if isinstance(goal, NoErrors):
            errors = [f for f in findings if f.severity == Severity.ERROR]
            first = f" The first: {errors[0].message}" if errors else ""
            return result(
                not errors,
                "Validation finds no error.",
                f"Validation finds {len(errors)} error{'s' if len(errors) != 1 else ''}.{first}",
            )
        if isinstance(goal, Reach):
            source = resolve(index, goal.source, ("instances",))
            target = goal.target
            if target != OUTSIDE:
                target = resolve(index, target, ("instances",))
            ok = reaches_by_design(index, source, target) == goal.expected
            joined = "a routed path joins them" if goal.expected else "no routed path joins them"
            return result(
                ok,
                f"By the design, {joined}.",
                "By the design, "
                + ("no routed path joins them." if goal.expected else "a routed path joins them."),
            )
        if isinstance(goal, HaRouter):
            router = index.routers[resolve(index, goal.router, ("routers",))]
            if router.mode != "ha":
                return result(False, "", f"Router {goal.router} is {router.mode}, not HA.")
            nodes = _ha_nodes(list(router.hosts), context)
            return result(
                nodes >= goal.nodes,
                f"It runs on {nodes} networking nodes.",
                f"It has {nodes} networking node{'s' if nodes != 1 else ''} to run on.",
            )
        if isinstance(goal, VlanInRole):
            network_id = resolve(index, goal.network, ("networks",))
            ranges = context.policy.ranges.get(goal.role) if context.policy else None
            if not ranges:
                return result(False, "", f"The project's policy has no {goal.role} range.")
            vlans = _vlans(index, network_id)
            if not vlans:
                return result(False, "", f"Network {goal.network} uses no VLAN.")
            outside = [v for v in vlans if not context.policy.allows(goal.role, v)]  # type: ignore[union-attr]
            shown = ", ".join(f"{low}-{high}" for low, high in ranges)
            return result(
                not outside,
                f"VLAN {', '.join(map(str, vlans))} is within {shown}.",
                f"VLAN {', '.join(map(str, outside))} is outside {shown}.",
            )
        if isinstance(goal, NoSinglePoint):
            source = resolve(index, goal.source, ("instances",))
            target = goal.target
            if target != OUTSIDE:
                target = resolve(index, target, ("instances",))
            if not reaches_by_design(index, source, target):
                return result(False, "", "No routed path joins them at all.")
            points = single_points(index, source, target)
            return result(
                not points,
                "Every router and network between them has a way around it or is HA.",
                f"{index.labels(points)} failing alone would cut them apart.",
            )
        if isinstance(goal, Survives):
            resolve(index, goal.router, ("routers",))
            resolve(index, goal.source, ("instances",))
            if goal.target != OUTSIDE:
                resolve(index, goal.target, ("instances",))
            return GoalResult(
                words, "pending", "Checked by a real drill on the deployed copy.", "drill"
            )
    except UnknownElement as error:
        return GoalResult(words, "fail", f"{str(error)[0].upper()}{str(error)[1:]}.")
    raise TypeError(f"not a goal: {goal!r}")

"""Layer-2 rules: loops in the bridging graph.

Instances that bridge their ports (`l2_bridge`) join layer-2 domains; a cycle of them, or one
of them with two ports on one domain, sends every broadcast round forever. Each loop is
reported once: cycles that touch each other form one loop, and the bridging instances that
only hang off it are left out.
"""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from designer.validation.catalog import rule
from designer.validation.context import ValidationContext
from designer.validation.findings import Finding, Severity, warning
from designer.validation.index import TopologyIndex


def _loops(graph: nx.MultiGraph) -> Iterator[nx.MultiGraph]:
    """The 2-edge-connected parts of the graph that hold a cycle, each as a subgraph.

    A connected part has a cycle exactly when it has as many edges as nodes, so most parts are
    passed over after counting; in the others, removing the bridges (edges on no cycle, found in
    linear time) leaves the loops as the connected parts that still have an edge.
    """
    for nodes in nx.connected_components(graph):
        if sum(degree for _, degree in graph.degree(nodes)) < 2 * len(nodes):
            continue
        part = graph.subgraph(nodes)
        looped = nx.MultiGraph(part)
        looped.remove_edges_from(list(nx.bridges(part)))
        for loop_nodes in nx.connected_components(looped):
            if len(loop_nodes) > 1:
                yield looped.subgraph(loop_nodes)


@rule(
    "layer2",
    (
        "l2.loop",
        Severity.WARNING,
        "Bridging instances join layer-2 domains in a loop, which causes broadcast storms.",
    ),
)
def layer2_loops(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    graph = index.bridging_graph
    if graph.number_of_edges() < 2:
        return
    for loop in _loops(graph):
        instances = sorted(node for node in loop if node in index.instances)
        domains = sorted(node for node in loop if node not in index.instances)
        ports = sorted(key for _, _, key in loop.edges(keys=True))
        who = f"Instance{'s' if len(instances) > 1 else ''} {index.labels(instances)}"
        bridge = "bridges" if len(instances) == 1 else "bridge"
        where = f"network{'s' if len(domains) > 1 else ''} {index.labels(domains)}"
        how = " through two ports on it" if len(domains) == 1 else ""
        yield warning(
            "l2.loop",
            [*instances, *domains, *ports],
            f"{who} {bridge} {where} into a loop{how}, so broadcasts circle forever (a "
            f"broadcast storm): remove one of the ports {index.labels(ports)}, or turn off "
            "l2_bridge on one of the instances.",
            instances=instances,
            domains=domains,
            ports=ports,
        )

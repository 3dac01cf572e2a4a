"""The graphs of a topology, built with networkx.

- The *routed graph* (layer 3): layer-2 domains (networks, and the segments of routed provider
  networks), subnets and routers. A subnet hangs off its domain; a router joins the subnets it
  has interfaces on and, through its gateway, its external network. Two subnets in one connected
  part can route to each other; its articulation points are single points of failure.
- The *bridging graph* (layer 2): layer-2 domains and the instances that bridge their ports
  (`l2_bridge`). A cycle there is a layer-2 loop.

Node ids are element ids, which are unique across a document; the `kind` attribute says which
list the element is from. Validation walks the routed graph as plain dicts (`routed_adjacency`),
which hold the same nodes and neighbours in the same order as the networkx graph and cost a
fraction of it to build and to walk.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from designer.validation.index import TopologyIndex


def domain_of_subnet(index: TopologyIndex, subnet_id: str) -> str:
    """The layer-2 domain a subnet is on: its segment if it has one, else its network."""
    subnet = index.subnets[subnet_id]
    return subnet.segment if subnet.segment is not None else subnet.network


def routed_graph(index: TopologyIndex) -> nx.Graph:
    graph = nx.Graph()
    document = index.document
    graph.add_nodes_from((n.id, {"kind": "network"}) for n in document.networks)
    graph.add_nodes_from((s.id, {"kind": "segment"}) for s in document.segments)
    graph.add_nodes_from((r.id, {"kind": "router"}) for r in document.routers)
    graph.add_nodes_from((s.id, {"kind": "subnet"}) for s in document.subnets)
    graph.add_edges_from(
        (s.id, s.segment if s.segment is not None else s.network) for s in document.subnets
    )
    graph.add_edges_from(
        (router_id, subnet_id)
        for router_id, subnet_ids in _router_subnets(index).items()
        for subnet_id in subnet_ids
    )
    graph.add_edges_from(
        (r.id, r.external_gateway.network) for r in document.routers if r.external_gateway
    )
    return graph


# Node -> its neighbours, a dict used as an ordered set.
Adjacency = dict[str, dict[str, None]]


def routed_adjacency(index: TopologyIndex) -> Adjacency:
    """The routed graph as plain dicts, with its nodes and each node's neighbours in the order
    `routed_graph` holds them, so searches of either go the same way."""
    document = index.document
    # A defaultdict, so that an edge to a node the document lacks adds it, as networkx does.
    adjacency: defaultdict[str, dict[str, None]] = defaultdict(dict)
    for elements in (document.networks, document.segments, document.routers, document.subnets):
        for element in elements:
            adjacency[element.id] = {}
    for subnet in document.subnets:
        domain = subnet.segment if subnet.segment is not None else subnet.network
        adjacency[subnet.id][domain] = None
        adjacency[domain][subnet.id] = None
    for router_id, interfaces in index.router_interfaces.items():
        for interface in interfaces:
            adjacency[router_id][interface.subnet_id] = None
            adjacency[interface.subnet_id][router_id] = None
    for router in document.routers:
        gateway = router.external_gateway
        if gateway is not None:
            adjacency[router.id][gateway.network] = None
            adjacency[gateway.network][router.id] = None
    return dict(adjacency)


def connected_parts(adjacency: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Node -> the number of its connected part, numbered in the order of each part's first
    node, as `networkx.connected_components` yields them."""
    part_of: dict[str, int] = {}
    number = 0
    for start in adjacency:
        if start in part_of:
            continue
        part_of[start] = number
        stack = [start]
        while stack:
            for neighbour in adjacency[stack.pop()]:
                if neighbour not in part_of:
                    part_of[neighbour] = number
                    stack.append(neighbour)
        number += 1
    return part_of


def _router_subnets(index: TopologyIndex) -> dict[str, list[str]]:
    """Router id -> the subnets of its ports' fixed IPs, read straight from the ports (the graph
    needs no addresses). Routers come in the order of their first fixed IP, which fixes the
    order of each node's neighbours, and so the order in which searches of the graph go."""
    routers = index.routers
    joined: dict[str, list[str]] = {}
    for port in index.document.ports:
        device = port.device
        if device is not None and port.fixed_ips and device in routers:
            subnet_ids = [fixed_ip.subnet for fixed_ip in port.fixed_ips]
            if device in joined:
                joined[device].extend(subnet_ids)
            else:
                joined[device] = subnet_ids
    return joined


def bridging_graph(index: TopologyIndex) -> nx.MultiGraph:
    graph = nx.MultiGraph()
    for instance in index.document.instances:
        if not instance.l2_bridge:
            continue
        for port in index.ports_by_device.get(instance.id, ()):
            graph.add_edge(instance.id, _port_domain(index, port.id), key=port.id)
    return graph


def _port_domain(index: TopologyIndex, port_id: str) -> str:
    port = index.ports[port_id]
    for fixed_ip in port.fixed_ips:
        subnet = index.subnets.get(fixed_ip.subnet)
        if subnet is not None and subnet.segment is not None:
            return subnet.segment
    return port.network


def instance_attachment_points(index: TopologyIndex) -> dict[str, set[str]]:
    """Instance id -> the routed-graph nodes it sits on (its subnets, or its network when a
    port has no fixed IP, as on a Docker network with automatic addressing)."""
    points: dict[str, set[str]] = {}
    for instance_id in index.instances:
        nodes: set[str] = set()
        for port in index.ports_by_device.get(instance_id, ()):
            if port.fixed_ips:
                nodes.update(fixed_ip.subnet for fixed_ip in port.fixed_ips)
            else:
                nodes.add(port.network)
        points[instance_id] = nodes
    return points


def nearest_path(
    graph: nx.Graph | Mapping[str, Iterable[str]], sources: Iterable[str], targets: Collection[str]
) -> list[str]:
    """A shortest path from any of `sources` to any of `targets`, or [] when none is reachable.

    One breadth-first search from all sources at once: the cost is one pass over the part of
    the graph nearer to the sources than the nearest target, however many sources there are.
    """
    adjacency = graph.adj if isinstance(graph, nx.Graph) else graph
    parent: dict[str, str | None] = {}
    queue: deque[str] = deque()
    for source in sources:
        if source in parent or source not in adjacency:
            continue
        parent[source] = None
        if source in targets:
            return [source]
        queue.append(source)
    while queue:
        node = queue.popleft()
        for neighbour in adjacency[node]:
            if neighbour in parent:
                continue
            parent[neighbour] = node
            if neighbour in targets:
                path = [neighbour]
                step: str | None = node
                while step is not None:
                    path.append(step)
                    step = parent[step]
                path.reverse()
                return path
            queue.append(neighbour)
    return []


def articulation_parts(
    graph: nx.Graph | Mapping[str, Iterable[str]], weight: Mapping[str, int]
) -> dict[str, list[int]]:
    """For every articulation point: the total `weight` of each part its removal leaves of its
    connected part of the graph (its own weight not included).

    Tarjan's depth-first search with low points, summing the weights of each subtree on the way
    back, so every point and the weights of its parts come out of one linear pass.
    """
    # Plain dicts, cheaper to walk than networkx's views; a caller may pass them ready.
    adjacency = dict(graph.adjacency()) if isinstance(graph, nx.Graph) else graph
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    below: dict[str, int] = {}  # weight of the node's depth-first subtree
    parts: dict[str, list[int]] = {}
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        below[root] = weight.get(root, 0)
        split: dict[str, list[int]] = {}  # node -> weights of the subtrees only it joins
        stack = [(root, "", iter(adjacency[root]))]
        while stack:
            node, parent, neighbours = stack[-1]
            for neighbour in neighbours:
                if neighbour in order:
                    if neighbour != parent and order[neighbour] < low[node]:
                        low[node] = order[neighbour]
                    continue
                order[neighbour] = low[neighbour] = len(order)
                below[neighbour] = weight.get(neighbour, 0)
                stack.append((neighbour, node, iter(adjacency[neighbour])))
                break
            else:
                stack.pop()
                if not stack:
                    continue
                if low[node] < low[parent]:
                    low[parent] = low[node]
                below[parent] += below[node]
                if low[node] >= order[parent]:
                    split.setdefault(parent, []).append(below[node])
        total = below[root]
        for node, subtrees in split.items():
            if node == root:
                if len(subtrees) >= 2:
                    parts[node] = subtrees
            else:
                # Everything not below a split-off subtree stays joined through the parent side.
                rest = total - weight.get(node, 0) - sum(subtrees)
                parts[node] = [*subtrees, rest]
    return parts

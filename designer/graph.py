"""The graphs of a topology, built with networkx.

- The *routed graph* (layer 3): layer-2 domains (networks, and the segments of routed provider
  networks), subnets and routers. A subnet hangs off its domain; a router joins the subnets it
  has interfaces on and, through its gateway, its external network. Two subnets in one connected
  part can route to each other; its articulation points are single points of failure.
- The *bridging graph* (layer 2): layer-2 domains and the instances that bridge their ports
  (`l2_bridge`). A cycle there is a layer-2 loop.

Node ids are element ids, which are unique across a document; the `kind` attribute says which
list the element is from.
"""

from __future__ import annotations

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
        (router_id, attachment.subnet_id)
        for router_id, attachments in index.router_interfaces.items()
        for attachment in attachments
    )
    graph.add_edges_from(
        (r.id, r.external_gateway.network) for r in document.routers if r.external_gateway
    )
    return graph


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

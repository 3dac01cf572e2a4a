"""The routed graph as plain dicts: the same nodes, neighbours and search orders as networkx's."""

from __future__ import annotations

import random
from typing import Any

import networkx as nx

from designer import graph
from designer.validation.index import TopologyIndex
from tests.builders import document, net, port, subnet


def random_topology(rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """Networks with subnets (some on the segments of a routed provider network), routers with
    interfaces in shuffled port order, some with a gateway, and ports that are not a router's."""
    networks = [net(f"n{i}") for i in range(rng.randint(1, 6))]
    networks.append(net("rp", "routed_provider"))
    segments = [
        {"id": f"g{i}", "network": "rp", "physical_network": "physnet1", "segmentation_id": 20 + i}
        for i in range(rng.randint(0, 3))
    ]
    subnets = [
        subnet(f"s{i}", rng.choice(networks[:-1])["id"], f"10.0.{i}.0/24")
        for i in range(rng.randint(1, 10))
    ]
    subnets += [
        subnet(f"gs{i}", "rp", f"10.1.{i}.0/24", segment=s["id"]) for i, s in enumerate(segments)
    ]
    routers: list[dict[str, Any]] = []
    ports = []
    for r in range(rng.randint(0, 6)):
        router: dict[str, Any] = {"id": f"r{r}"}
        if rng.random() < 0.5:
            router["external_gateway"] = {"network": rng.choice(networks)["id"]}
        routers.append(router)
        for k in range(rng.randint(0, 3)):
            joined = rng.choice(subnets)
            fixed_ips = [(joined["id"], None)] if rng.random() < 0.8 else []
            ports.append(port(f"r{r}p{k}", joined["network"], f"r{r}", *fixed_ips))
    ports.append(port("loose", subnets[0]["network"], None, (subnets[0]["id"], None)))
    rng.shuffle(ports)
    rng.shuffle(routers)
    return {
        "networks": networks,
        "segments": segments,
        "subnets": subnets,
        "routers": routers,
        "ports": ports,
    }


def test_routed_adjacency_holds_the_networkx_graph_in_its_order() -> None:
    rng = random.Random(11)
    for _ in range(200):
        index = TopologyIndex(document(**random_topology(rng)))
        adjacency = graph.routed_adjacency(index)
        routed = graph.routed_graph(index)
        assert list(adjacency) == list(routed.adj)
        for node, neighbours in adjacency.items():
            assert list(neighbours) == list(routed.adj[node])


def test_connected_parts_are_numbered_as_networkx_yields_them() -> None:
    rng = random.Random(12)
    for _ in range(200):
        index = TopologyIndex(document(**random_topology(rng)))
        routed = graph.routed_graph(index)
        expected = {
            node: number
            for number, part in enumerate(nx.connected_components(routed))
            for node in part
        }
        assert graph.connected_parts(index.routed_adjacency) == expected


def test_nearest_path_goes_the_same_way_over_either_form() -> None:
    rng = random.Random(13)
    for _ in range(200):
        index = TopologyIndex(document(**random_topology(rng)))
        routed = graph.routed_graph(index)
        nodes = list(routed)
        sources, targets = rng.sample(nodes, 2), set(rng.sample(nodes, 2))
        path = graph.nearest_path(index.routed_adjacency, sources, targets)
        assert path == graph.nearest_path(routed, sources, targets)

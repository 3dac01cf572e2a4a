"""What a connectivity check expects before any packet is sent, and what it concludes after.

From a deployed revision and the hosts it was planned on, `Design` says for each instance
where it runs (host and namespace, from the deploy plan), which addresses it holds (the
planner's allocation), which TCP ports its responder listens on, and, for each pair of
instances, the address the source would use, whether the validator predicts the pair reach
each other (`designer.validation.rules.analysis.reachable`: Docker user-defined bridges and
networks no router joins are apart) and the predicted path through the routed graph.
`findings` turns probe results that disagree with the prediction into findings shaped as
validation's. Pure: no Django, no I/O.

An instance on Docker's host network shares its host's own stack: it has no namespace and no
address of its own, so a check can neither start from it nor aim at it (`problem` says why).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from designer.graph import instance_attachment_points, routed_graph
from designer.spec import Document
from designer.validation.findings import Finding, error, warning
from designer.validation.index import TopologyIndex
from designer.validation.rules.analysis import reachable
from tasks.planner.allocation import allocate
from tasks.planner.collect import Collector
from tasks.planner.hosts import HostFacts
from tasks.planner.index import PlanIndex
from tasks.planner.planner import plan

Protocol = Literal["icmp", "tcp"]
# Network kinds that give an instance's port no address of its own to be reached at.
NO_OWN_ADDRESS = frozenset({"docker_none", "docker_host"})
UNEXPECTED_REACH = "connectivity.unexpected_reach"
UNEXPECTED_BLOCK = "connectivity.unexpected_block"


@dataclass(frozen=True)
class Endpoint:
    """One instance as a check sees it."""

    instance: str
    host: str | None
    # None: no namespace of its own (Docker's host network, or not placed on any host).
    namespace: str | None
    # (subnet id, address) of each address its ports carry, in the document's port order.
    addresses: tuple[tuple[str, str], ...] = ()
    # The TCP ports its responder listens on.
    listening: frozenset[int] = frozenset()
    on_host_network: bool = False


@dataclass(frozen=True)
class Probe:
    """One packet exchange to try: from `source`'s namespace to `address` of `target`."""

    source: str
    target: str
    host: str
    namespace: str
    # None: the target has no address the source could use; nothing is sent.
    address: str | None
    protocol: Protocol
    port: int | None
    expected: bool
    path: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "host": self.host,
            "namespace": self.namespace,
            "address": self.address,
            "protocol": self.protocol,
            "port": self.port,
            "expected": self.expected,
            "path": list(self.path),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Probe:
        return cls(**{**data, "path": tuple(data["path"])})

    def result(self, reachable: bool, rtt_ms: float | None, detail: str) -> dict[str, Any]:
        """The probe's entry in a check's results. Without an address nothing was sent, so
        there is nothing to compare with the prediction (`agrees` None)."""
        sent = self.address is not None
        return {
            "source": self.source,
            "target": self.target,
            "address": self.address or "",
            "protocol": self.protocol,
            "port": self.port,
            "reachable": reachable,
            "expected": self.expected,
            "agrees": (reachable == self.expected) if sent else None,
            "rtt_ms": rtt_ms,
            "detail": detail,
            "path": list(self.path),
        }


def _ipv4_first(addresses: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Stable: the order given, IPv4 addresses before IPv6 ones."""
    return sorted(addresses, key=lambda item: ipaddress.ip_address(item[1]).version)


@dataclass
class Design:
    """The deployed revision's instances and what the design predicts between them."""

    document: Document
    topology_id: int
    hosts: Sequence[HostFacts]
    endpoints: dict[str, Endpoint] = field(init=False)

    def __post_init__(self) -> None:
        self.index = TopologyIndex(self.document)
        self.graph = routed_graph(self.index)
        points = instance_attachment_points(self.index)
        silent = self._silent()
        self.points = {instance: nodes - silent for instance, nodes in points.items()}
        self.part_of: dict[str, int] = {}
        for number, part in enumerate(nx.connected_components(self.graph)):
            self.part_of.update(dict.fromkeys(part, number))
        self.endpoints = self._endpoints()

    def _silent(self) -> set[str]:
        """Routed-graph nodes no instance talks through: Docker none networks and their
        subnets, as the validator's reachability analysis has them."""
        silent = {n.id for n in self.document.networks if n.kind == "docker_none"}
        silent.update(s.id for s in self.document.subnets if s.network in silent)
        return silent

    def _endpoints(self) -> dict[str, Endpoint]:
        deployed = plan(self.document, self.topology_id, self.hosts)
        namespaces: dict[str, tuple[str, str]] = {}
        listening: dict[str, frozenset[int]] = {}
        for host_name, state in deployed.hosts.items():
            for made in state.namespaces:
                if made.role == "instance":
                    namespaces[made.owner] = (host_name, made.name)
            for responder in state.responders:
                ports = set(responder.tcp_ports)
                if responder.http_port is not None:
                    ports.add(responder.http_port)
                listening[responder.owner] = frozenset(ports)
        # The same allocation the plan made: pure and deterministic.
        allocated = allocate(PlanIndex(self.document), Collector(h.name for h in self.hosts))
        endpoints = {}
        for instance_id in self.index.instances:
            addresses = []
            on_host_network = False
            for port in self.index.ports_by_device.get(instance_id, ()):
                kind = self.index.networks[port.network].kind
                on_host_network |= kind == "docker_host"
                if kind in NO_OWN_ADDRESS:
                    continue
                addresses += [(s, str(a)) for s, a in allocated.ports.get(port.id, ())]
            host: str | None
            namespace: str | None
            host, namespace = namespaces.get(instance_id, (None, None))
            endpoints[instance_id] = Endpoint(
                instance=instance_id,
                host=host or deployed.placement.get(instance_id),
                namespace=namespace,
                addresses=tuple(addresses),
                listening=listening.get(instance_id, frozenset()),
                on_host_network=on_host_network,
            )
        return endpoints

    # --- what a request may name -----------------------------------------------------------

    def problem(self, instance_id: str, as_target: bool = False) -> str | None:
        """Why a check cannot start from (or aim at) this instance; None when it can."""
        endpoint = self.endpoints.get(instance_id)
        if endpoint is None:
            return "names no instance of the deployed revision"
        if endpoint.on_host_network:
            return (
                "is on Docker's host network: it shares its host's own stack and has no "
                "namespace or address of its own, so it cannot be checked; check from or to "
                "an instance on another network"
            )
        if endpoint.namespace is None:
            return "was not placed on any host when the topology was deployed (see the plan)"
        if as_target and not endpoint.addresses:
            return "has no address to send to: give its port a fixed IP on a subnet"
        return None

    def checkable(self) -> list[str]:
        """The instances a matrix covers: those with a namespace, in document order."""
        return [i for i, e in self.endpoints.items() if e.namespace is not None]

    # --- predictions -----------------------------------------------------------------------

    def target_address(self, source: str, target: str) -> tuple[str, str] | None:
        """(subnet id, address) of `target` that `source` would use: one on a subnet they
        share, else one on a subnet the source's routed part reaches, else the target's first;
        IPv4 before IPv6 each time. None when the target has no address."""
        own = self.endpoints[target].addresses
        if not own:
            return None
        shared = {subnet for subnet, _ in self.endpoints[source].addresses}
        parts = {self.part_of[node] for node in self.points.get(source, ()) if node in self.part_of}
        for candidates in (
            [item for item in own if item[0] in shared],
            [item for item in own if self.part_of.get(item[0]) in parts],
            list(own),
        ):
            if candidates:
                return _ipv4_first(candidates)[0]
        return None

    def reaches(self, source: str, target: str) -> bool:
        """The validator's prediction for the pair."""
        return reachable(self.index, source, target)

    def path(self, source: str, target: str, via: str | None = None) -> list[str]:
        """The predicted route: the source, the networks, subnets and routers between, the
        target; through the subnet `via` (the target address's) when one leads there. Empty
        when the design joins them by nothing."""
        if not self.reaches(source, target):
            return []
        ends: list[set[str]] = [{via}] if via is not None and via in self.graph else []
        ends.append(self.points.get(target, set()))
        for targets in ends:
            graph = self.graph.copy()
            graph.add_edges_from((source, node) for node in self.points.get(source, ()))
            graph.add_edges_from((target, node) for node in targets if node in self.graph)
            try:
                return list(nx.shortest_path(graph, source, target))
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                continue
        return []

    def probe(self, source: str, target: str, protocol: Protocol, port: int | None) -> Probe:
        endpoint = self.endpoints[source]
        assert endpoint.host is not None
        assert endpoint.namespace is not None
        chosen = self.target_address(source, target)
        expected = self.reaches(source, target)
        if protocol == "tcp":
            # The design also says what listens: the responder's ports.
            expected = expected and port in self.endpoints[target].listening
        return Probe(
            source=source,
            target=target,
            host=endpoint.host,
            namespace=endpoint.namespace,
            address=chosen[1] if chosen else None,
            protocol=protocol,
            port=port if protocol == "tcp" else None,
            expected=expected,
            path=tuple(self.path(source, target, chosen[0] if chosen else None)),
        )

    def matrix(self, protocol: Protocol, port: int | None) -> list[Probe]:
        """Every ordered pair of instances with namespaces."""
        instances = self.checkable()
        return [
            self.probe(source, target, protocol, port)
            for source in instances
            for target in instances
            if source != target
        ]


# --- after the probes --------------------------------------------------------------------


def _attempt(index: TopologyIndex, result: dict[str, Any]) -> str:
    target = index.label(result["target"])
    if result["protocol"] == "tcp":
        return f"TCP port {result['port']} of {target} at {result['address']}"
    return f"{target} at {result['address']} (ping)"


def findings(index: TopologyIndex, results: Iterable[dict[str, Any]]) -> list[Finding]:
    """One finding for each probe whose traffic disagreed with the design."""
    found = []
    for result in results:
        if result["agrees"] is not False:
            continue
        source = index.label(result["source"])
        elements = [result["source"], result["target"]]
        data = {
            "address": result["address"],
            "protocol": result["protocol"],
            "port": result["port"],
        }
        if result["reachable"]:
            found.append(
                error(
                    UNEXPECTED_REACH,
                    elements,
                    f"Instance {source} reached {_attempt(index, result)}, but the design keeps "
                    "them apart: the isolation between them is broken on the hosts; redeploy "
                    "the topology and remove any route or firewall rule added by hand.",
                    **data,
                )
            )
        else:
            found.append(
                warning(
                    UNEXPECTED_BLOCK,
                    elements,
                    f"Instance {source} could not reach {_attempt(index, result)} "
                    f"({result['detail']}), though the design says it should: redeploy the "
                    "topology to repair what is missing, and look for firewall rules or "
                    "links changed by hand in their namespaces.",
                    path=result["path"],
                    **data,
                )
            )
    return found

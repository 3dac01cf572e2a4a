"""VLAN and tunnel rules: VLAN ids of provider networks and segments, VNIs and GRE keys of
overlay networks, and the parts routed provider and self-service networks need.
"""

from __future__ import annotations

from collections.abc import Iterator

from designer.spec.elements import ProviderNetwork, Segment
from designer.validation.catalog import rule
from designer.validation.context import ValidationContext
from designer.validation.findings import Finding, Severity, error, warning
from designer.validation.index import TopologyIndex

VLAN_RANGE = (1, 4094)  # 0 and 4095 are reserved by 802.1Q
# Tunnel id spaces: a VXLAN VNI is 24 bits and a GRE key 32; Docker overlays are VXLAN.
TUNNEL_RANGES = {"vxlan": (1, 2**24 - 1), "gre": (1, 2**32 - 1)}


def _carriers(index: TopologyIndex) -> Iterator[ProviderNetwork | Segment]:
    """Everything that sits on a physical network: provider networks and segments."""
    for network in index.document.networks:
        if isinstance(network, ProviderNetwork):
            yield network
    yield from index.document.segments


def _what(index: TopologyIndex, element: ProviderNetwork | Segment) -> str:
    kind = "Provider network" if isinstance(element, ProviderNetwork) else "Segment"
    return f"{kind} {index.label(element.id)}"


@rule(
    "vlans",
    ("vlan.id_missing", Severity.ERROR, "A VLAN provider network or segment has no VLAN id."),
    ("vlan.id_out_of_range", Severity.ERROR, "A VLAN id is outside 1-4094."),
    ("vlan.id_on_flat", Severity.WARNING, "A flat network or segment has a VLAN id."),
    ("vlan.duplicate", Severity.ERROR, "One VLAN is used twice on one physical network."),
)
def vlan_ids(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    low, high = VLAN_RANGE
    users: dict[tuple[str, int], list[str]] = {}
    for element in _carriers(index):
        vlan = element.segmentation_id
        if element.network_type == "flat":
            if vlan is not None:
                yield warning(
                    "vlan.id_on_flat",
                    [element.id],
                    f"{_what(index, element)} is flat but has segmentation_id {vlan}, which a "
                    "flat network ignores: remove it, or make the network type vlan.",
                    field="segmentation_id",
                    value=vlan,
                )
            continue
        if vlan is None:
            yield error(
                "vlan.id_missing",
                [element.id],
                f"{_what(index, element)} is a VLAN network without a VLAN id: set its "
                f"segmentation_id to a VLAN from {low} to {high}.",
                field="segmentation_id",
            )
        elif not low <= vlan <= high:
            yield error(
                "vlan.id_out_of_range",
                [element.id],
                f"{_what(index, element)} has VLAN id {vlan}, outside {low}-{high}: pick a "
                f"VLAN from {low} to {high}.",
                field="segmentation_id",
                value=vlan,
            )
        else:
            users.setdefault((element.physical_network, vlan), []).append(element.id)
    for (physical_network, vlan), elements in users.items():
        if len(elements) > 1:
            yield error(
                "vlan.duplicate",
                elements,
                f"VLAN {vlan} on physical network '{physical_network}' is used by "
                f"{index.labels(elements)}, which would join them into one layer-2 network: "
                "give each its own VLAN.",
                physical_network=physical_network,
                vlan=vlan,
            )


@rule(
    "vlans",
    (
        "vni.out_of_range",
        Severity.ERROR,
        "A VXLAN VNI is outside 1-16,777,215, or a GRE key outside 1-4,294,967,295.",
    ),
    ("vni.duplicate", Severity.ERROR, "One VNI (or GRE key) is used by two overlay networks."),
)
def tunnel_ids(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    users: dict[tuple[str, int], list[str]] = {}
    for network in index.document.networks:
        tunnel: str
        if network.kind == "self_service":
            tunnel = network.tunnel_type
        elif network.kind == "docker_overlay":
            tunnel = "vxlan"
        else:
            continue
        vni = network.vni
        if vni is None:
            continue
        low, high = TUNNEL_RANGES[tunnel]
        word = "VNI" if tunnel == "vxlan" else "GRE key"
        if not low <= vni <= high:
            yield error(
                "vni.out_of_range",
                [network.id],
                f"Network {index.label(network.id)} has {word} {vni}, outside "
                f"{low}-{high:,}: pick one in that range, or leave it empty to have one "
                "allocated.",
                field="vni",
                value=vni,
                tunnel_type=tunnel,
            )
        else:
            users.setdefault((tunnel, vni), []).append(network.id)
    for (tunnel, vni), networks in users.items():
        if len(networks) > 1:
            word = "VXLAN VNI" if tunnel == "vxlan" else "GRE key"
            yield error(
                "vni.duplicate",
                networks,
                f"{word} {vni} is used by networks {index.labels(networks)}, which would "
                "join their traffic: give each its own, or leave it empty to have one "
                "allocated.",
                vni=vni,
                tunnel_type=tunnel,
            )


@rule(
    "vlans",
    (
        "segment.not_routed",
        Severity.ERROR,
        "A segment belongs to a network that is not a routed provider network.",
    ),
    ("segment.no_subnet", Severity.WARNING, "A segment has no subnet."),
    ("segment.no_hosts", Severity.WARNING, "A segment serves no hosts."),
)
def segments(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    for segment in index.document.segments:
        name = index.label(segment.id)
        network = index.networks.get(segment.network)
        if network is not None and network.kind != "routed_provider":
            yield error(
                "segment.not_routed",
                [segment.id, network.id],
                f"Segment {name} belongs to network {index.label(network.id)}, which is not a "
                "routed provider network, and only those have segments: move the segment to "
                "a routed provider network, or remove it.",
                field="network",
            )
        if not index.subnets_by_segment.get(segment.id):
            yield warning(
                "segment.no_subnet",
                [segment.id],
                f"Segment {name} has no subnet, so instances on it get no address: add a "
                "subnet with this segment.",
            )
        if not segment.hosts:
            yield warning(
                "segment.no_hosts",
                [segment.id],
                f"Segment {name} serves no hosts, so no port can be bound to it: list the "
                "hosts that reach its VLAN.",
                field="hosts",
            )


@rule(
    "vlans",
    (
        "routed_provider.no_segments",
        Severity.ERROR,
        "A routed provider network has no segments.",
    ),
    ("self_service.no_subnet", Severity.ERROR, "A self-service network has no subnet."),
)
def network_parts(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    for network in index.document.networks:
        if network.kind == "routed_provider" and not index.segments_by_network.get(network.id):
            yield error(
                "routed_provider.no_segments",
                [network.id],
                f"Routed provider network {index.label(network.id)} has no segments, so it "
                "reaches no host: add a segment for each group of hosts, with its VLAN.",
            )
        elif network.kind == "self_service" and not index.subnets_by_network.get(network.id):
            yield error(
                "self_service.no_subnet",
                [network.id],
                f"Self-service network {index.label(network.id)} has no subnet, so nothing "
                "on it gets an address: add a subnet with a CIDR.",
            )

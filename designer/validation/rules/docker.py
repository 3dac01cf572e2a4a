"""Docker networking rules: host and none networks, published ports, macvlan, DNS names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from designer.spec.elements import DockerMacvlanNetwork, DockerUserBridgeNetwork, PublishedPort
from designer.validation.catalog import rule
from designer.validation.context import ValidationContext
from designer.validation.findings import Finding, Severity, error, warning
from designer.validation.index import TopologyIndex, parse_ip

# A container on these shares the host's stack or has none, so it can join nothing else.
EXCLUSIVE_KINDS = frozenset({"docker_host", "docker_none"})
# On these Docker discards published ports: there is no container address to DNAT to.
NO_PUBLISHING_KINDS = frozenset({"docker_host", "docker_none"})


@rule(
    "docker",
    (
        "docker.exclusive_network_shared",
        Severity.ERROR,
        "An instance on a Docker host or none network is on another network too.",
    ),
    (
        "docker.published_ports_ignored",
        Severity.WARNING,
        "An instance publishes ports but is only on networks that cannot publish them.",
    ),
)
def exclusive_networks(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    networks = index.networks
    ports_by_device = index.ports_by_device
    # Only an instance with several ports, or one that publishes ports, has anything to check.
    several = index.devices_with_several_ports
    candidates = (
        [i for i in index.document.instances if i.published_ports or i.id in several]
        if several
        else index.instances_publishing
    )
    for instance in candidates:
        ports = ports_by_device.get(instance.id)
        if not ports:
            continue  # Docker puts it on the default bridge
        if len(ports) == 1:
            if not instance.published_ports:
                continue
            distinct = [ports[0].network]
        else:
            distinct = list(dict.fromkeys(port.network for port in ports))
        kinds = [networks[n].kind for n in distinct]
        if len(distinct) > 1:
            exclusive = [
                n for n, kind in zip(distinct, kinds, strict=True) if kind in EXCLUSIVE_KINDS
            ]
            if exclusive:
                yield _shared(index, instance.id, exclusive[0], distinct)
        if instance.published_ports and all(kind in NO_PUBLISHING_KINDS for kind in kinds):
            yield warning(
                "docker.published_ports_ignored",
                [instance.id, *distinct],
                f"Instance {index.label(instance.id)} publishes ports but is only on "
                f"{', '.join(index.label(n) for n in distinct)}, where Docker ignores published "
                "ports: put it on a bridge network or remove the published ports.",
                ports=[p.host_port for p in instance.published_ports],
            )


def _shared(index: TopologyIndex, instance_id: str, exclusive: str, distinct: list[str]) -> Finding:
    kind = "host" if index.networks[exclusive].kind == "docker_host" else "none"
    others = [n for n in distinct if n != exclusive]
    return error(
        "docker.exclusive_network_shared",
        [instance_id, *distinct],
        f"Instance {index.label(instance_id)} is on Docker {kind} network "
        f"{index.label(exclusive)} and also on {', '.join(index.label(n) for n in others)}: a "
        "container on a host or none network can join no other network, so remove its other "
        "ports or move it to a bridge network.",
        network=exclusive,
    )


def _wildcard(port: PublishedPort) -> bool:
    if port.host_ip is None:
        return True
    address = parse_ip(port.host_ip)
    return address is not None and address.is_unspecified


@rule(
    "docker",
    (
        "docker.host_port_conflict",
        Severity.ERROR,
        "Two published ports use the same host port and protocol on one host.",
    ),
)
def host_port_conflicts(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    """Instances with no host pinned all land on the same default host, so they share ports."""
    # (host, protocol, host port) -> (instance, host address or None for every address)
    bound: dict[tuple[str | None, str, int], list[tuple[str, str | None]]] = defaultdict(list)
    for instance in index.instances_publishing:
        for published in instance.published_ports:
            address = None
            if not _wildcard(published):
                parsed = parse_ip(published.host_ip)
                address = str(parsed) if parsed is not None else published.host_ip
            key = (instance.host, published.protocol, published.host_port)
            bound[key].append((instance.id, address))
    for (host, protocol, host_port), users in bound.items():
        if len(users) < 2:
            continue
        if any(address is None for _, address in users):
            clashing = users  # every address includes each specific one
        else:
            per_address: dict[str | None, int] = defaultdict(int)
            for _, address in users:
                per_address[address] += 1
            clashing = [(i, a) for i, a in users if per_address[a] > 1]
        if not clashing:
            continue
        instances = list(dict.fromkeys(instance_id for instance_id, _ in clashing))
        where = f"host '{host}'" if host is not None else "the default host"
        yield error(
            "docker.host_port_conflict",
            instances,
            f"Host port {host_port}/{protocol} on {where} is published more than once, by "
            f"{', '.join(index.label(i) for i in instances)}: give each a different host port "
            "or host address.",
            host=host,
            protocol=protocol,
            host_port=host_port,
        )


@rule(
    "docker",
    (
        "docker.macvlan_without_parent",
        Severity.ERROR,
        "A Docker macvlan network has no parent physical network.",
    ),
    (
        "docker.macvlan_parent_missing",
        Severity.ERROR,
        "An instance's host does not have the physical network its macvlan network needs.",
    ),
)
def macvlan_parents(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    macvlans = {n.id: n for n in index.document.networks if isinstance(n, DockerMacvlanNetwork)}
    if not macvlans:
        return
    for network in macvlans.values():
        if network.parent is None:
            yield error(
                "docker.macvlan_without_parent",
                [network.id],
                f"Macvlan network {index.label(network.id)} has no parent: set the physical "
                "network whose host interface it hangs off.",
            )
    hosts = context.hosts
    if hosts is None:
        return
    seen: set[tuple[str, str]] = set()
    for network_id, network in macvlans.items():
        parent = network.parent
        if parent is None:
            continue
        for port in index.ports_by_network.get(network_id, ()):
            instance = index.instances.get(port.device) if port.device else None
            # An unplaced instance or an unknown host is not judged here.
            if instance is None or instance.host is None or instance.host not in hosts:
                continue
            if parent in hosts[instance.host].physical_networks:
                continue
            if (instance.id, network_id) in seen:
                continue
            seen.add((instance.id, network_id))
            yield error(
                "docker.macvlan_parent_missing",
                [instance.id, network_id],
                f"Instance {index.label(instance.id)} is on macvlan network "
                f"{index.label(network_id)}, whose parent physical network '{parent}' host "
                f"'{instance.host}' does not have: move the instance to a host with "
                f"'{parent}' or change the parent.",
                host=instance.host,
                physical_network=parent,
            )


@rule(
    "docker",
    (
        "docker.dns_name_ambiguous",
        Severity.ERROR,
        "Two instances with the same name are on one user-defined bridge with DNS.",
    ),
)
def dns_names(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    bridges = [
        n for n in index.document.networks if isinstance(n, DockerUserBridgeNetwork) and n.dns
    ]
    for network in bridges:
        # DNS names are case-insensitive.
        by_name: dict[str, list[str]] = defaultdict(list)
        for port in index.ports_by_network.get(network.id, ()):
            instance = index.instances.get(port.device) if port.device else None
            if instance is None or not instance.name:
                continue
            named = by_name[instance.name.lower()]
            if instance.id not in named:
                named.append(instance.id)
        for name, instances in by_name.items():
            if len(instances) > 1:
                ids = ", ".join("'" + i + "'" for i in instances)
                yield error(
                    "docker.dns_name_ambiguous",
                    [network.id, *instances],
                    f"Instances {ids} are all named {index.label(instances[0])} on network "
                    f"{index.label(network.id)}, so its DNS cannot tell them apart: give each "
                    "instance its own name.",
                    name=name,
                )

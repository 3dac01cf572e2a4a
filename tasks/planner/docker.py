"""Docker networks in the host's own namespace, as Docker builds them.

A `bridge` or user-defined bridge network gets its subnet's gateway address on its bridge and
MASQUERADE for the subnet out of anything but the bridge (none for an internal network, which
also may not leave its bridge). A user-defined bridge answers its containers' names with a
dnsmasq on the bridge. An isolation chain hooked from FORWARD drops traffic between two of the
deployment's Docker bridges and between the deployment and any other Netloom deployment.
Published ports are DNAT from the host port to the container.
"""

from __future__ import annotations

from itertools import permutations

from designer.spec.elements import Instance, Network, PublishedPort
from tasks.planner.allocation import with_prefix
from tasks.planner.context import PlanContext
from tasks.planner.index import DOCKER_BRIDGE_KINDS, IPAddress, parse_ip
from tasks.planner.names import ROOT, dns_label
from tasks.planner.state import Address, Dnsmasq, Rule

# Matches the interfaces of every Netloom deployment (their names all start with the root).
ANY_DEPLOYMENT = f"{ROOT}+"
LOCAL_DESTINATION: Rule = ("-m", "addrtype", "--dst-type", "LOCAL")


def plan_docker_bridges(ctx: PlanContext) -> None:
    bridges_by_host: dict[str, list[tuple[str, Network]]] = {}
    for domain_id, hosts in ctx.domain_hosts.items():
        domain = ctx.index.domains[domain_id]
        if domain.network.kind not in DOCKER_BRIDGE_KINDS:
            continue
        bridge = ctx.bridge_name(domain)
        for host in sorted(hosts):
            _plan_bridge(ctx, domain.network, bridge, host)
            bridges_by_host.setdefault(host, []).append((bridge, domain.network))
    for host, bridges in sorted(bridges_by_host.items()):
        _isolation(ctx, host, bridges)


def _plan_bridge(ctx: PlanContext, network: Network, bridge: str, host: str) -> None:
    index = ctx.index
    internal = getattr(network, "internal", False)
    masquerade = []
    for subnet in index.subnets_by_network.get(network.id, []):
        cidr = index.subnet_ranges.get(subnet.id)
        gateway = index.gateway_of(subnet.id)
        if cidr is None:
            continue
        if gateway is not None and gateway in cidr:
            ctx.collector.add(
                host, Address(bridge, with_prefix(index, subnet.id, gateway), subnet.id)
            )
        if not internal and cidr.version == 4:
            masquerade.append(("-s", str(cidr), "!", "-o", bridge, "-j", "MASQUERADE"))
    if masquerade:
        chain = ctx.chain("masq")
        ctx.collector.rules(host, None, "nat", network.id, chain, masquerade)
        ctx.collector.hook(host, None, "nat", network.id, "POSTROUTING", ("-j", chain))
    if network.kind == "docker_user_bridge" and getattr(network, "dns", True):
        records = _records(ctx, network, host)
        ctx.collector.add(host, Dnsmasq(interface=bridge, owner=network.id, records=records))


def _records(ctx: PlanContext, network: Network, host: str) -> tuple[tuple[str, str], ...]:
    """(DNS label of the instance's name, address) for each container on the network here."""
    records = set()
    for port in ctx.index.ports.values():
        instance = ctx.index.instances.get(port.device or "")
        if port.network != network.id or instance is None:
            continue
        if ctx.placement.instances.get(instance.id) != host:
            continue
        label = dns_label(instance.name, instance.id)
        for _subnet_id, address in ctx.port_addresses(port.id):
            records.add((label, str(address)))
    return tuple(sorted(records))


def _isolation(ctx: PlanContext, host: str, bridges: list[tuple[str, Network]]) -> None:
    chain = ctx.chain("iso")
    rules: list[Rule] = []
    for bridge, network in bridges:
        if getattr(network, "internal", False):
            rules.append(("-i", bridge, "!", "-o", bridge, "-j", "DROP"))
            rules.append(("!", "-i", bridge, "-o", bridge, "-j", "DROP"))
    for (one, _), (other, _) in permutations(bridges, 2):
        rules.append(("-i", one, "-o", other, "-j", "DROP"))
    own = f"{ctx.prefix}+"
    rules.append(("-i", own, "-o", own, "-j", "RETURN"))
    rules.append(("-i", own, "-o", ANY_DEPLOYMENT, "-j", "DROP"))
    owner = min(network.id for _, network in bridges)
    ctx.collector.rules(host, None, "filter", owner, chain, rules)
    ctx.collector.hook(host, None, "filter", owner, "FORWARD", ("-j", chain))


def plan_published_ports(ctx: PlanContext) -> None:
    chain = ctx.chain("dnat")
    for instance in ctx.index.instances.values():
        host = ctx.placement.instances.get(instance.id)
        if host is None or not instance.published_ports:
            continue
        if ctx.instance_namespace(instance.id) is None or _on_host_network(ctx, instance):
            continue
        target = _published_address(ctx, instance)
        if target is None:
            ctx.collector.note(
                "plan.publish_without_address",
                f"instance {instance.id} publishes ports but has no IPv4 address to forward "
                "them to",
                (instance.id,),
                host,
            )
            continue
        rules = [_dnat(published, target) for published in instance.published_ports]
        ctx.collector.rules(host, None, "nat", instance.id, chain, rules)
        ctx.collector.hook(
            host, None, "nat", instance.id, "PREROUTING", (*LOCAL_DESTINATION, "-j", chain)
        )
        ctx.collector.hook(
            host,
            None,
            "nat",
            instance.id,
            "OUTPUT",
            ("!", "-d", "127.0.0.0/8", *LOCAL_DESTINATION, "-j", chain),
        )


def _dnat(published: PublishedPort, target: IPAddress) -> Rule:
    rule: Rule = ()
    host_ip = parse_ip(published.host_ip)
    if host_ip is not None:
        rule = ("-d", f"{host_ip}/{host_ip.max_prefixlen}")
    return (
        *rule,
        "-p",
        published.protocol,
        "--dport",
        str(published.host_port),
        "-j",
        "DNAT",
        "--to-destination",
        f"{target}:{published.container_port}",
    )


def _on_host_network(ctx: PlanContext, instance: Instance) -> bool:
    return any(
        ctx.index.networks[port.network].kind == "docker_host"
        for port in ctx.index.ports_by_device.get(instance.id, [])
    )


def _published_address(ctx: PlanContext, instance: Instance) -> IPAddress | None:
    """The container's address on its first Docker bridge that may leave its host, else its
    first IPv4 address on a network that may, else on an internal one."""
    candidates: list[tuple[int, IPAddress]] = []
    for port in ctx.index.ports_by_device.get(instance.id, []):
        network = ctx.index.networks[port.network]
        if network.kind in ("docker_none", "docker_host"):
            continue
        rank = (
            2
            if getattr(network, "internal", False)
            else int(network.kind not in DOCKER_BRIDGE_KINDS)
        )
        for _subnet_id, address in ctx.port_addresses(port.id):
            if address.version == 4:
                candidates.append((rank, address))
    if not candidates:
        return None
    return min(candidates, key=lambda item: item[0])[1]

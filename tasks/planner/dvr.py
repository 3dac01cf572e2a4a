"""Distributed routers (DVR): a copy of the router on every host with an instance on one of its
networks, routing east-west traffic and floating IPs where the traffic starts, and a central
SNAT on a networking node for everything else that leaves.

A copy is a router namespace with a veth onto each of the router's networks, holding the same
gateway addresses on every host, as Neutron's copies do. Instances reach only the copy on their
own host, and copies never learn of each other, because:

- each copy's ports have MACs of their own per host, so a bridge never sees one MAC in two
  places and an instance never sees a gateway MAC move;
- each copy has a permanent neighbour entry for every instance port on its subnets (and for
  the central SNAT), so it never asks by ARP, whose sender address would be the shared gateway;
- each host's bridges drop, on their VXLAN ports, ARP naming a gateway address (nftables,
  bridge family): a request for the gateway never leaves the host and no copy's answer enters.

The routed frames themselves do cross the tunnels, from the source host's copy's MAC, so they
are not filtered: with per-host MACs they confuse no bridge, and instances learn no neighbour
from them. Traffic between hosts is routed on the source host and carried on the destination
network's VXLAN, so it never passes a networking node. Nothing from a remote instance ever
reaches the copy's host on that network (its answers are routed by its own host's copy), so
the host would never learn where its MAC is and would flood every routed frame to every
tunnel, the networking node's included: the VXLAN devices get a permanent entry for each MAC
a copy sends to on another host (instances and the central SNAT), as Neutron's layer-2
population gives them.

Routing in a copy: its main table has the connected and static routes only. A rule sends
traffic from a floating IP's fixed address, served on this host, to a table whose default
route leaves by the copy's own port on the external network (where it holds the floating IP,
with DNAT in and SNAT out); a last rule sends everything else to a table whose default route
is the central SNAT's own address on the router's first subnet. Rules, rather than a plain
default route, because only the source tells a floating IP's traffic from the rest.

The central SNAT is a router namespace on a networking node with a port on each network (an
address of its own, never the gateway's) and the router's external gateway, doing SNAT for the
subnets; it answers instances directly on their networks. A floating IP whose instance's host
cannot reach the external network is served there instead, and the plan says so. IPv6
addresses of a distributed router are not planned (duplicate address detection would see the
copies as duplicates), and said so too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from designer.spec.elements import Router
from tasks.planner.allocation import mac_for, with_prefix
from tasks.planner.context import PlanContext
from tasks.planner.index import BRIDGELESS_KINDS, Domain, IPAddress, parse_ip, parse_network
from tasks.planner.names import interface_name, namespace_name
from tasks.planner.networks import gateway_domain, vnis
from tasks.planner.routers import (
    FORWARDING,
    FloatingIP,
    floating_ips_by_router,
    plan_gateway,
    plan_nat,
)
from tasks.planner.state import (
    Address,
    DistributedTunnels,
    HostState,
    Namespace,
    PolicyRouting,
    Route,
    Veth,
)

# A copy forwards, keeps its other floating IPs when the first goes, and never redirects an
# instance to the central SNAT (whose address is on the instance's own subnet).
COPY_SYSCTLS = (
    *FORWARDING,
    ("net.ipv4.conf.all.promote_secondaries", "1"),
    ("net.ipv4.conf.all.send_redirects", "0"),
    ("net.ipv4.conf.default.send_redirects", "0"),
)
# Rules after the main table's (32766) and the default table's (32767).
FLOATING_RULE = 40000
CENTRAL_RULE = 50000
FLOATING_TABLE = 100
CENTRAL_TABLE = 101
EVERYWHERE = "0.0.0.0/0"

DistributedObjects = dict[str, list[PolicyRouting | DistributedTunnels]]


@dataclass
class _Tunnels:
    """What the copies on one host need of its tunnels, gathered over the routers."""

    owners: set[str] = field(default_factory=set)
    drops: set[tuple[str, str]] = field(default_factory=set)
    forwards: set[tuple[str, str, str]] = field(default_factory=set)


def snat_namespace(prefix: str, host: str, router_id: str) -> str:
    """The central SNAT's namespace: apart from a copy on the same host."""
    return namespace_name(prefix, "router", host, f"{router_id}\x00snat")


def add_distributed_domain_hosts(ctx: PlanContext) -> None:
    """The external network's bridge where a distributed router needs it: on its central
    SNAT's host, and on each host whose copy serves floating IPs."""
    for router_id in sorted(ctx.placement.distributed):
        gateway = ctx.index.routers[router_id].external_gateway
        if gateway is None or gateway.network not in ctx.index.networks:
            continue
        domain = gateway_domain(ctx, router_id)
        if domain.network.kind in BRIDGELESS_KINDS:
            continue
        local, _central = split_floating_ips(ctx, router_id)
        snat = ctx.placement.central_snat.get(router_id)
        for host in [*local, *([snat] if snat else [])]:
            ctx.domain_hosts.setdefault(domain.id, set()).add(host)
    ctx.domain_hosts = dict(sorted(ctx.domain_hosts.items()))


def split_floating_ips(
    ctx: PlanContext, router_id: str
) -> tuple[dict[str, list[FloatingIP]], list[FloatingIP]]:
    """A distributed router's floating IPs: by the host whose copy serves them (the
    instance's, when it reaches the external network), and those the central SNAT serves."""
    local: dict[str, list[FloatingIP]] = {}
    central: list[FloatingIP] = []
    fips = floating_ips_by_router(ctx).get(router_id, [])
    if not fips:
        return local, central
    domain = gateway_domain(ctx, router_id)
    for fip in sorted(fips, key=lambda found: found.id):
        port = ctx.index.ports[ctx.index.floating_ips[fip.id].port or ""]
        host = ctx.placement.instances.get(port.device or "")
        if host is not None and _reaches(ctx, domain, host):
            local.setdefault(host, []).append(fip)
        elif router_id in ctx.placement.central_snat:
            ctx.collector.note(
                "plan.distributed_floating_ip_central",
                f"host {host} cannot reach external network {domain.network.id}; floating IP "
                f"{fip.id} of distributed router {router_id} is served by its central SNAT",
                (fip.id, router_id),
                host,
            )
            central.append(fip)
        else:
            ctx.collector.note(
                "plan.floating_ip_unrouted",
                f"host {host} cannot reach external network {domain.network.id} and "
                f"distributed router {router_id} has no central SNAT; floating IP {fip.id} is "
                "not realised",
                (fip.id, router_id),
                host,
            )
    return local, central


def _reaches(ctx: PlanContext, domain: Domain, host: str) -> bool:
    """Whether `host` can carry the external network `domain`."""
    facts = ctx.hosts[host]
    if domain.physical is None:
        return domain.network.kind not in BRIDGELESS_KINDS and facts.tunnel_address is not None
    physnet, network_type, vlan_id = domain.physical
    if network_type == "flat":
        return physnet in facts.physical_networks
    return (facts.vlan_devices and physnet in facts.physical_networks) or (
        vlan_id is not None and (physnet, vlan_id) in facts.vlan_segments
    )


def plan_distributed_routers(ctx: PlanContext) -> DistributedObjects:
    """Each distributed router's central SNAT and copies (their plain objects go to the
    collector); the copies' policy routing and what each host needs of its tunnels, by host."""
    found: DistributedObjects = defaultdict(list)
    tunnels: dict[str, _Tunnels] = defaultdict(_Tunnels)
    allocation = ctx.allocation
    used = {*allocation.macs.values(), *allocation.gateway_macs.values()}
    used |= set(allocation.snat_macs.values())
    for router_id, hosts in sorted(ctx.placement.distributed.items()):
        router = ctx.index.routers[router_id]
        local, central = split_floating_ips(ctx, router_id)
        snat = _central_snat(ctx, router, central)
        for host in hosts:
            copy = _copy(ctx, router, host, local.get(host, []), snat, used, tunnels[host])
            found[host].append(copy)
    for host, needs in sorted(tunnels.items()):
        if needs.drops or needs.forwards:
            found[host].append(
                DistributedTunnels(
                    min(needs.owners),
                    None,
                    tuple(sorted(needs.drops)),
                    tuple(sorted(needs.forwards)),
                )
            )
    return dict(found)


def with_distributed(
    states: dict[str, HostState], objects: DistributedObjects
) -> dict[str, HostState]:
    """The host states with the distributed routers' policy routing and tunnel needs."""
    out = dict(states)
    for host, extra in objects.items():
        policies = [obj for obj in extra if isinstance(obj, PolicyRouting)]
        filters = [obj for obj in extra if isinstance(obj, DistributedTunnels)]
        out[host] = replace(
            out[host],
            policy_routings=tuple(sorted(policies, key=lambda obj: obj.key)),
            distributed_tunnels=tuple(sorted(filters, key=lambda obj: obj.key)),
        )
    return out


def _static_routes(ctx: PlanContext, router: Router, host: str, namespace: str) -> None:
    for static in router.routes:
        network = parse_network(static.destination)
        if network is None or parse_ip(static.nexthop) is None:
            ctx.collector.note(
                "plan.bad_address",
                f"router {router.id} has a static route that does not parse; it is not planned",
                (router.id,),
                host,
            )
            continue
        destination = "default" if network.prefixlen == 0 else str(network)
        ctx.collector.add(host, Route(destination, router.id, namespace, gateway=static.nexthop))


def _central_snat(
    ctx: PlanContext, router: Router, fips: list[FloatingIP]
) -> dict[str, tuple[IPAddress, str]] | None:
    """The central SNAT's namespace, ports, external gateway and NAT rules; subnet id -> its
    (address, MAC) there. None without one."""
    host = ctx.placement.central_snat.get(router.id)
    if host is None:
        return None
    index, collector = ctx.index, ctx.collector
    namespace = snat_namespace(ctx.prefix, host, router.id)
    collector.add(host, Namespace(namespace, "router", router.id, sysctls=FORWARDING))
    addresses = dict(ctx.allocation.snat.get(router.id, ()))
    found: dict[str, tuple[IPAddress, str]] = {}
    for port in index.ports_by_device.get(router.id, []):
        mac = ctx.allocation.snat_macs[port.id]
        inside, _ = ctx.port_veth(port, host, namespace, mac, "snat")
        for subnet_id, _gateway in ctx.port_addresses(port.id):
            if subnet_id in addresses:
                cidr = with_prefix(index, subnet_id, addresses[subnet_id])
                collector.add(host, Address(inside, cidr, port.id, namespace))
                found[subnet_id] = (addresses[subnet_id], mac)
    _static_routes(ctx, router, host, namespace)
    gateway = plan_gateway(ctx, router, host, namespace, None)
    if gateway is not None:
        port_name, address = gateway
        for fip in fips:
            collector.add(host, Address(port_name, f"{fip.address}/32", fip.id, namespace))
        plan_nat(ctx, router, host, namespace, port_name, address, sorted(found), fips)
    return found


def _copy(
    ctx: PlanContext,
    router: Router,
    host: str,
    fips: list[FloatingIP],
    snat: dict[str, tuple[IPAddress, str]] | None,
    used: set[str],
    tunnels: _Tunnels,
) -> PolicyRouting:
    """The router's copy on `host`: its namespace, ports and routes (to the collector), what
    it needs of the host's tunnels (into `tunnels`), and its policy routing."""
    index, collector = ctx.index, ctx.collector
    namespace = ctx.router_namespace(router.id, host)
    collector.add(host, Namespace(namespace, "router", router.id, sysctls=COPY_SYSCTLS))
    devices: dict[str, str] = {}
    tunnel_of: dict[str, str | None] = {}
    tunnels.owners.add(router.id)
    for port in index.ports_by_device.get(router.id, []):
        mac = mac_for(f"{port.id}\x00{host}", used)
        inside, domain = ctx.port_veth(port, host, namespace, mac)
        tunnel = _tunnel(ctx, domain.network.id, host)
        for subnet_id, address in ctx.port_addresses(port.id):
            if address.version != 4:
                collector.note(
                    "plan.distributed_ipv6",
                    f"distributed router {router.id} routes IPv4 only; its address {address} "
                    "is not planned",
                    (router.id, port.id),
                    host,
                )
                continue
            cidr = with_prefix(index, subnet_id, address)
            collector.add(host, Address(inside, cidr, port.id, namespace))
            devices[subnet_id] = inside
            tunnel_of[subnet_id] = tunnel
            if tunnel is not None:
                tunnels.drops.add((tunnel, str(address)))
    _static_routes(ctx, router, host, namespace)

    neighbours = set()
    for port in index.ports.values():
        if port.device not in index.instances or port.device not in ctx.placement.instances:
            continue
        where = ctx.placement.instances[port.device]
        for subnet_id, address in ctx.port_addresses(port.id):
            if subnet_id in devices and address.version == 4:
                mac = ctx.allocation.macs[port.id].lower()
                neighbours.add((devices[subnet_id], str(address), mac))
                _forward(ctx, tunnels, host, where, tunnel_of[subnet_id], mac)
    rules: list[tuple[int, str, int]] = []
    routes: list[tuple[int, str, str | None, str]] = []
    central = [(s, found) for s, found in (snat or {}).items() if s in devices]
    snat_host = ctx.placement.central_snat.get(router.id)
    for subnet_id, (address, mac) in central:
        neighbours.add((devices[subnet_id], str(address), mac))
        if snat_host is not None:
            _forward(ctx, tunnels, host, snat_host, tunnel_of[subnet_id], mac)
    if central:
        subnet_id, (address, _mac) = central[0]
        rules.append((CENTRAL_RULE, EVERYWHERE, CENTRAL_TABLE))
        routes.append((CENTRAL_TABLE, EVERYWHERE, str(address), devices[subnet_id]))
    if fips:
        upstream = _floating_gateway(ctx, router, host, namespace, fips, used)
        if upstream is not None:
            device, gateway = upstream
            rules += [(FLOATING_RULE, f"{fip.fixed}/32", FLOATING_TABLE) for fip in fips]
            routes.append((FLOATING_TABLE, EVERYWHERE, gateway, device))
            plan_nat(ctx, router, host, namespace, device, fips[0].address, [], fips)
    return PolicyRouting(
        namespace,
        router.id,
        tuple(sorted(neighbours)),
        tuple(sorted(rules)),
        tuple(sorted(routes, key=str)),
    )


def _tunnel(ctx: PlanContext, network_id: str, host: str) -> str | None:
    """The VXLAN device carrying a network on `host`; None where it has none (GRE, no VNI,
    no underlay address: see networks.py)."""
    network = ctx.index.networks[network_id]
    if (
        network_id not in vnis(ctx)
        or getattr(network, "tunnel_type", "vxlan") == "gre"
        or ctx.hosts[host].tunnel_address is None
    ):
        return None
    return interface_name(ctx.prefix, "vxlan", network_id)


def _forward(
    ctx: PlanContext, tunnels: _Tunnels, host: str, where: str, tunnel: str | None, mac: str
) -> None:
    """A forwarding entry on `host`'s `tunnel` for a MAC on host `where`, unless it is
    local or the network has no tunnel between them."""
    remote = ctx.hosts[where].tunnel_address
    if where != host and remote is not None and tunnel is not None:
        tunnels.forwards.add((tunnel, mac, remote))


def _floating_gateway(
    ctx: PlanContext,
    router: Router,
    host: str,
    namespace: str,
    fips: list[FloatingIP],
    used: set[str],
) -> tuple[str, str] | None:
    """The copy's port on the external network holding the floating IPs it serves; (its
    name, the external subnet's gateway) or None (noted) without a gateway to leave by."""
    index = ctx.index
    domain = gateway_domain(ctx, router.id)
    inside = interface_name(ctx.prefix, "gateway", router.id, host, "floating")
    ctx.collector.add(
        host,
        Veth(
            name=interface_name(ctx.prefix, "gateway_tap", router.id, host, "floating"),
            peer=inside,
            owner=router.id,
            peer_namespace=namespace,
            master=ctx.bridge_name(domain),
            peer_mac=mac_for(f"{router.id}\x00floating\x00{host}", used),
            mtu=domain.network.mtu,
        ),
    )
    upstream = None
    for fip in fips:
        subnet_id, address = ctx.allocation.floating_ips[fip.id]
        cidr = with_prefix(index, subnet_id, address)
        ctx.collector.add(host, Address(inside, cidr, fip.id, namespace))
        upstream = upstream or index.gateway_of(subnet_id)
    if upstream is None:
        ctx.collector.note(
            "plan.gateway_without_address",
            f"the external subnet of distributed router {router.id}'s floating IPs has no "
            "gateway; they are not routed out",
            (router.id,),
            host,
        )
        return None
    return inside, str(upstream)

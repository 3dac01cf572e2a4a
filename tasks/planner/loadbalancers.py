"""Load balancers: each in a namespace of its own on a networking node, with a veth onto its
VIP subnet's bridge (as a DHCP server's port is made), the VIP as its address, a default route
through the subnet's gateway towards members on other subnets, and forwarding on.

Where the host's kernel has IPVS, a keepalived virtual server spreads connections and checks
the members; elsewhere an nft table DNATs the VIP's port to the members by `numgen`, and a
checker process of the driver's takes failed members out of the table. The plan says which
(`realisation`). The VIP is the design's, or the first free address of its subnet once every
port, DHCP server, gateway and floating IP has had its own.

A load balancer runs on its listed host, or on the networking node with the fewest load
balancers. Its namespace is named like a router's: the load balancer's id, unique across the
document, keeps the two apart.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from designer.spec.elements import LoadBalancer
from tasks.planner.allocation import pool_addresses, pools_of
from tasks.planner.context import PlanContext
from tasks.planner.index import BRIDGELESS_KINDS, IPAddress, parse_ip
from tasks.planner.names import interface_name, namespace_name
from tasks.planner.state import (
    Address,
    BalancerCheck,
    BalancerMember,
    HostState,
    Namespace,
    Route,
    Veth,
)
from tasks.planner.state import LoadBalancer as Balancer

# Forwarding on, and no ICMP redirects: the namespace sends a member's traffic out by the
# interface it came in on, and a redirect would tell the client to go to the member itself.
SYSCTLS = (
    ("net.ipv4.conf.all.send_redirects", "0"),
    ("net.ipv4.conf.default.send_redirects", "0"),
    ("net.ipv4.ip_forward", "1"),
)


@dataclass(frozen=True)
class PlacedBalancer:
    balancer: LoadBalancer
    host: str
    vip: IPAddress


def place_load_balancers(
    ctx: PlanContext, balancers: Sequence[LoadBalancer]
) -> list[PlacedBalancer]:
    """Where each load balancer runs and its VIP; the hosts that run one need its VIP
    subnet's bridge (added to `ctx.domain_hosts`, so call this before the domains are
    planned)."""
    networking = sorted(name for name, host in ctx.hosts.items() if host.is_networking_node)
    load: Counter[str] = Counter()
    vips = _vips(ctx, balancers)
    placed = []
    for balancer in sorted(balancers, key=lambda b: b.id):
        vip = vips.get(balancer.id)
        subnet = ctx.index.subnets.get(balancer.subnet)
        if vip is None or subnet is None:
            continue
        host = _host(ctx, balancer, networking, load)
        if host is None:
            continue
        load[host] += 1
        domain = ctx.index.domain_of_subnet(subnet)
        if domain.network.kind in BRIDGELESS_KINDS:
            ctx.collector.note(
                "plan.lb_no_bridge",
                f"load balancer {balancer.id}'s subnet is on a {domain.network.kind} network, "
                "which has no bridge to join; it is not realised",
                (balancer.id,),
            )
            continue
        ctx.domain_hosts.setdefault(domain.id, set()).add(host)
        placed.append(PlacedBalancer(balancer, host, vip))
    return placed


def _host(
    ctx: PlanContext, balancer: LoadBalancer, networking: list[str], load: Counter[str]
) -> str | None:
    if balancer.hosts:
        if balancer.hosts[0] in ctx.hosts:
            return balancer.hosts[0]
        ctx.collector.note(
            "plan.unknown_host",
            f"load balancer {balancer.id} is to run on host {balancer.hosts[0]}, which is not "
            "available; it is not planned",
            (balancer.id,),
        )
        return None
    if not networking:
        ctx.collector.note(
            "plan.no_network_host",
            f"no networking node can run load balancer {balancer.id}",
            (balancer.id,),
        )
        return None
    return min(networking, key=lambda name: (load[name], name))


def _vips(ctx: PlanContext, balancers: Sequence[LoadBalancer]) -> dict[str, IPAddress]:
    """Load balancer id -> its VIP: the design's, else the first address of its subnet that
    nothing else has, in id order."""
    index = ctx.index
    allocation = ctx.allocation
    taken: set[tuple[str, IPAddress]] = {
        pair for addresses in allocation.ports.values() for pair in addresses
    }
    taken |= {pair for addresses in allocation.gateways.values() for pair in addresses}
    taken |= set(allocation.floating_ips.values())
    taken |= set(allocation.dhcp.items())
    for subnet_id in index.subnets:
        gateway = index.gateway_of(subnet_id)
        if gateway is not None:
            taken.add((subnet_id, gateway))
    chosen: dict[str, IPAddress] = {}
    open_balancers = []
    for balancer in sorted(balancers, key=lambda b: b.id):
        cidr = index.subnet_ranges.get(balancer.subnet)
        if cidr is None or cidr.version != 4:
            ctx.collector.note(
                "plan.bad_address",
                f"load balancer {balancer.id}'s subnet {balancer.subnet} has no IPv4 CIDR; it "
                "is not realised",
                (balancer.id, balancer.subnet),
            )
            continue
        if balancer.vip_address is None:
            open_balancers.append(balancer)
            continue
        address = parse_ip(balancer.vip_address)
        if address is None or address not in cidr:
            ctx.collector.note(
                "plan.bad_address",
                f"load balancer {balancer.id}: {balancer.vip_address} is not an address of "
                f"subnet {balancer.subnet}; it is not realised",
                (balancer.id, balancer.subnet),
            )
            continue
        if (balancer.subnet, address) in taken:
            ctx.collector.note(
                "plan.lb_vip_taken",
                f"load balancer {balancer.id}: {address} is already another element's address "
                f"on subnet {balancer.subnet}; it is not realised",
                (balancer.id, balancer.subnet),
            )
            continue
        chosen[balancer.id] = address
        taken.add((balancer.subnet, address))
    for balancer in open_balancers:
        subnet = index.subnets[balancer.subnet]
        free = _first_free(pools_of(subnet, index.subnet_ranges[subnet.id]), subnet.id, taken)
        if free is None:
            ctx.collector.note(
                "plan.pool_exhausted",
                f"load balancer {balancer.id}: subnet {balancer.subnet} has no free address left",
                (balancer.id, balancer.subnet),
            )
            continue
        chosen[balancer.id] = free
        taken.add((subnet.id, free))
    return chosen


def _first_free(
    pools: list[tuple[IPAddress, IPAddress]], subnet_id: str, taken: set[tuple[str, IPAddress]]
) -> IPAddress | None:
    return next((a for a in pool_addresses(pools) if (subnet_id, a) not in taken), None)


def plan_load_balancers(
    ctx: PlanContext, placed: list[PlacedBalancer]
) -> dict[str, list[Balancer]]:
    """The namespace, veth, address and route of each placed load balancer (added to the
    collector), and its LoadBalancer object per host (returned: `with_load_balancers` puts
    them into the host states)."""
    out: dict[str, list[Balancer]] = {}
    for entry in placed:
        obj = _plan_one(ctx, entry)
        if obj is not None:
            out.setdefault(entry.host, []).append(obj)
    return out


def balancer_namespace(prefix: str, host: str, balancer_id: str) -> str:
    return namespace_name(prefix, "router", host, balancer_id)


def _plan_one(ctx: PlanContext, entry: PlacedBalancer) -> Balancer | None:
    index = ctx.index
    balancer, host = entry.balancer, entry.host
    subnet = index.subnets[balancer.subnet]
    domain = index.domain_of_subnet(subnet)
    cidr = index.subnet_ranges[subnet.id]
    ipvs = ctx.hosts[host].ipvs
    namespace = balancer_namespace(ctx.prefix, host, balancer.id)
    inside = interface_name(ctx.prefix, "port", "lb", balancer.id, host)
    ctx.collector.add(
        host,
        Namespace(namespace, "balancer", balancer.id, sysctls=SYSCTLS),
        Veth(
            name=interface_name(ctx.prefix, "tap", "lb", balancer.id, host),
            peer=inside,
            owner=balancer.id,
            peer_namespace=namespace,
            master=ctx.bridge_name(domain),
            mtu=domain.network.mtu,
        ),
        Address(
            inside,
            str(ipaddress.ip_interface(f"{entry.vip}/{cidr.prefixlen}")),
            balancer.id,
            namespace,
        ),
    )
    gateway = index.gateway_of(subnet.id)
    if gateway is not None and gateway != entry.vip and gateway in cidr:
        ctx.collector.add(
            host, Route("default", balancer.id, namespace, gateway=str(gateway), device=inside)
        )
    members = _members(ctx, balancer)
    check = balancer.health_check
    return Balancer(
        owner=balancer.id,
        namespace=namespace,
        realisation="ipvs" if ipvs else "nftables",
        table=ctx.chain("lb"),
        vip=str(entry.vip),
        port=balancer.port,
        algorithm=balancer.algorithm,
        members=members,
        check=BalancerCheck(
            type=check.type,
            interval_ms=round(check.interval * 1000),
            timeout_ms=round(check.timeout * 1000),
            rise=check.rise,
            fall=check.fall,
            http_path=check.http_path,
        ),
    )


def _members(ctx: PlanContext, balancer: LoadBalancer) -> tuple[BalancerMember, ...]:
    """Each member's address: its instance's IPv4 address on the VIP's subnet, else on a
    subnet a router of the VIP's subnet has an interface on, else its first IPv4 address."""
    index = ctx.index
    near = _subnets_one_router_away(ctx, balancer.subnet)
    found: dict[str, BalancerMember] = {}
    for member in balancer.members:
        member_id = f"{member.instance}:{member.port}"
        if member_id in found:
            continue
        if member.instance not in ctx.placement.instances:
            ctx.collector.note(
                "plan.lb_member_not_placed",
                f"load balancer {balancer.id}'s member {member.instance} does not run; it is "
                "left out",
                (balancer.id, member.instance),
            )
            continue
        addresses = [
            (subnet_id, address)
            for port in index.ports_by_device.get(member.instance, [])
            for subnet_id, address in ctx.port_addresses(port.id)
            if address.version == 4
        ]
        ranked = sorted(
            addresses,
            key=lambda pair: (pair[0] != balancer.subnet, pair[0] not in near),
        )
        if not ranked:
            ctx.collector.note(
                "plan.lb_member_without_address",
                f"load balancer {balancer.id}'s member {member.instance} has no IPv4 address; "
                "it is left out",
                (balancer.id, member.instance),
            )
            continue
        found[member_id] = BalancerMember(member_id, str(ranked[0][1]), member.port, member.weight)
    return tuple(found.values())


def _subnets_one_router_away(ctx: PlanContext, subnet_id: str) -> set[str]:
    index = ctx.index
    near: set[str] = set()
    for router_id in index.routers:
        subnets = {
            fixed_subnet
            for port in index.ports_by_device.get(router_id, [])
            for fixed_subnet, _address in ctx.port_addresses(port.id)
        }
        if subnet_id in subnets:
            near |= subnets
    return near


def with_load_balancers(
    states: dict[str, HostState], balancers: dict[str, list[Balancer]]
) -> dict[str, HostState]:
    """The host states with each host's load balancers, sorted by key."""
    return {
        host: replace(
            state,
            load_balancers=tuple(sorted(balancers.get(host, []), key=lambda obj: obj.key)),
        )
        for host, state in states.items()
    }

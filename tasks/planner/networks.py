"""Layer 2 on each host: which hosts need each domain (network or segment), its bridge there,
and what carries it between hosts.

A provider flat domain attaches the host's physical interface to the bridge. A provider VLAN
domain uses an 802.1Q sub-interface where the kernel has them, else the lab fabric's segment
interface for that VLAN, else a note. A self-service or Docker overlay network gets a VXLAN
device with one VNI per network; its flooding remotes are the other hosts carrying the network
(dynamic tunnels) or every other host of the plan (static, a full mesh). GRE cannot be
carried: the kernel has no GRE, so the plan says so and keeps the network host-local.
"""

from __future__ import annotations

import hashlib
import ipaddress

from tasks.planner.allocation import bridge_mac
from tasks.planner.context import PlanContext
from tasks.planner.index import BRIDGELESS_KINDS, Domain, PlanIndex
from tasks.planner.names import interface_name
from tasks.planner.state import Attachment, Bridge, Vlan, Vxlan

# Allocated VNIs lie in the upper part of the range, above the ids people usually type.
VNI_BASE = 2**20
MAX_VNI = 2**24 - 1
OVERLAY_KINDS = frozenset({"self_service", "docker_overlay"})


def domain_hosts(ctx: PlanContext) -> dict[str, set[str]]:
    """Domain id -> the hosts with a port, router interface, gateway or DHCP server on it."""
    index = ctx.index
    needed: dict[str, set[str]] = {}

    def need(domain: Domain, host: str) -> None:
        if domain.network.kind not in BRIDGELESS_KINDS:
            needed.setdefault(domain.id, set()).add(host)

    for port in index.ports.values():
        for host in ctx.hosts_of_device(port.device):
            need(index.domain_of_port(port), host)
    routers = [(r, (host,)) for r, host in ctx.placement.routers.items()]
    for router_id, hosts in [*routers, *ctx.placement.ha_routers.items()]:
        gateway = index.routers[router_id].external_gateway
        if gateway is not None and gateway.network in index.networks:
            for host in hosts:
                need(gateway_domain(ctx, router_id), host)
    for domain_id, host in ctx.placement.dhcp.items():
        need(index.domains[domain_id], host)
    return dict(sorted(needed.items()))


def gateway_domain(ctx: PlanContext, router_id: str) -> Domain:
    """The domain of a router's external gateway: its first address's segment, or its network."""
    gateway = ctx.index.routers[router_id].external_gateway
    assert gateway is not None
    for subnet_id, _address in ctx.allocation.gateways.get(router_id, ()):
        return ctx.index.domain_of_subnet(ctx.index.subnets[subnet_id])
    return ctx.index.domains[gateway.network]


def vnis(ctx: PlanContext) -> dict[str, int]:
    """Network id -> VNI, for the overlay networks: the design's, else one derived from the
    deployment and the network's id, so it stays the same when other networks come and go and
    two topologies rarely pick the same (a clash within the plan moves to the next free one)."""
    index: PlanIndex = ctx.index
    chosen: dict[str, int] = {}
    open_networks = []
    for network in index.networks.values():
        if network.kind not in OVERLAY_KINDS:
            continue
        vni = getattr(network, "vni", None)
        if vni is None:
            open_networks.append(network.id)
        elif 1 <= vni <= MAX_VNI:
            chosen[network.id] = vni
        else:
            ctx.collector.note(
                "plan.bad_vni",
                f"network {network.id} has VNI {vni}, outside 1-{MAX_VNI}; it is not carried "
                "between hosts",
                (network.id,),
            )
    used = set(chosen.values())
    for network_id in sorted(open_networks):
        chosen[network_id] = derived_vni(ctx, network_id, used)
        used.add(chosen[network_id])
    return chosen


def derived_vni(ctx: PlanContext, seed: str, used: set[int]) -> int:
    """A VNI in the allocated range derived from the deployment and `seed`, not one in
    `used` (a clash moves to the next free one)."""
    span = MAX_VNI - VNI_BASE + 1
    digest = hashlib.blake2b(f"{ctx.prefix}\x00{seed}".encode(), digest_size=8)
    offset = int.from_bytes(digest.digest(), "big") % span
    while VNI_BASE + offset in used:
        offset = (offset + 1) % span
    return VNI_BASE + offset


def plan_domains(ctx: PlanContext) -> None:
    network_vnis = vnis(ctx)
    for domain_id, hosts in ctx.domain_hosts.items():
        domain = ctx.index.domains[domain_id]
        for host in sorted(hosts):
            bridge = ctx.bridge_name(domain)
            mac = bridge_mac(host, bridge)
            ctx.collector.add(host, Bridge(bridge, domain.id, mtu=domain.network.mtu, mac=mac))
            if domain.physical is not None:
                _physical_carrier(ctx, domain, host, bridge)
            elif domain.network.kind in OVERLAY_KINDS:
                _tunnel(ctx, domain, host, bridge, network_vnis.get(domain.network.id))


def _physical_carrier(ctx: PlanContext, domain: Domain, host: str, bridge: str) -> None:
    assert domain.physical is not None
    physnet, network_type, vlan_id = domain.physical
    facts = ctx.hosts[host]
    interface = facts.physical_networks.get(physnet)
    if network_type == "flat":
        if interface is None:
            _no_physical_network(ctx, domain, host, physnet)
        else:
            ctx.collector.add(host, Attachment(interface, bridge, domain.id))
        return
    if vlan_id is None or not 1 <= vlan_id <= 4094:
        ctx.collector.note(
            "plan.no_vlan_id",
            f"{domain.id} is a VLAN network without a VLAN id in 1-4094; it is not carried",
            (domain.id,),
            host,
        )
        return
    segment = facts.vlan_segments.get((physnet, vlan_id))
    if facts.vlan_devices and interface is not None:
        name = interface_name(ctx.prefix, "vlan", physnet, str(vlan_id))
        ctx.collector.add(host, Vlan(name, interface, vlan_id, bridge, domain.id))
    elif segment is not None:
        ctx.collector.note(
            "plan.vlan_segment",
            f"host {host} has no 802.1Q: VLAN {vlan_id} of {physnet} for {domain.id} is carried "
            "on its own fabric segment",
            (domain.id,),
            host,
        )
        ctx.collector.add(host, Attachment(segment, bridge, domain.id))
    elif facts.vlan_devices:
        _no_physical_network(ctx, domain, host, physnet)
    else:
        ctx.collector.note(
            "plan.no_vlan_carrier",
            f"host {host} has no 802.1Q and no segment for VLAN {vlan_id} of {physnet}; "
            f"{domain.id} is not carried there",
            (domain.id,),
            host,
        )


def _no_physical_network(ctx: PlanContext, domain: Domain, host: str, physnet: str) -> None:
    ctx.collector.note(
        "plan.no_physical_network",
        f"host {host} has no interface on physical network {physnet}; {domain.id} is not "
        "carried there",
        (domain.id,),
        host,
    )


def _tunnel(ctx: PlanContext, domain: Domain, host: str, bridge: str, vni: int | None) -> None:
    network = domain.network
    if getattr(network, "tunnel_type", "vxlan") == "gre":
        ctx.collector.note(
            "plan.no_gre",
            f"network {network.id} uses GRE tunnels, which the kernel cannot carry; it stays "
            "within each host",
            (network.id,),
        )
        return
    if vni is None:
        return
    if getattr(network, "tunnels", "dynamic") == "static":
        peers = set(ctx.hosts)
    else:
        peers = ctx.domain_hosts[domain.id]
    facts = ctx.hosts[host]
    local = facts.tunnel_address
    if local is None:
        ctx.collector.note(
            "plan.no_underlay",
            f"host {host} has no underlay address; network {network.id} is not tunnelled "
            "to or from it",
            (network.id,),
            host,
        )
        return
    remotes = sorted(
        (
            address
            for peer in peers
            if peer != host and (address := ctx.hosts[peer].tunnel_address) is not None
        ),
        key=ipaddress.ip_address,
    )
    ctx.collector.add(
        host,
        Vxlan(
            name=interface_name(ctx.prefix, "vxlan", network.id),
            vni=vni,
            local=local,
            underlay=facts.underlay_interface,
            owner=network.id,
            master=bridge,
            remotes=tuple(remotes),
            mtu=network.mtu,
        ),
    )

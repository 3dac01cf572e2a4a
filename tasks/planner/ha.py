"""HA routers: an instance of the router on each of its hosts, and VRRP (keepalived) electing
the one that holds the router's addresses.

Every instance is built like a legacy router (routers.py), with a MAC of its own on each port,
but its addresses (gateways, the external gateway's, floating IPs) and routes (static ones and
the default route) are virtual: keepalived adds them on the master and removes them on a
backup. The NAT rules sit in every instance, ready for when it becomes master.

The instances talk VRRP over the topology's HA network, as Neutron's routers do over their
project's: a bridge on each host that runs an HA router instance, joined between hosts by a
VXLAN of its own, and a veth from each instance onto it with a link-local address from
169.254.192.0/18. Virtual router ids are the design's, or allocated in 1-255 on the HA network.
"""

from __future__ import annotations

import hashlib
import ipaddress

from designer.spec.elements import Router
from tasks.planner.allocation import bridge_mac, mac_for
from tasks.planner.context import PlanContext
from tasks.planner.names import interface_name
from tasks.planner.networks import derived_vni, vnis
from tasks.planner.routers import Virtual, floating_ips_by_router, plan_router
from tasks.planner.state import Address, Bridge, Keepalived, Veth, Vxlan

HA_NETWORK = ipaddress.IPv4Network("169.254.192.0/18")
# What the HA network's names and VNI derive from: never an element id, which begins with a
# letter, so they never match a network's.
HA_SEED = "-ha"
VRRP_IDS = range(1, 256)
DEFAULT_PRIORITY = 100
# VRRPv3 counts the advert interval in hundredths of a second, in 12 bits.
MAX_ADVERT_CENTISECONDS = 4095


def ha_bridge(prefix: str) -> str:
    return interface_name(prefix, "ha_bridge", HA_SEED)


def plan_ha_routers(ctx: PlanContext) -> None:
    routers = ctx.placement.ha_routers
    if not routers:
        return
    hosts = sorted({host for router_hosts in routers.values() for host in router_hosts})
    # The HA network is no element of its own: the first HA router by id stands for it.
    _ha_network(ctx, hosts, owner=min(routers))
    router_ids = _virtual_router_ids(ctx, sorted(routers))
    addresses = _ha_addresses(routers)
    served = floating_ips_by_router(ctx)
    used_macs = set(ctx.allocation.macs.values()) | set(ctx.allocation.gateway_macs.values())
    for router_id, router_hosts in sorted(routers.items()):
        router_number = router_ids.get(router_id)
        if router_number is None:
            continue
        router = ctx.index.routers[router_id]
        for host in router_hosts:
            virtual = Virtual(_macs(ctx, router, host, used_macs))
            namespace = plan_router(ctx, router, host, served.get(router_id, []), virtual)
            _instance(
                ctx, router, host, namespace, virtual, router_number, addresses[router_id, host]
            )


def _ha_network(ctx: PlanContext, hosts: list[str], owner: str) -> None:
    bridge = ha_bridge(ctx.prefix)
    vni = derived_vni(ctx, HA_SEED, set(vnis(ctx).values()))
    underlays = {host: ctx.hosts[host].tunnel_address for host in hosts}
    for host in hosts:
        ctx.collector.add(host, Bridge(bridge, owner, mac=bridge_mac(host, bridge)))
        local = underlays[host]
        if local is None:
            ctx.collector.note(
                "plan.no_underlay",
                f"host {host} has no underlay address; the HA network does not reach it, so "
                "its HA router instances cannot take part in VRRP",
                (owner,),
                host,
            )
            continue
        remotes = sorted(
            (address for peer, address in underlays.items() if peer != host and address),
            key=ipaddress.ip_address,
        )
        ctx.collector.add(
            host,
            Vxlan(
                name=interface_name(ctx.prefix, "ha_vxlan", HA_SEED),
                vni=vni,
                local=local,
                underlay=ctx.hosts[host].underlay_interface,
                owner=owner,
                master=bridge,
                remotes=tuple(remotes),
            ),
        )


def _virtual_router_ids(ctx: PlanContext, router_ids: list[str]) -> dict[str, int]:
    """Router id -> its VRRP virtual router id: the design's, else one derived from the
    router's id, so it stays the same when other routers come and go (a clash moves to the
    next free one)."""
    chosen: dict[str, int] = {}
    open_routers = []
    for router_id in router_ids:
        wanted = ctx.index.routers[router_id].vrrp.vrrp_id
        if wanted is None:
            open_routers.append(router_id)
        elif wanted not in VRRP_IDS:
            ctx.collector.note(
                "plan.bad_vrrp_id",
                f"HA router {router_id} has VRRP id {wanted}, outside 1-255; it is not realised",
                (router_id,),
            )
        elif wanted in chosen.values():
            ctx.collector.note(
                "plan.vrrp_id_taken",
                f"HA router {router_id} has VRRP id {wanted}, which another HA router has; it "
                "is not realised",
                (router_id,),
            )
        else:
            chosen[router_id] = wanted
    used = set(chosen.values())
    for router_id in open_routers:
        if len(used) == len(VRRP_IDS):
            ctx.collector.note(
                "plan.vrrp_ids_exhausted",
                f"every VRRP id is taken on the HA network; HA router {router_id} is not realised",
                (router_id,),
            )
            continue
        offset = _hash(router_id) % len(VRRP_IDS)
        while VRRP_IDS[offset] in used:
            offset = (offset + 1) % len(VRRP_IDS)
        chosen[router_id] = VRRP_IDS[offset]
        used.add(VRRP_IDS[offset])
    return chosen


def _ha_addresses(routers: dict[str, tuple[str, ...]]) -> dict[tuple[str, str], str]:
    """(router id, host) -> the instance's address on the HA network, derived from both, so it
    stays the same when other instances come and go (a clash moves to the next free one)."""
    span = HA_NETWORK.num_addresses - 2
    taken: set[int] = set()
    out = {}
    for router_id, hosts in sorted(routers.items()):
        for host in hosts:
            offset = _hash(router_id, host) % span
            while offset in taken:
                offset = (offset + 1) % span
            taken.add(offset)
            address = HA_NETWORK[offset + 1]
            out[router_id, host] = f"{address}/{HA_NETWORK.prefixlen}"
    return out


def _hash(*parts: str) -> int:
    digest = hashlib.blake2b("\x00".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _macs(ctx: PlanContext, router: Router, host: str, used: set[str]) -> dict[str, str]:
    """A MAC per port of the router's instance on `host` (the external gateway's under the
    router's id), derived from the port and the host."""
    ports = sorted(port.id for port in ctx.index.ports_by_device.get(router.id, []))
    if router.external_gateway is not None:
        ports.append(router.id)
    return {port_id: mac_for(f"{port_id}\x00{host}", used) for port_id in ports}


def _instance(
    ctx: PlanContext,
    router: Router,
    host: str,
    namespace: str,
    virtual: Virtual,
    router_number: int,
    address: str,
) -> None:
    """The instance's veth onto the HA network, its address there, and its keepalived."""
    inside = interface_name(ctx.prefix, "ha_port", router.id, host)
    ctx.collector.add(
        host,
        Veth(
            name=interface_name(ctx.prefix, "ha_tap", router.id, host),
            peer=inside,
            owner=router.id,
            peer_namespace=namespace,
            master=ha_bridge(ctx.prefix),
        ),
        Address(inside, address, router.id, namespace),
    )
    vrrp = router.vrrp
    advert = round(vrrp.advert_interval * 100)
    if advert > MAX_ADVERT_CENTISECONDS:
        ctx.collector.note(
            "plan.vrrp_advert_interval",
            f"HA router {router.id}'s advert interval is above VRRPv3's 40.95 s; 40.95 s is used",
            (router.id,),
        )
    ctx.collector.add(
        host,
        Keepalived(
            owner=router.id,
            namespace=namespace,
            interface=inside,
            virtual_router_id=router_number,
            priority=vrrp.priorities.get(host, DEFAULT_PRIORITY),
            advert_centiseconds=min(max(advert, 1), MAX_ADVERT_CENTISECONDS),
            nopreempt=vrrp.nopreempt,
            virtual_addresses=tuple(sorted(set(virtual.addresses))),
            virtual_routes=tuple(
                sorted(set(virtual.routes), key=lambda r: (r[0], r[1] or "", r[2] or ""))
            ),
        ),
    )

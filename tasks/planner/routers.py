"""Routers: a namespace on each of the router's hosts with forwarding on, one veth per router
interface into its network's bridge with the interface's addresses, the external gateway as a
veth into the external network's bridge with its address and a default route via the external
subnet's gateway, the design's static routes, and a nat table with floating IPs (DNAT in, SNAT
out, ahead of the general SNAT) and SNAT of each internal subnet to the gateway address.

A legacy router has one such instance, whose addresses and routes are plain kernel objects. An
HA router has one on each of its hosts, built alike, but its addresses (floating IPs included)
and routes are VRRP virtual ones, held only by the elected master: `ha.py` hands them to the
instance's keepalived. A distributed router's central SNAT is built from the same external
gateway and NAT rules (`dvr.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from designer.spec.elements import Router
from tasks.planner.allocation import with_prefix
from tasks.planner.context import PlanContext
from tasks.planner.index import IPAddress, parse_ip, parse_network
from tasks.planner.names import interface_name
from tasks.planner.networks import gateway_domain
from tasks.planner.state import Address, Namespace, Route, Rule, Veth

FORWARDING = (("net.ipv4.ip_forward", "1"),)


@dataclass(frozen=True)
class FloatingIP:
    id: str
    address: IPAddress
    fixed: IPAddress


@dataclass
class Virtual:
    """What an HA router instance leaves to keepalived, and the MAC each of its ports has on
    this host (every instance has its own, so the bridges never see one MAC in two places)."""

    macs: dict[str, str]
    # (address with prefix length, device)
    addresses: list[tuple[str, str]] = field(default_factory=list)
    # (destination, gateway or None, device or None)
    routes: list[tuple[str, str | None, str | None]] = field(default_factory=list)


def plan_routers(ctx: PlanContext) -> None:
    served = floating_ips_by_router(ctx)
    for router_id, host in sorted(ctx.placement.routers.items()):
        plan_router(ctx, ctx.index.routers[router_id], host, served.get(router_id, []))


def plan_router(
    ctx: PlanContext,
    router: Router,
    host: str,
    fips: list[FloatingIP],
    virtual: Virtual | None = None,
) -> str:
    """One instance of `router` on `host`; its namespace. With `virtual`, its addresses and
    routes go there instead of becoming kernel objects."""
    index = ctx.index
    namespace = ctx.router_namespace(router.id, host)
    collector = ctx.collector

    def address(interface: str, cidr: str, owner: str) -> None:
        if virtual is None:
            collector.add(host, Address(interface, cidr, owner, namespace))
        else:
            virtual.addresses.append((cidr, interface))

    def route(destination: str, gateway: str | None, device: str | None) -> None:
        if virtual is None:
            collector.add(
                host, Route(destination, router.id, namespace, gateway=gateway, device=device)
            )
        else:
            virtual.routes.append((destination, gateway, device))

    def mac(port_id: str, allocated: str) -> str:
        return allocated if virtual is None else virtual.macs[port_id]

    collector.add(host, Namespace(namespace, "router", router.id, sysctls=FORWARDING))
    internal_subnets = []
    for port in index.ports_by_device.get(router.id, []):
        inside, _ = ctx.port_veth(port, host, namespace, mac(port.id, ctx.allocation.macs[port.id]))
        for subnet_id, allocated in ctx.port_addresses(port.id):
            address(inside, with_prefix(index, subnet_id, allocated), port.id)
            internal_subnets.append(subnet_id)
    for static in router.routes:
        destination = _destination(static.destination)
        if destination is None or parse_ip(static.nexthop) is None:
            collector.note(
                "plan.bad_address",
                f"router {router.id} has a static route that does not parse; it is not planned",
                (router.id,),
                host,
            )
            continue
        route(destination, static.nexthop, None)
    gateway = plan_gateway(ctx, router, host, namespace, virtual)
    if gateway is None:
        return namespace
    gateway_port, gateway_address = gateway
    for fip in fips:
        address(gateway_port, f"{fip.address}/32", fip.id)
    plan_nat(ctx, router, host, namespace, gateway_port, gateway_address, internal_subnets, fips)
    return namespace


def _destination(text: str) -> str | None:
    network = parse_network(text)
    if network is None:
        return None
    return "default" if network.prefixlen == 0 else str(network)


def plan_gateway(
    ctx: PlanContext, router: Router, host: str, namespace: str, virtual: Virtual | None
) -> tuple[str, IPAddress] | None:
    """The external gateway port: its veth, addresses and default route (virtual ones with
    `virtual`); (port, first IPv4 address) or None."""
    index = ctx.index
    if router.external_gateway is None:
        return None
    domain = gateway_domain(ctx, router.id)
    inside = interface_name(ctx.prefix, "gateway", router.id, host)
    allocated_mac = ctx.allocation.gateway_macs[router.id]
    ctx.collector.add(
        host,
        Veth(
            name=interface_name(ctx.prefix, "gateway_tap", router.id, host),
            peer=inside,
            owner=router.id,
            peer_namespace=namespace,
            master=ctx.bridge_name(domain),
            peer_mac=allocated_mac if virtual is None else virtual.macs[router.id],
            mtu=domain.network.mtu,
        ),
    )
    first: IPAddress | None = None
    for subnet_id, address in ctx.allocation.gateways.get(router.id, ()):
        cidr = with_prefix(index, subnet_id, address)
        if virtual is None:
            ctx.collector.add(host, Address(inside, cidr, router.id, namespace))
        else:
            virtual.addresses.append((cidr, inside))
        upstream = index.gateway_of(subnet_id)
        if first is None and address.version == 4:
            first = address
            if upstream is not None and upstream != address:
                if virtual is None:
                    ctx.collector.add(
                        host,
                        Route(
                            "default", router.id, namespace, gateway=str(upstream), device=inside
                        ),
                    )
                else:
                    virtual.routes.append(("default", str(upstream), inside))
    if first is None:
        ctx.collector.note(
            "plan.gateway_without_address",
            f"router {router.id}'s external gateway has no IPv4 address; no SNAT or floating "
            "IPs through it",
            (router.id,),
            host,
        )
        return None
    return inside, first


def plan_nat(
    ctx: PlanContext,
    router: Router,
    host: str,
    namespace: str,
    gateway_port: str,
    gateway_address: IPAddress,
    internal_subnets: list[str],
    fips: list[FloatingIP],
) -> None:
    prerouting, postrouting = ctx.chain("pre"), ctx.chain("post")
    dnat: list[Rule] = []
    snat: list[Rule] = []
    for fip in fips:
        dnat.append(("-d", f"{fip.address}/32", "-j", "DNAT", "--to-destination", str(fip.fixed)))
        leaving = ("-s", f"{fip.fixed}/32", "-o", gateway_port)
        snat.append((*leaving, "-j", "SNAT", "--to-source", str(fip.address)))
    if router.snat_enabled:
        for subnet_id in sorted(set(internal_subnets)):
            cidr = ctx.index.subnet_ranges[subnet_id]
            if cidr.version == 4:
                to_source = ("-j", "SNAT", "--to-source", str(gateway_address))
                snat.append(("-s", str(cidr), "-o", gateway_port, *to_source))
    collector = ctx.collector
    if dnat:
        collector.rules(host, namespace, "nat", router.id, prerouting, dnat)
        collector.hook(host, namespace, "nat", router.id, "PREROUTING", ("-j", prerouting))
        # Packets the router itself sends to a floating IP are translated as well.
        collector.rules(host, namespace, "nat", router.id, ctx.chain("out"), dnat)
        collector.hook(host, namespace, "nat", router.id, "OUTPUT", ("-j", ctx.chain("out")))
    if snat:
        collector.rules(host, namespace, "nat", router.id, postrouting, snat)
        collector.hook(host, namespace, "nat", router.id, "POSTROUTING", ("-j", postrouting))


def floating_ips_by_router(ctx: PlanContext) -> dict[str, list[FloatingIP]]:
    """Router id -> the floating IPs it translates: those on its gateway network whose port has
    an address on a subnet the router has an interface on."""
    index = ctx.index
    served: dict[str, list[FloatingIP]] = {}
    for fip in index.floating_ips.values():
        port = index.ports.get(fip.port or "")
        allocated = ctx.allocation.floating_ips.get(fip.id)
        if port is None or allocated is None:
            continue
        found = _router_for(ctx, fip.network, port.id)
        if found is None:
            ctx.collector.note(
                "plan.floating_ip_unrouted",
                f"no router with a gateway on {fip.network} reaches port {port.id}; floating IP "
                f"{fip.id} is not realised",
                (fip.id, port.id),
            )
            continue
        router_id, fixed = found
        placement = ctx.placement
        if router_id in (*placement.routers, *placement.ha_routers, *placement.distributed):
            served.setdefault(router_id, []).append(FloatingIP(fip.id, allocated[1], fixed))
    return served


def _router_for(
    ctx: PlanContext, external_network: str, port_id: str
) -> tuple[str, IPAddress] | None:
    index = ctx.index
    addresses = [(s, a) for s, a in ctx.port_addresses(port_id) if a.version == 4]
    for router in index.routers.values():
        gateway = router.external_gateway
        if gateway is None or gateway.network != external_network:
            continue
        router_subnets = {
            subnet_id
            for router_port in index.ports_by_device.get(router.id, [])
            for subnet_id, _address in ctx.port_addresses(router_port.id)
        }
        for subnet_id, address in addresses:
            if subnet_id in router_subnets:
                return router.id, address
    return None

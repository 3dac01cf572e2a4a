"""DHCP servers: for each domain with a DHCP subnet, a `dhcp` namespace on its networking node
with a veth onto the domain's bridge, the server's address on each subnet it serves (the
design's DHCP port's, or allocated), and a dnsmasq handing out the pools, a fixed address per
instance port (by MAC, with the instance's name as a DNS label) and the router and DNS
options."""

from __future__ import annotations

from tasks.planner.allocation import dhcp_subnets, pools_of, with_prefix
from tasks.planner.context import PlanContext
from tasks.planner.names import dns_label, interface_name, namespace_name
from tasks.planner.state import Address, DhcpHost, Dnsmasq, Namespace, Veth


def plan_dhcp(ctx: PlanContext) -> None:
    index = ctx.index
    served: dict[str, list[str]] = {}
    for subnet in dhcp_subnets(index):
        served.setdefault(index.domain_of_subnet(subnet).id, []).append(subnet.id)
    for domain_id, subnet_ids in sorted(served.items()):
        host = ctx.placement.dhcp.get(domain_id)
        if host is not None:
            _plan_server(ctx, domain_id, subnet_ids, host)


def _plan_server(ctx: PlanContext, domain_id: str, subnet_ids: list[str], host: str) -> None:
    index = ctx.index
    domain = index.domains[domain_id]
    namespace = namespace_name(ctx.prefix, "dhcp", host, domain_id)
    inside = interface_name(ctx.prefix, "port", "dhcp", domain_id, host)
    ctx.collector.add(
        host,
        Namespace(namespace, "dhcp", domain_id),
        Veth(
            name=interface_name(ctx.prefix, "tap", "dhcp", domain_id, host),
            peer=inside,
            owner=domain_id,
            peer_namespace=namespace,
            master=ctx.bridge_name(domain),
            mtu=domain.network.mtu,
        ),
    )
    ranges = []
    for subnet_id in subnet_ids:
        address = ctx.allocation.dhcp.get(subnet_id)
        if address is not None:
            cidr = with_prefix(index, subnet_id, address)
            ctx.collector.add(host, Address(inside, cidr, subnet_id, namespace))
        subnet_range = index.subnet_ranges[subnet_id]
        for start, end in pools_of(index.subnets[subnet_id], subnet_range):
            ranges.append((str(start), str(end), subnet_range.prefixlen))
    first = index.subnets[subnet_ids[0]]
    ctx.collector.add(
        host,
        Dnsmasq(
            interface=inside,
            owner=domain_id,
            namespace=namespace,
            ranges=tuple(ranges),
            hosts=_static_hosts(ctx, set(subnet_ids)),
            router=first.gateway_ip if index.gateway_of(first.id) is not None else None,
            dns_servers=tuple(first.dns_nameservers),
        ),
    )


def _static_hosts(ctx: PlanContext, subnet_ids: set[str]) -> tuple[DhcpHost, ...]:
    """A fixed lease per instance port address on the served subnets."""
    entries = set()
    for port in ctx.index.ports.values():
        instance = ctx.index.instances.get(port.device or "")
        if instance is None:
            continue
        hostname = dns_label(instance.name, instance.id)
        for subnet_id, address in ctx.port_addresses(port.id):
            if subnet_id in subnet_ids:
                entries.add(DhcpHost(ctx.allocation.macs[port.id], str(address), hostname))
    return tuple(sorted(entries, key=lambda e: (e.mac, e.address)))

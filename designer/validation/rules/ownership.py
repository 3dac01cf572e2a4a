"""Roles and ownership rules: admin-only elements, floating IP reachability, SNAT."""

from __future__ import annotations

from collections.abc import Iterator

from designer.spec.elements import (
    PROVIDER_KINDS,
    Network,
    Port,
    ProviderNetwork,
    RoutedProviderNetwork,
    Router,
    Segment,
)
from designer.validation.catalog import rule
from designer.validation.context import ValidationContext
from designer.validation.findings import Finding, Severity, error
from designer.validation.index import IPV6, CidrRange, TopologyIndex, ip_object, parse_address

# Renaming or describing an element changes nothing an admin guards.
_COSMETIC = {"name", "description"}


def is_external(network: Network | None) -> bool:
    """Whether routers may use the network as their gateway (an external provider network)."""
    return isinstance(network, ProviderNetwork | RoutedProviderNetwork) and network.external


def _admin_only(network: Network) -> bool:
    return network.kind in PROVIDER_KINDS or is_external(network)


def _changed(new: Network | Segment, old: Network | Segment | None) -> bool:
    if old is None:
        return True
    return new.model_dump(exclude=_COSMETIC) != old.model_dump(exclude=_COSMETIC)


def _gateway_changed(new: Router, old: Router | None) -> bool:
    if new.external_gateway is None:
        return False
    if old is None:
        return True
    # Neutron lets only an admin set enable_snat on a gateway, so SNAT counts as the gateway.
    return new.external_gateway != old.external_gateway or new.snat_enabled != old.snat_enabled


@rule(
    "ownership",
    (
        "ownership.admin_only_network",
        Severity.ERROR,
        "A provider or external network, or a segment of one, was created or changed by a "
        "non-admin.",
    ),
    (
        "ownership.admin_only_gateway",
        Severity.ERROR,
        "A router's external gateway was set or changed by a non-admin.",
    ),
)
def admin_only(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    if context.author_is_admin is not False:
        return
    base = context.base
    old_networks: dict[str, Network] = {n.id: n for n in base.networks} if base else {}
    old_segments: dict[str, Segment] = {s.id: s for s in base.segments} if base else {}
    old_routers: dict[str, Router] = {r.id: r for r in base.routers} if base else {}
    for network in index.document.networks:
        if _admin_only(network) and _changed(network, old_networks.get(network.id)):
            verb = "add" if network.id not in old_networks else "change"
            what = "an external" if is_external(network) else "a provider"
            yield error(
                "ownership.admin_only_network",
                [network.id],
                f"Network {index.label(network.id)} is {what} network, which only an admin may "
                f"{verb}: undo it, ask an admin to make it, or use a self-service "
                "network.",
                change=verb,
            )
    for segment in index.document.segments:
        if _changed(segment, old_segments.get(segment.id)):
            verb = "add" if segment.id not in old_segments else "change"
            yield error(
                "ownership.admin_only_network",
                [segment.id, segment.network],
                f"Segment {index.label(segment.id)} of network {index.label(segment.network)} is "
                f"part of a routed provider network, which only an admin may {verb}: undo it or "
                "ask an admin to make it.",
                change=verb,
            )
    for router in index.document.routers:
        gateway = router.external_gateway
        if gateway is not None and _gateway_changed(router, old_routers.get(router.id)):
            yield error(
                "ownership.admin_only_gateway",
                [router.id, gateway.network],
                f"Router {index.label(router.id)} has a new or changed external gateway on "
                f"{index.label(gateway.network)}, which only an admin may set: remove the "
                "gateway or ask an admin to set it.",
            )


@rule(
    "ownership",
    (
        "ownership.floating_ip_unreachable",
        Severity.ERROR,
        "No router joins a floating IP's instance subnet to the floating IP's external network.",
    ),
    (
        "ownership.floating_ip_not_external",
        Severity.ERROR,
        "A floating IP is on a network that is not external.",
    ),
    (
        "ownership.floating_ip_outside_network",
        Severity.ERROR,
        "A floating IP's address is in none of its external network's subnets.",
    ),
    (
        "ownership.floating_ip_duplicate",
        Severity.ERROR,
        "Two floating IPs have the same address.",
    ),
    (
        "ownership.floating_ip_router_port",
        Severity.ERROR,
        "A floating IP is associated with a router's port instead of an instance's.",
    ),
)
def floating_ips(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    if not index.floating_ips:
        return
    external = {n.id for n in index.document.networks if is_external(n)}
    # (subnet, external network) for every router with an interface on the subnet and its
    # gateway on the network. Neutron wants that router directly on the subnet, since it is the
    # one doing the NAT, so a longer path does not count.
    reaching: set[tuple[str, str]] = set()
    for router_id, interfaces in index.router_interfaces.items():
        gateway = index.routers[router_id].external_gateway
        if gateway is not None:
            for interface in interfaces:
                reaching.add((interface.subnet_id, gateway.network))
    # The CIDRs of each external network's subnets (None when one does not parse, since the
    # address might be in that one); floating IPs on other networks are not checked against any.
    cidrs_of = {network_id: _cidrs(index, network_id) for network_id in external}
    first_with: dict[str, str] = {}  # address -> the first floating IP with it
    all_with: dict[str, list[str]] = {}  # address -> the floating IPs with it, when several
    ports, routers = index.ports, index.routers
    for fip in index.document.floating_ips:
        network_id = fip.network
        cidrs = cidrs_of.get(network_id, ())
        if network_id not in external:
            yield error(
                "ownership.floating_ip_not_external",
                [fip.id, network_id],
                f"Floating IP {index.label(fip.id)} is on network {index.label(network_id)}, "
                "which is not external: put it on an external provider network.",
            )
        text = fip.floating_ip_address
        if text is not None:
            address = parse_address(text)
            # IPv4 text that parses is already canonical; IPv6 has many spellings.
            key = text if address is None or address < IPV6 else str(ip_object(address))
            first = first_with.setdefault(key, fip.id)
            if first != fip.id:  # the address is taken already
                if key in all_with:
                    all_with[key].append(fip.id)
                else:
                    all_with[key] = [first, fip.id]
            if address is not None and cidrs:
                for cidr in cidrs:
                    if cidr.first <= address <= cidr.last:
                        break
                else:
                    yield _outside_network(index, fip.id, network_id, address, cidrs)
        if fip.port is None:
            continue
        port = ports[fip.port]
        if port.device in routers:
            yield error(
                "ownership.floating_ip_router_port",
                [fip.id, port.id, port.device],
                f"Floating IP {index.label(fip.id)} is associated with port "
                f"{index.label(port.id)} of router {index.label(port.device)}: associate it "
                "with an instance's port instead.",
            )
        elif network_id in external:
            for fixed_ip in port.fixed_ips:
                if (fixed_ip.subnet, network_id) in reaching:
                    break
            else:
                yield _unreachable(index, fip.id, port, network_id)
    if not all_with:
        return
    for key in first_with:  # in the order each address first appears
        fips = all_with.get(key)
        if fips is not None:
            yield error(
                "ownership.floating_ip_duplicate",
                fips,
                f"Floating IPs {', '.join(index.label(f) for f in fips)} all have address "
                f"{key}: give each floating IP its own address.",
                address=key,
            )


def _cidrs(index: TopologyIndex, network_id: str) -> list[CidrRange] | None:
    cidrs = []
    for subnet in index.subnets_by_network.get(network_id, ()):
        cidr = index.subnet_ranges.get(subnet.id)
        if cidr is None:
            return None
        cidrs.append(cidr)
    return cidrs


def _outside_network(
    index: TopologyIndex,
    fip_id: str,
    network_id: str,
    address: int,
    cidrs: list[CidrRange],
) -> Finding:
    shown = [str(cidr.network()) for cidr in cidrs]
    return error(
        "ownership.floating_ip_outside_network",
        [fip_id, network_id],
        f"Floating IP {index.label(fip_id)} has address {ip_object(address)}, which is in "
        f"none of the subnets of {index.label(network_id)} ({', '.join(shown)}): choose an "
        "address in one of them.",
        address=str(ip_object(address)),
        subnets=shown,
    )


def _unreachable(index: TopologyIndex, fip_id: str, port: Port, network_id: str) -> Finding:
    subnets = [fixed_ip.subnet for fixed_ip in port.fixed_ips]
    if not subnets:
        where = "its network (the port has no fixed IP)"
    elif len(subnets) == 1:
        where = f"subnet {index.label(subnets[0])}"
    else:
        where = "any of its subnets"
    return error(
        "ownership.floating_ip_unreachable",
        [fip_id, port.id, *subnets],
        f"Floating IP {index.label(fip_id)} cannot reach port {index.label(port.id)}: no "
        f"router has both an interface on {where} and its gateway on "
        f"{index.label(network_id)}; add an interface on that subnet to a router with that "
        "gateway.",
        network=network_id,
        subnets=subnets,
    )


@rule(
    "ownership",
    (
        "ownership.snat_without_gateway",
        Severity.ERROR,
        "A router does SNAT but has no external gateway.",
    ),
    (
        "ownership.gateway_not_external",
        Severity.ERROR,
        "A router's external gateway is on a network that is not external.",
    ),
)
def router_gateways(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    for router in index.document.routers:
        gateway = router.external_gateway
        if gateway is None:
            if router.snat is True:
                yield error(
                    "ownership.snat_without_gateway",
                    [router.id],
                    f"Router {index.label(router.id)} has SNAT on but no external gateway to "
                    "translate to: give it a gateway on an external network or turn SNAT off.",
                )
        elif not is_external(index.networks.get(gateway.network)):
            yield error(
                "ownership.gateway_not_external",
                [router.id, gateway.network],
                f"Router {index.label(router.id)} has its external gateway on "
                f"{index.label(gateway.network)}, which is not an external network: move the "
                "gateway to an external provider network.",
            )

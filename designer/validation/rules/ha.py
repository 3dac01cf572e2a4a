"""High-availability and distributed router rules: VRRP and host placement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping

from designer.spec.elements import Router
from designer.validation.catalog import rule
from designer.validation.context import HostInfo, ValidationContext
from designer.validation.findings import Finding, Severity, error, warning
from designer.validation.index import TopologyIndex

VRRP_IDS = range(1, 256)


def _networking_nodes(hosts: Mapping[str, HostInfo]) -> list[str]:
    return [name for name, host in hosts.items() if host.is_networking_node]


def _runs_on(router: Router, hosts: Mapping[str, HostInfo] | None) -> list[str] | None:
    """The hosts a router runs on: its own list, else every networking node; None: unknown."""
    if router.hosts:
        return list(dict.fromkeys(router.hosts))
    if hosts is not None:
        return _networking_nodes(hosts)
    return None


@rule(
    "ha",
    (
        "ha.too_few_hosts",
        Severity.ERROR,
        "An HA router has fewer than two networking nodes to run on.",
    ),
    (
        "ha.vrrp_id_invalid",
        Severity.ERROR,
        "An HA router's VRRP id is outside 1-255.",
    ),
    (
        "ha.vrrp_id_duplicate",
        Severity.ERROR,
        "Two HA routers have the same VRRP id on the project's HA network.",
    ),
    (
        "ha.priority_for_other_host",
        Severity.WARNING,
        "An HA router has a VRRP priority for a host it does not run on.",
    ),
)
def ha_routers(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    hosts = context.hosts
    by_vrrp_id: dict[int, list[str]] = defaultdict(list)
    for router in index.document.routers:
        if router.mode != "ha":
            continue
        label = index.label(router.id)
        runs_on = _runs_on(router, hosts)
        if hosts is not None and runs_on is not None:
            usable = [h for h in runs_on if h in hosts and hosts[h].is_networking_node]
        else:
            usable = runs_on or []
        if runs_on is not None and len(usable) < 2:
            where = "its hosts" if router.hosts else "the registered hosts"
            yield error(
                "ha.too_few_hosts",
                [router.id],
                f"HA router {label} has {len(usable)} networking node(s) among {where}, and "
                "VRRP needs at least two: list two or more networking nodes in its hosts.",
                count=len(usable),
                hosts=usable,
            )
        vrrp_id = router.vrrp.vrrp_id
        if vrrp_id is not None:
            by_vrrp_id[vrrp_id].append(router.id)
            if vrrp_id not in VRRP_IDS:
                yield error(
                    "ha.vrrp_id_invalid",
                    [router.id],
                    f"HA router {label} has VRRP id {vrrp_id}, but VRRP ids are 1-255: choose "
                    "an id in that range, or leave it empty to have one allocated.",
                    vrrp_id=vrrp_id,
                )
        if runs_on is not None:
            others = sorted(set(router.vrrp.priorities) - set(runs_on))
            if others:
                yield warning(
                    "ha.priority_for_other_host",
                    [router.id],
                    f"HA router {label} has VRRP priorities for "
                    f"{', '.join(repr(h) for h in others)}, where it does not run: remove them "
                    "or add those hosts to the router.",
                    hosts=others,
                )
    for vrrp_id, routers in by_vrrp_id.items():
        if len(routers) > 1:
            yield error(
                "ha.vrrp_id_duplicate",
                routers,
                f"HA routers {', '.join(index.label(r) for r in routers)} all use VRRP id "
                f"{vrrp_id} on the project's HA network, so their elections would mix: give "
                "each its own id or leave the ids empty.",
                vrrp_id=vrrp_id,
            )


@rule(
    "ha",
    (
        "ha.router_not_on_networking_node",
        Severity.ERROR,
        "A legacy or HA router is placed on a host that is not a networking node.",
    ),
    (
        "ha.unknown_host",
        Severity.ERROR,
        "An element names a host that is not in the host registry.",
    ),
)
def host_placement(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    """Distributed routers run a copy on compute nodes too, so only legacy and HA routers must
    sit on networking nodes."""
    hosts = context.hosts
    if hosts is None:
        return
    known = ", ".join(sorted(hosts)) or "none"

    def unknown(element_id: str, kind: str, names: list[str], field: str) -> Iterator[Finding]:
        missing = [h for h in dict.fromkeys(names) if h not in hosts]
        if missing:
            yield error(
                "ha.unknown_host",
                [element_id],
                f"{kind} {index.label(element_id)} names host "
                f"{', '.join(repr(h) for h in missing)}, which is not a registered host: "
                f"choose one of {known}.",
                field=field,
                hosts=missing,
            )

    for instance in index.document.instances:
        if instance.host is not None and instance.host not in hosts:
            yield from unknown(instance.id, "Instance", [instance.host], "host")
    for segment in index.document.segments:
        if segment.hosts:
            yield from unknown(segment.id, "Segment", segment.hosts, "hosts")
    for router in index.document.routers:
        if not router.hosts:
            continue
        yield from unknown(router.id, "Router", router.hosts, "hosts")
        if router.mode == "distributed":
            continue
        wrong = [
            h for h in dict.fromkeys(router.hosts) if h in hosts and not hosts[h].is_networking_node
        ]
        if wrong:
            yield error(
                "ha.router_not_on_networking_node",
                [router.id],
                f"Router {index.label(router.id)} is placed on "
                f"{', '.join(repr(h) for h in wrong)}, which {'is' if len(wrong) == 1 else 'are'}"
                " not a networking node: place it on networking nodes only.",
                hosts=wrong,
            )


@rule(
    "ha",
    (
        "ha.dvr_host_without_external",
        Severity.WARNING,
        "A distributed router's compute hosts lack the external connectivity to serve floating "
        "IPs locally.",
    ),
)
def distributed_routers(index: TopologyIndex, context: ValidationContext) -> Iterator[Finding]:
    """A distributed router routes floating IPs on every compute host with instances on its
    networks, so each of those hosts needs a way out."""
    hosts = context.hosts
    if hosts is None:
        return
    for router in index.document.routers:
        if router.mode != "distributed" or router.external_gateway is None:
            continue
        # Neutron places a copy on every host with a port on a network the router serves.
        networks = {
            index.subnets[a.subnet_id].network for a in index.router_interfaces.get(router.id, ())
        }
        lacking: dict[str, None] = {}
        for network_id in networks:
            for port in index.ports_by_network.get(network_id, ()):
                instance = index.instances.get(port.device) if port.device else None
                if instance is None or instance.host is None:
                    continue
                host = hosts.get(instance.host)
                if host is not None and not host.external:
                    lacking[instance.host] = None
        if lacking:
            names = sorted(lacking)
            yield warning(
                "ha.dvr_host_without_external",
                [router.id],
                f"Distributed router {index.label(router.id)} has instances on "
                f"{', '.join(repr(h) for h in names)}, which {'has' if len(names) == 1 else 'have'}"
                " no external connectivity, so their floating IPs cannot be served there and go "
                "through the central SNAT node instead, losing DVR's local path: connect those "
                "hosts to the external network.",
                hosts=names,
            )

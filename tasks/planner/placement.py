"""Which host runs what: instances, legacy and HA routers, and DHCP servers.

An instance pinned by `instance.host` stays there; the others go, in id order, to the
compute-capable host with the fewest instances (ties by name). A legacy router runs on its
first listed host, or on the networking node with the fewest routers; an HA router runs on
each of its listed hosts, or on the first two networking nodes by name. Each layer-2 domain
with a DHCP subnet gets one DHCP server on the networking node with the fewest. A distributed
router has a copy on every host with an instance on one of its networks, and, with an external
gateway, its central SNAT on its first listed host or the networking node with the fewest
routers (see dvr.py); its networks must be overlays, which every host can carry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from tasks.planner.allocation import dhcp_subnets
from tasks.planner.collect import Collector
from tasks.planner.hosts import HostFacts
from tasks.planner.index import PlanIndex

# The kinds of network carried between hosts in VXLAN tunnels (networks.py's overlays).
OVERLAY_KINDS = frozenset({"self_service", "docker_overlay"})


@dataclass
class Placement:
    instances: dict[str, str] = field(default_factory=dict)
    routers: dict[str, str] = field(default_factory=dict)
    # HA router id -> the hosts of its instances, two or more, by name.
    ha_routers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # domain id -> host of its DHCP server.
    dhcp: dict[str, str] = field(default_factory=dict)
    # distributed router id -> the hosts of its copies, by name.
    distributed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # distributed router id -> the host of its central SNAT.
    central_snat: dict[str, str] = field(default_factory=dict)


def _least_loaded(candidates: list[str], load: Counter[str]) -> str:
    return min(candidates, key=lambda name: (load[name], name))


def place(index: PlanIndex, hosts: Sequence[HostFacts], collector: Collector) -> Placement:
    placement = Placement()
    names = {host.name for host in hosts}
    compute = sorted(host.name for host in hosts if host.is_compute_node)
    networking = sorted(host.name for host in hosts if host.is_networking_node)

    load: Counter[str] = Counter()
    unpinned = []
    for instance in index.instances.values():
        if instance.host is None:
            unpinned.append(instance)
        elif instance.host in names:
            placement.instances[instance.id] = instance.host
            load[instance.host] += 1
        else:
            collector.note(
                "plan.unknown_host",
                f"instance {instance.id} is pinned to host {instance.host}, which is not "
                "available; it is not planned",
                (instance.id,),
            )
    for instance in unpinned:
        if not compute:
            collector.note(
                "plan.no_compute_host",
                f"no compute host can run instance {instance.id}",
                (instance.id,),
            )
            continue
        chosen = _least_loaded(compute, load)
        placement.instances[instance.id] = chosen
        load[chosen] += 1

    router_load: Counter[str] = Counter()
    for router in index.routers.values():
        if router.mode == "ha":
            ha_hosts = _ha_hosts(router.id, router.hosts, networking, names, collector)
            if ha_hosts is not None:
                placement.ha_routers[router.id] = ha_hosts
            continue
        if router.mode == "distributed":
            if _overlays_only(index, router.id, collector):
                placement.distributed[router.id] = _copy_hosts(index, router.id, placement)
                if router.external_gateway is not None:
                    host = _router_host(
                        router.id, router.hosts, networking, names, router_load, collector
                    )
                    if host is not None:
                        placement.central_snat[router.id] = host
                        router_load[host] += 1
            continue
        host = _router_host(router.id, router.hosts, networking, names, router_load, collector)
        if host is not None:
            placement.routers[router.id] = host
            router_load[host] += 1

    dhcp_load: Counter[str] = Counter()
    domains = sorted({index.domain_of_subnet(subnet).id for subnet in dhcp_subnets(index)})
    for domain_id in domains:
        if not networking:
            collector.note(
                "plan.no_network_host",
                f"no networking node can serve DHCP for {domain_id}",
                (domain_id,),
            )
            continue
        chosen = _least_loaded(networking, dhcp_load)
        placement.dhcp[domain_id] = chosen
        dhcp_load[chosen] += 1
    return placement


def _overlays_only(index: PlanIndex, router_id: str, collector: Collector) -> bool:
    """Whether every network a distributed router has an interface on is an overlay (noted
    when not: its copies' shared gateway addresses are kept apart on the tunnels only)."""
    others = sorted(
        {
            index.domain_of_port(port).network.id
            for port in index.ports_by_device.get(router_id, [])
            if index.domain_of_port(port).network.kind not in OVERLAY_KINDS
        }
    )
    if others:
        collector.note(
            "plan.distributed_needs_overlay",
            f"distributed router {router_id} has interfaces on {', '.join(others)}, which "
            f"{'is' if len(others) == 1 else 'are'} not an overlay network; it is not realised",
            (router_id, *others),
        )
    return not others


def _copy_hosts(index: PlanIndex, router_id: str, placement: Placement) -> tuple[str, ...]:
    """The hosts of the instances with a port on a network the router has an interface on."""
    networks = {port.network for port in index.ports_by_device.get(router_id, [])}
    return tuple(
        sorted(
            {
                placement.instances[port.device]
                for port in index.ports.values()
                if port.network in networks
                and port.device in index.instances
                and port.device in placement.instances
            }
        )
    )


def _router_host(
    router_id: str,
    listed: list[str],
    networking: list[str],
    names: set[str],
    load: Counter[str],
    collector: Collector,
) -> str | None:
    if listed:
        if listed[0] in names:
            return listed[0]
        collector.note(
            "plan.unknown_host",
            f"router {router_id} is to run on host {listed[0]}, which is not available; "
            "it is not planned",
            (router_id,),
        )
        return None
    if not networking:
        collector.note(
            "plan.no_network_host", f"no networking node can run router {router_id}", (router_id,)
        )
        return None
    return _least_loaded(networking, load)


def _ha_hosts(
    router_id: str,
    listed: list[str],
    networking: list[str],
    names: set[str],
    collector: Collector,
) -> tuple[str, ...] | None:
    """The hosts of an HA router's instances: those it lists that are available, or the first
    two networking nodes by name; None (noted) when fewer than two remain."""
    if listed:
        missing = [name for name in dict.fromkeys(listed) if name not in names]
        if missing:
            collector.note(
                "plan.unknown_host",
                f"router {router_id} is to run on {', '.join(missing)}, which "
                f"{'is' if len(missing) == 1 else 'are'} not available",
                (router_id,),
            )
        chosen = sorted({name for name in listed if name in names})
    else:
        chosen = networking[:2]
    if len(chosen) < 2:
        collector.note(
            "plan.ha_too_few_hosts",
            f"HA router {router_id} has {len(chosen)} host(s) to run on and VRRP needs two; "
            "it is not realised",
            (router_id,),
        )
        return None
    return tuple(chosen)

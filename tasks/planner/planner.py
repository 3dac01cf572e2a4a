"""The planner's entry point: a parsed document, the topology's id and the facts about the hosts
give the Plan, the desired state of every host. Pure and deterministic: the same input, in any
element order, gives an equal plan."""

from __future__ import annotations

from collections.abc import Sequence

from designer.spec import Document
from tasks.planner.allocation import allocate
from tasks.planner.collect import Collector
from tasks.planner.context import PlanContext
from tasks.planner.dhcp import plan_dhcp
from tasks.planner.docker import plan_docker_bridges, plan_published_ports
from tasks.planner.dvr import (
    add_distributed_domain_hosts,
    plan_distributed_routers,
    with_distributed,
)
from tasks.planner.ha import plan_ha_routers
from tasks.planner.hosts import HostFacts
from tasks.planner.index import PlanIndex
from tasks.planner.instances import plan_instances
from tasks.planner.loadbalancers import (
    place_load_balancers,
    plan_load_balancers,
    with_load_balancers,
)
from tasks.planner.names import deployment_prefix
from tasks.planner.networks import domain_hosts, plan_domains
from tasks.planner.placement import place
from tasks.planner.routers import plan_routers
from tasks.planner.state import Plan


def plan(document: Document, topology_id: int, hosts: Sequence[HostFacts]) -> Plan:
    """The desired state on every host in `hosts` (an empty state where nothing runs, so what
    a host had before is removed)."""
    by_name = {host.name: host for host in hosts}
    if len(by_name) != len(hosts):
        raise ValueError("host names must be unique")
    collector = Collector(by_name)
    index = PlanIndex(document)
    placement = place(index, sorted(hosts, key=lambda host: host.name), collector)
    ctx = PlanContext(
        prefix=deployment_prefix(topology_id),
        index=index,
        hosts=dict(sorted(by_name.items())),
        placement=placement,
        allocation=allocate(index, collector),
        collector=collector,
    )
    ctx.domain_hosts = domain_hosts(ctx)
    add_distributed_domain_hosts(ctx)
    balancers = place_load_balancers(ctx, document.load_balancers)
    plan_domains(ctx)
    plan_docker_bridges(ctx)
    plan_instances(ctx)
    plan_published_ports(ctx)
    plan_dhcp(ctx)
    plan_routers(ctx)
    plan_ha_routers(ctx)
    distributed = plan_distributed_routers(ctx)
    planned_balancers = plan_load_balancers(ctx, balancers)
    return Plan(
        prefix=ctx.prefix,
        hosts=with_distributed(
            with_load_balancers(collector.host_states(), planned_balancers), distributed
        ),
        placement=dict(sorted(placement.instances.items())),
        notes=collector.notes(),
    )

"""What every area of the planner reads: the document's index, the hosts, where things run,
the allocated addresses, and the collector the areas add their objects to; with the kernel
names the areas share (a domain's bridge, an instance's namespace)."""

from __future__ import annotations

from dataclasses import dataclass, field

from designer.spec.elements import Port
from tasks.planner.allocation import Addresses, Allocation
from tasks.planner.collect import Collector
from tasks.planner.hosts import HostFacts
from tasks.planner.index import Domain, PlanIndex
from tasks.planner.names import interface_name, namespace_name
from tasks.planner.placement import Placement
from tasks.planner.state import Veth


@dataclass
class PlanContext:
    prefix: str
    index: PlanIndex
    hosts: dict[str, HostFacts]
    placement: Placement
    allocation: Allocation
    collector: Collector
    # domain id -> the hosts that need its bridge.
    domain_hosts: dict[str, set[str]] = field(default_factory=dict)

    def bridge_name(self, domain: Domain) -> str:
        return interface_name(self.prefix, "bridge", domain.id)

    def port_veth(
        self, port: Port, host: str, namespace: str, mac: str, *suffix: str
    ) -> tuple[str, Domain]:
        """The veth of `port` on `host`, from its layer-2 domain's bridge (the `tap` end) into
        `namespace` (the `port` end, with `mac`), added to the collector; the inside end's
        name, and the domain. `suffix` tells apart two veths of one port on one host (a
        distributed router's copy and its central SNAT)."""
        domain = self.index.domain_of_port(port)
        inside = interface_name(self.prefix, "port", port.id, host, *suffix)
        self.collector.add(
            host,
            Veth(
                name=interface_name(self.prefix, "tap", port.id, host, *suffix),
                peer=inside,
                owner=port.id,
                peer_namespace=namespace,
                master=self.bridge_name(domain),
                peer_mac=mac,
                mtu=domain.network.mtu,
            ),
        )
        return inside, domain

    def instance_namespace(self, instance_id: str) -> str | None:
        host = self.placement.instances.get(instance_id)
        if host is None:
            return None
        return namespace_name(self.prefix, "instance", host, instance_id)

    def router_namespace(self, router_id: str, host: str) -> str:
        return namespace_name(self.prefix, "router", host, router_id)

    def port_addresses(self, port_id: str) -> Addresses:
        return self.allocation.ports.get(port_id, ())

    def chain(self, purpose: str) -> str:
        """One of the deployment's iptables chains: `nl002s-snat`."""
        return f"{self.prefix}-{purpose}"

    def hosts_of_device(self, device: str | None) -> tuple[str, ...]:
        """Where an instance or router runs: every host of an HA router's instances, and of
        a distributed router's copies and central SNAT."""
        if device is not None and device in self.placement.ha_routers:
            return self.placement.ha_routers[device]
        if device is not None and device in self.placement.distributed:
            snat = self.placement.central_snat.get(device)
            hosts = set(self.placement.distributed[device]) | ({snat} if snat else set())
            return tuple(sorted(hosts))
        host = self.host_of_device(device)
        return () if host is None else (host,)

    def host_of_device(self, device: str | None) -> str | None:
        if device is None:
            return None
        return self.placement.instances.get(device) or self.placement.routers.get(device)

"""Instances on their hosts: a namespace each, a veth per port (the tap end on the port's
bridge in the host's namespace, the port end inside with the port's MAC and addresses) or a
macvlan on a Docker macvlan network, a default route via the first port's subnet gateway, and
the built-in responder.

Docker's `none` network gives a port nothing; an instance on Docker's `host` network shares the
host's own stack, so it gets no namespace and the responder is not started for it.
"""

from __future__ import annotations

from designer.spec.elements import DockerMacvlanNetwork, Instance, Port
from tasks.planner.allocation import with_prefix
from tasks.planner.context import PlanContext
from tasks.planner.names import interface_name
from tasks.planner.state import Address, Macvlan, Namespace, Responder, Route

HTTP_PORT = 80
ECHO_PORT = 7


def plan_instances(ctx: PlanContext) -> None:
    for instance in ctx.index.instances.values():
        host = ctx.placement.instances.get(instance.id)
        if host is not None:
            _plan_instance(ctx, instance, host)


def _plan_instance(ctx: PlanContext, instance: Instance, host: str) -> None:
    index = ctx.index
    ports = ctx.index.ports_by_device.get(instance.id, [])
    shared = [p.id for p in ports if index.networks[p.network].kind == "docker_host"]
    if shared:
        ctx.collector.note(
            "plan.host_network",
            f"instance {instance.id} is on Docker's host network: it shares host {host}'s own "
            "stack, so it gets no namespace and the responder is not started for it",
            (instance.id, *shared),
            host,
        )
        return
    namespace = ctx.instance_namespace(instance.id)
    assert namespace is not None
    ctx.collector.add(host, Namespace(namespace, "instance", instance.id))
    has_default = False
    for port in ports:
        network = index.networks[port.network]
        if network.kind == "docker_none":
            continue
        if isinstance(network, DockerMacvlanNetwork):
            interface = _macvlan(ctx, port, network, host, namespace)
        else:
            interface = _veth(ctx, port, host, namespace)
        if interface is None:
            continue
        for subnet_id, address in ctx.port_addresses(port.id):
            ctx.collector.add(
                host, Address(interface, with_prefix(index, subnet_id, address), port.id, namespace)
            )
        if not has_default:
            has_default = _default_route(ctx, port, host, namespace, interface)
    ctx.collector.add(host, _responder(instance, namespace))


def _veth(ctx: PlanContext, port: Port, host: str, namespace: str) -> str:
    return ctx.port_veth(port, host, namespace, ctx.allocation.macs[port.id])[0]


def macvlan_parent(ctx: PlanContext, network: DockerMacvlanNetwork, host: str) -> str | None:
    """The host's interface for the network's parent: the physical network's interface, or the
    parent itself when it names one of the host's mapped interfaces."""
    if network.parent is None:
        return None
    mapping = ctx.hosts[host].physical_networks
    if network.parent in mapping:
        return mapping[network.parent]
    if network.parent in mapping.values():
        return network.parent
    return None


def _macvlan(
    ctx: PlanContext, port: Port, network: DockerMacvlanNetwork, host: str, namespace: str
) -> str | None:
    parent = macvlan_parent(ctx, network, host)
    if parent is None:
        ctx.collector.note(
            "plan.no_physical_network",
            f"host {host} has no interface for the parent of macvlan network {network.id}; "
            f"port {port.id} is not planned",
            (network.id, port.id),
            host,
        )
        return None
    name = interface_name(ctx.prefix, "macvlan", port.id, host)
    ctx.collector.add(
        host,
        Macvlan(
            name=name,
            parent=parent,
            mode=network.mode,
            owner=port.id,
            namespace=namespace,
            mac=ctx.allocation.macs[port.id],
        ),
    )
    return name


def _default_route(ctx: PlanContext, port: Port, host: str, namespace: str, interface: str) -> bool:
    network = ctx.index.networks[port.network]
    if getattr(network, "internal", False):
        return False
    for subnet_id, address in ctx.port_addresses(port.id):
        gateway = ctx.index.gateway_of(subnet_id)
        cidr = ctx.index.subnet_ranges[subnet_id]
        if gateway is None or gateway == address or gateway not in cidr:
            continue
        if gateway.version != 4:
            continue
        ctx.collector.add(
            host, Route("default", port.id, namespace, gateway=str(gateway), device=interface)
        )
        return True
    return False


def _responder(instance: Instance, namespace: str) -> Responder:
    published = {
        p.container_port
        for p in instance.published_ports
        if p.protocol == "tcp" and p.container_port != HTTP_PORT
    }
    return Responder(instance.id, namespace, tcp_ports=tuple(sorted({ECHO_PORT} | published)))

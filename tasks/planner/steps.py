"""The difference between what a host has and what a deployment wants there, as an ordered list
of steps a driver applies one by one. Pure: the linux driver runs these steps, the dry run
renders them as commands, and the plan preview counts them.

Objects are compared by key. One in `desired` only is created, one in `observed` only is
removed, one in both with another value is updated in place where the kernel can change it in
place, and otherwise removed and created again (a replacement):

- namespace: sysctls are set in place; a sysctl no longer wanted, or another role, replaces
  the namespace (and so everything in it), since the kernel's default cannot be known here;
- bridge: MTU and MAC in place;
- VLAN device: bridge port in place; parent or VLAN id replace it;
- veth: bridge ports, MACs and MTU in place; the peer's name or namespace replace the pair;
- VXLAN: bridge port, flooding remotes and MTU in place; VNI, local address, underlay
  device or port replace it;
- macvlan: MAC in place; parent or mode replace it;
- attachment: bridge in place; address: nothing but the owner can differ;
- route: gateway and device in place (`ip route replace`);
- firewall: chains and hooks in place (one `iptables-restore --noflush`);
- policy routing and distributed tunnels: their entries in place (applied whole);
- dnsmasq, keepalived and responder: any change restarts the process, an update;
- load balancer: any change restarts its keepalived or checker and writes its table again.

Removals come first, in reverse dependency order, then creations and updates in dependency
order; within a kind steps are sorted by key. What the kernel removes by itself is not removed
again: the contents of a removed namespace, the far end of a removed veth, the addresses,
routes and bridge ports of a removed link. What it leaves behind broken is removed explicitly:
a process (dnsmasq, keepalived, responder) whose namespace or an interface it uses goes, since
a running process keeps its namespace alive, a VXLAN or VLAN device whose bridge goes, since
it cannot be without one, and distributed tunnels whose VXLAN device goes. Whatever goes that
way and is still wanted is created again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Literal

from tasks.planner.state import (
    Address,
    Attachment,
    Bridge,
    DistributedTunnels,
    Dnsmasq,
    Firewall,
    HostState,
    Keepalived,
    KernelObject,
    Key,
    LoadBalancer,
    Macvlan,
    Namespace,
    PolicyRouting,
    Responder,
    Route,
    Veth,
    Vlan,
    Vxlan,
)

Action = Literal["create", "remove", "update"]
# A link's identity on a host: its namespace ("" for the host's own) and its name.
LinkId = tuple[str, str]


@dataclass(frozen=True)
class Step:
    action: Action
    # The desired object (create, update) or the observed one (remove).
    obj: KernelObject
    # The observed object an update changes.
    before: KernelObject | None = None


CREATION_ORDER: tuple[type, ...] = (
    Namespace,
    Bridge,
    Vlan,
    Veth,
    Vxlan,
    Macvlan,
    Attachment,
    Address,
    Route,
    PolicyRouting,
    Firewall,
    DistributedTunnels,
    Dnsmasq,
    Keepalived,
    Responder,
    LoadBalancer,
)
_RANK = {kind: rank for rank, kind in enumerate(CREATION_ORDER)}

# The fields each kind can change in place; a difference anywhere else replaces the object.
_IN_PLACE: dict[type, frozenset[str]] = {
    Namespace: frozenset({"owner", "sysctls"}),
    Bridge: frozenset({"owner", "mtu", "mac"}),
    Vlan: frozenset({"owner", "master"}),
    Veth: frozenset({"owner", "master", "peer_master", "mac", "peer_mac", "mtu"}),
    Vxlan: frozenset({"owner", "master", "remotes", "mtu"}),
    Macvlan: frozenset({"owner", "mac"}),
    Attachment: frozenset({"owner", "master"}),
    Address: frozenset({"owner"}),
    Route: frozenset({"owner", "gateway", "device"}),
    Firewall: frozenset({"owner", "chains", "hooks"}),
    PolicyRouting: frozenset({"owner", "neighbours", "rules", "routes"}),
    DistributedTunnels: frozenset({"owner", "drops", "forwards"}),
    Dnsmasq: frozenset({"owner", "ranges", "hosts", "router", "dns_servers", "domain", "records"}),
    Responder: frozenset({"owner", "tcp_ports", "http_port"}),
    Keepalived: frozenset(
        {
            "owner",
            "interface",
            "virtual_router_id",
            "priority",
            "advert_centiseconds",
            "nopreempt",
            "virtual_addresses",
            "virtual_routes",
        }
    ),
    LoadBalancer: frozenset(
        {"owner", "realisation", "table", "vip", "port", "algorithm", "members", "check"}
    ),
}
_PROCESSES = (Dnsmasq, Keepalived, Responder, LoadBalancer)


def plan_steps(observed: HostState, desired: HostState) -> list[Step]:
    """The steps that turn `observed` into `desired`; none when they are equal."""
    have = observed.by_key()
    want = desired.by_key()
    doomed = {key for key, obj in have.items() if key not in want or _replaces(obj, want[key])}
    removals, remaining = _removals(have.values(), doomed)
    changes = [
        Step("create", obj) if key not in remaining else Step("update", obj, remaining[key])
        for key, obj in want.items()
        if remaining.get(key) != obj
    ]
    removals.sort(key=lambda step: (-_rank(step.obj), step.obj.key))
    changes.sort(key=lambda step: (_rank(step.obj), step.obj.key))
    return removals + changes


def _rank(obj: KernelObject) -> int:
    return _RANK[type(obj)]


def _replaces(before: KernelObject, after: KernelObject) -> bool:
    """Whether `before` must be removed and `after` created, rather than one changed into the
    other."""
    if type(before) is not type(after):
        return True
    if isinstance(before, Namespace) and isinstance(after, Namespace) and _dropped(before, after):
        return True
    in_place = _IN_PLACE[type(before)]
    return any(
        getattr(before, item.name) != getattr(after, item.name)
        for item in fields(before)
        if item.name not in in_place
    )


def _dropped(before: Namespace, after: Namespace) -> set[str]:
    """The sysctls `before` sets that `after` no longer wants."""
    return {name for name, _ in before.sysctls} - {name for name, _ in after.sysctls}


def _removals(
    observed: Iterable[KernelObject], doomed: set[Key]
) -> tuple[list[Step], dict[Key, KernelObject]]:
    """The removal steps for the `doomed` objects and for those a removal leaves broken, and
    what remains on the host afterwards (bridge ports of removed bridges released). Objects
    are visited in creation order, so whatever one depends on has been decided before it."""
    steps: list[Step] = []
    remaining: dict[Key, KernelObject] = {}
    gone_namespaces: set[str] = set()
    gone_links: set[LinkId] = set()
    for obj in sorted(observed, key=_rank):
        taken = _taken_by_kernel(obj, gone_namespaces, gone_links)
        if (
            not taken
            and obj.key not in doomed
            and not _left_broken(obj, gone_namespaces, gone_links)
        ):
            remaining[obj.key] = _released(obj, gone_links)
            continue
        if not taken:
            steps.append(Step("remove", obj))
        if isinstance(obj, Namespace):
            gone_namespaces.add(obj.name)
        gone_links.update(_link_ends(obj))
    return steps, remaining


def _namespaces_of(obj: KernelObject) -> set[str]:
    if isinstance(obj, Namespace):
        return set()
    if isinstance(obj, Veth):
        return {_ns(obj.namespace), _ns(obj.peer_namespace)} - {""}
    return {_ns(obj.namespace)} - {""}


def _ns(namespace: str | None) -> str:
    return namespace or ""


def _link_ends(obj: KernelObject) -> list[LinkId]:
    if isinstance(obj, Veth):
        return [(_ns(obj.namespace), obj.name), (_ns(obj.peer_namespace), obj.peer)]
    if isinstance(obj, Bridge | Vlan | Vxlan | Macvlan):
        return [(_ns(obj.namespace), obj.name)]
    return []


def _links_under(obj: KernelObject) -> list[LinkId]:
    """The links `obj` cannot exist without: the kernel removes it with any of them."""
    if isinstance(obj, Address):
        return [(_ns(obj.namespace), obj.interface)]
    if isinstance(obj, Route) and obj.device is not None:
        return [(_ns(obj.namespace), obj.device)]
    if isinstance(obj, Attachment):
        return [(_ns(obj.namespace), obj.master)]
    if isinstance(obj, PolicyRouting):
        devices = {entry[0] for entry in obj.neighbours} | {entry[3] for entry in obj.routes}
        return [(obj.namespace, device) for device in sorted(devices)]
    if isinstance(obj, Vlan):
        return [(_ns(obj.namespace), obj.parent)]
    if isinstance(obj, Vxlan) and obj.underlay:
        return [(_ns(obj.namespace), obj.underlay)]
    if isinstance(obj, Macvlan):
        # Made on its parent in the host's own namespace, then moved.
        return [("", obj.parent)]
    return []


def _taken_by_kernel(obj: KernelObject, namespaces: set[str], links: set[LinkId]) -> bool:
    """Whether the kernel removes `obj` by itself with a namespace or link already going.
    A process is never taken: it keeps its namespace alive and must be stopped."""
    if isinstance(obj, _PROCESSES):
        return False
    return bool(_namespaces_of(obj) & namespaces) or any(
        link in links for link in _links_under(obj)
    )


def _left_broken(obj: KernelObject, namespaces: set[str], links: set[LinkId]) -> bool:
    """Whether `obj` survives the removals so far in a state it cannot be left in: a process
    whose namespace or interface goes, a VXLAN or VLAN device whose bridge goes."""
    if isinstance(obj, Dnsmasq):
        return _ns(obj.namespace) in namespaces or (_ns(obj.namespace), obj.interface) in links
    if isinstance(obj, Keepalived):
        return obj.namespace in namespaces or any(
            (obj.namespace, device) in links for device in keepalived_devices(obj)
        )
    if isinstance(obj, Responder | LoadBalancer):
        return obj.namespace in namespaces
    if isinstance(obj, Vxlan | Vlan):
        return (_ns(obj.namespace), obj.master) in links
    if isinstance(obj, DistributedTunnels):
        # Its forwarding entries go with their VXLAN device; its nftables table stays.
        return any((_ns(obj.namespace), entry[0]) in links for entry in obj.forwards)
    return False


def keepalived_devices(obj: Keepalived) -> set[str]:
    """The interfaces a keepalived uses: its VRRP interface and those of its virtual addresses
    and routes. It is restarted when one of them is made again."""
    return (
        {obj.interface}
        | {device for _address, device in obj.virtual_addresses}
        | {device for _destination, _gateway, device in obj.virtual_routes if device is not None}
    )


def _released(obj: KernelObject, links: set[LinkId]) -> KernelObject:
    """A veth as it is once the bridges its ends were ports of are gone."""
    if not isinstance(obj, Veth):
        return obj
    if obj.master is not None and (_ns(obj.namespace), obj.master) in links:
        obj = replace(obj, master=None)
    if obj.peer_master is not None and (_ns(obj.peer_namespace), obj.peer_master) in links:
        obj = replace(obj, peer_master=None)
    return obj

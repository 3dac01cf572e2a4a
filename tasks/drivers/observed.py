"""How the linux driver reads back what it observed: the kernel's objects turned into a
`HostState`, with the fields a desired state leaves open reported as that state has them, and
the records the driver keeps of what the kernel does not (owners, firewalls and processes as
they were asked for)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, fields, replace
from ipaddress import ip_interface, ip_network
from pathlib import Path
from typing import Any, cast

from tasks.drivers import kernel_firewall as firewall_rules
from tasks.planner.state import (
    Address,
    Attachment,
    Bridge,
    DhcpHost,
    DistributedTunnels,
    Dnsmasq,
    Firewall,
    HostState,
    Keepalived,
    KernelObject,
    Key,
    Macvlan,
    Namespace,
    PolicyRouting,
    Responder,
    Route,
    Veth,
    Vlan,
    Vxlan,
)


def host_state(host: str, objects: Iterable[KernelObject]) -> HostState:
    by_field: dict[str, list[Any]] = {}
    field_of = {
        Namespace: "namespaces",
        Bridge: "bridges",
        Veth: "veths",
        Vxlan: "vxlans",
        Macvlan: "macvlans",
        Attachment: "attachments",
        Address: "addresses",
        Route: "routes",
        Firewall: "firewalls",
        Dnsmasq: "dnsmasqs",
        Responder: "responders",
        Vlan: "vlans",
        Keepalived: "keepaliveds",
        PolicyRouting: "policy_routings",
        DistributedTunnels: "distributed_tunnels",
    }
    for obj in objects:
        by_field.setdefault(field_of[type(obj)], []).append(obj)
    groups: dict[str, Any] = {
        name: tuple(sorted(items, key=lambda obj: obj.key)) for name, items in by_field.items()
    }
    return HostState(host, **groups)


def route_destination(destination: str) -> str:
    return "0.0.0.0/0" if destination == "default" else destination


def same_network(a: str, b: str) -> bool:
    try:
        return ip_network(route_destination(a)) == ip_network(route_destination(b))
    except ValueError:
        return False


def aligned(obj: KernelObject, want: dict[Key, KernelObject]) -> KernelObject:
    """`obj` as the desired state would write it: its owner, its spelling of addresses and
    destinations, and None where it leaves a field to the kernel."""
    desired = counterpart(obj, want)
    if desired is None:
        return unspecified(obj)
    if isinstance(obj, Veth) and desired.key != obj.key:
        obj = flipped(obj)
    changes: dict[str, Any] = {"owner": desired.owner}
    for item in fields(obj):
        have, wish = getattr(obj, item.name), getattr(desired, item.name)
        if left_open(obj, item.name, wish) or spelled_otherwise(item.name, have, wish):
            changes[item.name] = wish
    if isinstance(obj, Namespace):
        changes.pop("owner")
    return replace(cast(Any, obj), **changes)


def left_open(obj: KernelObject, name: str, wish: Any) -> bool:
    """Whether the desired state leaves this field to the kernel: MTU, MACs, and the device
    of a route through a gateway."""
    if wish is not None:
        return False
    return name in ("mtu", "mac", "peer_mac") or (
        isinstance(obj, Route) and name == "device" and obj.gateway is not None
    )


def spelled_otherwise(name: str, have: Any, wish: Any) -> bool:
    """Whether an observed value is the desired one written another way."""
    if have == wish or have is None or wish is None:
        return False
    if name in ("mac", "peer_mac"):
        return bool(have == wish.lower())
    if name == "remotes":
        return sorted(have) == sorted(wish)
    if name == "destination":
        return same_network(have, wish)
    if name == "cidr":
        return ip_interface(have) == ip_interface(wish)
    if name == "sysctls":
        return dict(have) == dict(wish)
    return False


def unspecified(obj: KernelObject) -> KernelObject:
    """With nothing desired, MTU and MACs are the kernel's business and not reported."""
    names = {item.name for item in fields(obj)} & {"mtu", "mac", "peer_mac"}
    return replace(cast(Any, obj), **dict.fromkeys(names)) if names else obj


def counterpart(obj: KernelObject, want: dict[Key, KernelObject]) -> KernelObject | None:
    found = want.get(obj.key)
    if found is not None and type(found) is type(obj):
        return found
    if isinstance(obj, Address | Route):
        for desired in want.values():
            if type(desired) is not type(obj) or desired.namespace != obj.namespace:
                continue
            if same_place(obj, desired):
                return desired
    if isinstance(obj, Veth):
        flipped = want.get(("link", obj.peer_namespace or "", obj.peer))
        if isinstance(flipped, Veth) and flipped.peer == obj.name:
            return flipped
    return None


def same_place(obj: Address | Route, desired: KernelObject) -> bool:
    """Whether a desired address or route is `obj` with its address written another way."""
    if isinstance(obj, Address) and isinstance(desired, Address):
        return desired.interface == obj.interface and ip_interface(desired.cidr) == ip_interface(
            obj.cidr
        )
    if isinstance(obj, Route) and isinstance(desired, Route):
        return same_network(desired.destination, obj.destination)
    return False


def flipped(obj: Veth) -> Veth:
    return Veth(
        obj.peer,
        obj.name,
        obj.owner,
        obj.peer_namespace,
        obj.namespace,
        obj.peer_master,
        obj.master,
        obj.peer_mac,
        obj.mac,
        obj.mtu,
    )


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(tuples(item) for item in value)
    return value


def table_rules(raw: dict[str, Any]) -> firewall_rules.TableRules:
    return firewall_rules.TableRules(tuples(raw["chains"]), tuples(raw["hooks"]))


def firewall_from_record(raw: dict[str, Any]) -> Firewall:
    return Firewall(**{key: tuples(value) for key, value in raw.items()})


def process_data(obj: Dnsmasq | Keepalived | Responder) -> dict[str, Any]:
    return {"kind": type(obj).__name__, "object": json.loads(json.dumps(asdict(obj)))}


def process_object(data: dict[str, Any]) -> Dnsmasq | Keepalived | Responder:
    raw = {key: tuples(value) for key, value in data["object"].items()}
    if data["kind"] == "Dnsmasq":
        raw["hosts"] = tuple(DhcpHost(**host) for host in data["object"]["hosts"])
        return Dnsmasq(**raw)
    if data["kind"] == "Keepalived":
        return Keepalived(**raw)
    return Responder(**raw)

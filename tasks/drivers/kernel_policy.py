"""A distributed router copy's policy routing in its namespace, through netlink: permanent
neighbour entries on the deployment's interfaces, rules in the priorities the planner uses
(FLOATING_RULE to CENTRAL_RULE), and the routes of the tables they look up. Applied whole:
what is there and not wanted goes, what is wanted is set; read back in the same terms.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from ipaddress import IPv4Address, ip_network

from pyroute2 import IPRoute

from tasks.drivers.netlink import gone_ok
from tasks.planner.dvr import CENTRAL_RULE, FLOATING_RULE
from tasks.planner.state import PolicyRouting

AF_INET = 2
NUD_PERMANENT = 0x80
NETLOOM_PROTO = 188
# The tables a copy's rules look up: the planner's, and room around them.
TABLES = range(100, 200)
PRIORITIES = range(FLOATING_RULE, CENTRAL_RULE + 1)
# What netlink leaves out of a rule without a source and a route without a destination.
UNSPECIFIED = str(IPv4Address(0))

Neighbour = tuple[str, str, str]
PolicyRule = tuple[int, str, int]
TableRoute = tuple[int, str, str | None, str]


def _names(ipr: IPRoute) -> dict[int, str]:
    return {msg["index"]: msg.get_attr("IFLA_IFNAME") for msg in ipr.get_links()}


def read(
    ipr: IPRoute, owns: Callable[[str], bool]
) -> tuple[set[Neighbour], set[PolicyRule], set[TableRoute]]:
    """The permanent neighbours on owned interfaces, the rules in the copy's priorities and the
    routes of its tables, as the planner writes them."""
    names = _names(ipr)
    neighbours = set()
    for msg in ipr.neigh("dump", family=AF_INET):
        device = names.get(msg["ifindex"], "")
        if msg["state"] & NUD_PERMANENT and owns(device):
            neighbours.add((device, msg.get_attr("NDA_DST"), msg.get_attr("NDA_LLADDR")))
    rules = set()
    for msg in ipr.get_rules(family=AF_INET):
        priority = msg.get_attr("FRA_PRIORITY")
        if priority in PRIORITIES:
            source = msg.get_attr("FRA_SRC") or UNSPECIFIED
            network = ip_network(f"{source}/{msg['src_len']}")
            rules.add((priority, str(network), msg.get_attr("FRA_TABLE") or msg["table"]))
    routes = set()
    for msg in ipr.route("dump", family=AF_INET):
        table = msg.get_attr("RTA_TABLE")
        if table in TABLES:
            destination = ip_network(f"{msg.get_attr('RTA_DST') or UNSPECIFIED}/{msg['dst_len']}")
            device = names.get(msg.get_attr("RTA_OIF") or 0, "")
            routes.add((table, str(destination), msg.get_attr("RTA_GATEWAY"), device))
    return neighbours, rules, routes


def observe(ipr: IPRoute, namespace: str, owns: Callable[[str], bool]) -> PolicyRouting | None:
    neighbours, rules, routes = read(ipr, owns)
    if not (neighbours or rules or routes):
        return None
    return PolicyRouting(
        namespace,
        "",
        tuple(sorted(neighbours)),
        tuple(sorted(rules)),
        tuple(sorted(routes, key=str)),
    )


def _index(names: dict[int, str], device: str) -> int:
    for index, name in names.items():
        if name == device:
            return index
    raise ValueError(f"no interface {device}")


def _rule_spec(rule: PolicyRule) -> dict[str, object]:
    priority, source, table = rule
    network = ip_network(source)
    spec: dict[str, object] = {"priority": priority, "table": table, "family": AF_INET}
    if network.prefixlen:
        spec.update(src=str(network.network_address), src_len=network.prefixlen)
    return spec


def _route_spec(route: TableRoute, names: dict[int, str]) -> dict[str, object]:
    table, destination, gateway, device = route
    network = ip_network(destination)
    spec: dict[str, object] = {
        "dst": str(network.network_address),
        "dst_len": network.prefixlen,
        "table": table,
        "family": AF_INET,
    }
    if gateway is not None:
        spec["gateway"] = gateway
    spec["oif"] = _index(names, device)
    return spec


def apply(ipr: IPRoute, want: PolicyRouting | None, owns: Callable[[str], bool]) -> None:
    """Make the namespace's policy routing `want` (None: remove it all)."""
    have_neighbours, have_rules, have_routes = read(ipr, owns)
    names = _names(ipr)
    neighbours = set(want.neighbours) if want else set()
    rules = set(want.rules) if want else set()
    routes = set(want.routes) if want else set()
    for device, address, _mac in sorted(have_neighbours - neighbours):
        gone_ok(partial(ipr.neigh, "del", dst=address, ifindex=_index(names, device)))
    for rule in sorted(have_rules - rules):
        gone_ok(partial(ipr.rule, "del", **_rule_spec(rule)))
    for table, destination, _gateway, _device in sorted(have_routes - routes, key=str):
        network = ip_network(destination)
        spec = {"dst": str(network.network_address), "dst_len": network.prefixlen}
        gone_ok(partial(ipr.route, "del", table=table, family=AF_INET, **spec))
    for device, address, mac in sorted(neighbours - have_neighbours):
        ipr.neigh(
            "replace", dst=address, lladdr=mac, ifindex=_index(names, device), state=NUD_PERMANENT
        )
    for rule in sorted(rules - have_rules):
        ipr.rule("add", **_rule_spec(rule))
    for route in sorted(routes - have_routes, key=str):
        ipr.route("replace", proto=NETLOOM_PROTO, **_route_spec(route, names))

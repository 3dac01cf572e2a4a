"""What distributed routers need of a host's tunnels (`DistributedTunnels`), in one namespace.

The bridge filter: an nftables table of the bridge family, named with the deployment's prefix,
whose forward chain drops ARP naming a distributed router's gateway address on its way into or
out of a VXLAN device. Replaced whole by one `nft -f` (atomic), read back from `nft -j`; the
input is rendered here, from kernel names and addresses only, each checked once more.

The forwarding entries: permanent entries in the deployment's VXLAN devices' own forwarding
databases, a MAC to the underlay address of its host, set and read through netlink; only
permanent entries with a MAC (not the all-zero flooding ones) are read as these.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from ipaddress import IPv4Address
from typing import Any

from pyroute2 import IPRoute

from tasks.drivers.kernel import KernelError, run
from tasks.drivers.netlink import gone_ok
from tasks.drivers.render import safe
from tasks.planner.names import PREFIX_PATTERN
from tasks.planner.state import DistributedTunnels

FAMILY = "bridge"
CHAIN = "forward"
DIRECTIONS = ("iifname", "oifname")
FIELDS = ("saddr ip", "daddr ip")
NUD_PERMANENT = 0x80
# The VXLAN device's own forwarding database, not the bridge's.
NTF_SELF = 0x02
FLOOD_MAC = "00:00:00:00:00:00"
Forward = tuple[str, str, str]


def _table(prefix: str) -> str:
    if not PREFIX_PATTERN.match(prefix):
        raise ValueError(f"not a deployment prefix: {prefix!r}")
    return prefix


def nft_input(prefix: str, bridge_filter: DistributedTunnels | None) -> str:
    """The `nft -f` input that makes the deployment's table exactly `bridge_filter` (None:
    removes it). Declaring the table first makes deleting it safe when it is not there."""
    table = _table(prefix)
    lines = [f"table {FAMILY} {table} {{}}", f"delete table {FAMILY} {table}"]
    if bridge_filter is not None and bridge_filter.drops:
        lines += [
            f"table {FAMILY} {table} {{",
            f"  chain {CHAIN} {{",
            "    type filter hook forward priority 0; policy accept;",
        ]
        for port, address in bridge_filter.drops:
            checked = str(IPv4Address(address))
            for direction in DIRECTIONS:
                for field in FIELDS:
                    lines.append(f'    {direction} "{safe(port)}" arp {field} {checked} drop')
        lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def apply(
    ipr: IPRoute,
    namespace: str | None,
    prefix: str,
    tunnels: DistributedTunnels | None,
    owns: Callable[[str], bool],
) -> None:
    """Make the namespace's bridge filter and forwarding entries `tunnels` (None: remove
    them). `ipr` is a socket in `namespace`, which `run` enters by name."""
    run(namespace, "nft", "-f", "-", stdin=nft_input(prefix, tunnels))
    names = {msg["index"]: msg.get_attr("IFLA_IFNAME") for msg in ipr.get_links()}
    indexes = {name: index for index, name in names.items()}
    have = read_forwards(ipr, owns, names)
    want = set(tunnels.forwards) if tunnels is not None else set()
    for tunnel, mac, remote in sorted(have - want):
        gone_ok(partial(ipr.fdb, "del", ifindex=indexes[tunnel], lladdr=mac, dst=remote))
    for tunnel, mac, remote in sorted(want - have):
        if tunnel not in indexes:
            raise ValueError(f"no VXLAN device {tunnel}")
        index = indexes[tunnel]
        # One entry per MAC: one on another host before goes.
        for stale in [entry for entry in have if entry[:2] == (tunnel, mac)]:
            gone_ok(partial(ipr.fdb, "del", ifindex=index, lladdr=mac, dst=stale[2]))
        ipr.fdb(
            "replace", ifindex=index, lladdr=mac, dst=remote, state=NUD_PERMANENT, flags=NTF_SELF
        )


def read_forwards(
    ipr: IPRoute, owns: Callable[[str], bool], names: dict[int, str] | None = None
) -> set[Forward]:
    """The permanent MAC entries of the owned VXLAN devices."""
    if names is None:
        names = {msg["index"]: msg.get_attr("IFLA_IFNAME") for msg in ipr.get_links()}
    found = set()
    for entry in ipr.fdb("dump"):
        tunnel = names.get(entry["ifindex"], "")
        mac, remote = entry.get_attr("NDA_LLADDR"), entry.get_attr("NDA_DST")
        if owns(tunnel) and remote and mac and mac != FLOOD_MAC and entry["state"] & NUD_PERMANENT:
            found.add((tunnel, mac, remote))
    return found


def _rule_terms(expressions: list[dict[str, Any]]) -> tuple[str, str, str, str] | None:
    """(direction, port, field, address) of one of our rules, else None."""
    direction = port = field = address = None
    dropped = False
    for expression in expressions:
        match = expression.get("match")
        if match is not None and match.get("op") == "==":
            left = match.get("left", {})
            if left.get("meta", {}).get("key") in DIRECTIONS:
                direction, port = left["meta"]["key"], match.get("right")
            elif left.get("payload", {}).get("protocol") == "arp":
                field, address = left["payload"].get("field"), match.get("right")
        elif "drop" in expression:
            dropped = True
    if dropped and direction and isinstance(port, str) and field in FIELDS and address:
        return direction, port, field, str(address)
    return None


def observe(
    ipr: IPRoute, where: str | None, prefix: str, owns: Callable[[str], bool]
) -> DistributedTunnels | None:
    """What a host's own namespace (`where` in the kernel, None in the plan) has: the
    (port, address) pairs all of whose rules the deployment's table has, and the forwarding
    entries. None with neither the table nor an entry."""
    forwards = tuple(sorted(read_forwards(ipr, owns)))
    try:
        output = run(where, "nft", "-j", "list", "table", FAMILY, _table(prefix))
    except (KernelError, OSError):
        # No table (or no nft on the host, so no table either).
        return DistributedTunnels("", None, (), forwards) if forwards else None
    terms = set()
    for item in json.loads(output).get("nftables", []):
        rule = item.get("rule")
        if rule is not None and rule.get("chain") == CHAIN:
            found = _rule_terms(rule.get("expr", []))
            if found is not None:
                terms.add(found)
    pairs = {(port, address) for _direction, port, _field, address in terms}
    complete = sorted(
        (port, address)
        for port, address in pairs
        if all((d, port, f, address) in terms for d in DIRECTIONS for f in FIELDS)
    )
    return DistributedTunnels("", None, tuple(complete), forwards)

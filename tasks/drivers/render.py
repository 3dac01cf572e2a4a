"""The text the drivers hand to tools: `iptables-restore` input, dnsmasq's configuration, the
responder's arguments and the files a supervised process keeps. Pure: the linux driver writes
and runs what these return, the dry run shows it.

Every value here comes from validated addresses, numbers, kernel names and DNS labels. As a
second line of defence each is checked once more before it goes into a file: a value with
whitespace, a quote, a backslash, `#` or `;` could change the meaning of the line it is on, so
it is refused with ValueError.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from tasks.planner.state import Dnsmasq, Firewall, Responder, Rule

LEASE_TIME = "12h"
RESPONDER_MODULE = "tasks.drivers.responder"
_UNSAFE = re.compile(r"[\s\"'`\\#;]")


def safe(value: str) -> str:
    """`value`, if it cannot break out of its place on a line of a configuration file."""
    if not value or _UNSAFE.search(value):
        raise ValueError(f"refusing to write {value!r} into a configuration file")
    return value


# -- iptables -------------------------------------------------------------------------------


def iptables_restore_input(before: Firewall | None, after: Firewall | None) -> str:
    """The `iptables-restore --noflush` input turning the rules `before` into those `after`
    in one table of one namespace (`before` None creates them, `after` None removes them).

    Declaring a chain of the deployment's (`:CHAIN - [0:0]`) creates it or empties it, so its
    rules are written whole; built-in chains are never declared, which would touch their
    policy, and only the deployment's own jumps are deleted from or inserted into them."""
    current = before or after
    if current is None:
        raise ValueError("nothing to render: neither the rules before nor after")
    if before is not None and after is not None and before.table != after.table:
        raise ValueError(f"cannot turn {before.table} rules into {after.table} rules")
    old_chains = dict(before.chains) if before else {}
    new_chains = dict(after.chains) if after else {}
    old_hooks = set(before.hooks) if before else set()
    new_hooks = after.hooks if after else ()

    lines = [f"*{safe(current.table)}"]
    lines += [f":{safe(chain)} - [0:0]" for chain in sorted(old_chains.keys() | new_chains)]
    lines += [_rule("-D", builtin, rule) for builtin, rule in sorted(old_hooks - set(new_hooks))]
    lines += [f"-X {safe(chain)}" for chain in sorted(old_chains.keys() - new_chains)]
    for chain, rules in new_chains.items():
        lines += [_rule("-A", chain, rule) for rule in rules]
    positions: dict[str, int] = {}
    for builtin, rule in new_hooks:
        if (builtin, rule) in old_hooks:
            continue
        positions[builtin] = positions.get(builtin, 0) + 1
        lines.append(_rule("-I", builtin, rule, position=positions[builtin]))
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def _rule(operation: str, chain: str, rule: Rule, position: int | None = None) -> str:
    if not rule:
        raise ValueError(f"an empty rule for {chain}")
    where = [safe(chain)] if position is None else [safe(chain), str(position)]
    return " ".join([operation, *where, *(safe(token) for token in rule)])


# -- processes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DnsmasqFiles:
    config: str
    pid: str
    leases: str


def dnsmasq_files(run_dir: str, namespace: str | None, interface: str) -> DnsmasqFiles:
    """Where the dnsmasq serving `interface` in `namespace` (after binding: `None` is a real
    host's root namespace) keeps its files: named by kernel names, so one per namespace and
    interface across all deployments and emulated hosts of a machine."""
    stem = f"{run_dir}/dnsmasq-{safe(namespace or 'root')}-{safe(interface)}"
    return DnsmasqFiles(config=f"{stem}.conf", pid=f"{stem}.pid", leases=f"{stem}.leases")


def responder_directory(run_dir: str, prefix: str, host: str) -> str:
    """Where the one responder process of a deployment on a host keeps its files."""
    return f"{run_dir}/{safe(prefix)}/{safe(host)}/responder"


def dnsmasq_config(dnsmasq: Dnsmasq, files: DnsmasqFiles) -> str:
    """dnsmasq's configuration: DHCP for the ranges and fixed hosts on one interface, and DNS
    answered only from the records given (no upstream servers, no /etc/hosts)."""
    lines = [
        f"interface={safe(dnsmasq.interface)}",
        "bind-interfaces",
        "except-interface=lo",
        "no-resolv",
        "no-hosts",
        f"pid-file={safe(files.pid)}",
        f"dhcp-leasefile={safe(files.leases)}",
    ]
    for first, last, prefix_length in dnsmasq.ranges:
        lines.append(
            f"dhcp-range={_address(first)},{_address(last)},"
            f"{_mask(first, prefix_length)},{LEASE_TIME}"
        )
    lines += [
        f"dhcp-host={safe(host.mac)},{_address(host.address)},{safe(host.hostname)}"
        for host in dnsmasq.hosts
    ]
    if dnsmasq.router is not None:
        lines.append(f"dhcp-option=option:router,{_address(dnsmasq.router)}")
    if dnsmasq.dns_servers:
        servers = ",".join(_address(server) for server in dnsmasq.dns_servers)
        lines.append(f"dhcp-option=option:dns-server,{servers}")
    if dnsmasq.domain is not None:
        lines.append(f"domain={safe(dnsmasq.domain)}")
    lines += [
        f"host-record={safe(label)},{_address(address)}" for label, address in dnsmasq.records
    ]
    return "\n".join(lines) + "\n"


def _address(value: str) -> str:
    return str(ipaddress.ip_address(safe(value)))


def _mask(address: str, prefix_length: int) -> str:
    """An IPv4 range's netmask, an IPv6 range's prefix length, as dnsmasq takes them."""
    network = ipaddress.ip_network(f"{address}/{prefix_length}", strict=False)
    return str(network.netmask) if network.version == 4 else str(prefix_length)


def responder_arguments(responder: Responder, directory: str) -> list[str]:
    """The command that has the deployment's responder process serve one namespace (and
    starts that process if it does not run)."""
    arguments = ["python3", "-m", RESPONDER_MODULE, "add", safe(directory)]
    arguments.append(safe(responder.namespace))
    arguments += [f"--tcp={port:d}" for port in responder.tcp_ports]
    if responder.http_port is not None:
        arguments.append(f"--http={responder.http_port:d}")
    return arguments


def responder_stop_arguments(responder: Responder, directory: str) -> list[str]:
    return ["python3", "-m", RESPONDER_MODULE, "remove", safe(directory), safe(responder.namespace)]

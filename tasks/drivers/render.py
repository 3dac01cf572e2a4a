"""The text the drivers hand to tools: `iptables-restore` input, dnsmasq's and keepalived's
configurations, load balancers' nft rulesets and IPVS virtual servers, the responder's
arguments and the files a supervised process keeps. Pure: the linux driver writes and runs
what these return, the dry run shows it.

Every value here comes from validated addresses, numbers, kernel names and DNS labels. As a
second line of defence each is checked once more before it goes into a file: a value with
whitespace, a quote, a backslash, `#` or `;` could change the meaning of the line it is on, so
it is refused with ValueError.
"""

from __future__ import annotations

import ipaddress
import re
import sys
from collections.abc import Collection
from dataclasses import dataclass

from tasks.planner.state import (
    BalancerMember,
    Dnsmasq,
    Firewall,
    Keepalived,
    LoadBalancer,
    Responder,
    Rule,
)

LEASE_TIME = "12h"
RESPONDER_MODULE = "tasks.drivers.responder"
NOTIFY_MODULE = "tasks.drivers.vrrp_notify"
# VRRP carries at most this many addresses in an advert; the others are set all the same.
ADVERTISED_ADDRESSES = 20
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


# -- keepalived -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeepalivedFiles:
    config: str
    pid: str
    vrrp_pid: str
    # What the notify program reports transitions as (router, host, namespace, where to).
    identity: str


def keepalived_files(run_dir: str, namespace: str) -> KeepalivedFiles:
    """Where the keepalived of an HA router instance's namespace keeps its files: named by the
    namespace, so one per instance across all deployments and emulated hosts of a machine."""
    stem = f"{run_dir}/keepalived-{safe(namespace)}"
    return KeepalivedFiles(
        config=f"{stem}.conf",
        pid=f"{stem}.pid",
        vrrp_pid=f"{stem}.vrrp.pid",
        identity=f"{stem}.json",
    )


def keepalived_arguments(files: KeepalivedFiles) -> list[str]:
    """keepalived in the foreground (the driver supervises it), VRRP only, logging to its
    output (the process's log file) rather than syslog."""
    return [
        "keepalived",
        "--dont-fork",
        "--log-console",
        "--no-syslog",
        "--vrrp",
        f"--use-file={safe(files.config)}",
        f"--pid={safe(files.pid)}",
        f"--vrrp_pid={safe(files.vrrp_pid)}",
    ]


def keepalived_test_arguments(files: KeepalivedFiles) -> list[str]:
    return ["keepalived", "--config-test", f"--use-file={safe(files.config)}"]


def vrrp_socket(run_dir: str, host: str, namespace: str | None) -> str:
    """The datagram socket where the worker serving a host hears its VRRP transitions: named
    by the host's namespace on a lab fabric, by the host's registered name otherwise."""
    if namespace is not None:
        return f"{run_dir}/vrrp-ns-{safe(namespace)}.sock"
    return f"{run_dir}/vrrp-host-{safe(host)}.sock"


def notify_arguments(files: KeepalivedFiles) -> list[str]:
    """The program keepalived runs on each transition (it appends the instance's name, the
    new state and the priority): this Python, through `env`, since keepalived runs a script
    by its resolved path and a virtual environment's Python is a link to another one."""
    return ["/usr/bin/env", safe(sys.executable), "-m", NOTIFY_MODULE, safe(files.identity)]


def keepalived_config(keepalived: Keepalived, files: KeepalivedFiles) -> str:
    """One VRRPv3 instance (so adverts may come more often than once a second) starting as a
    backup, on the HA network's interface; the master holds the virtual addresses and routes.
    Each value is a kernel name, an address or a number, checked again here."""
    number = _within(keepalived.virtual_router_id, 1, 255, "virtual router id")
    priority = _within(keepalived.priority, 1, 254, "priority")
    advert = _within(keepalived.advert_centiseconds, 1, 4095, "advert interval")
    notify = " ".join(notify_arguments(files))
    lines = [
        "global_defs {",
        # The notify program runs as root, so keepalived checks no one else can change it.
        "    script_user root",
        "    enable_script_security",
        "    vrrp_version 3",
        "}",
        f"vrrp_instance VR_{number} {{",
        "    state BACKUP",
        f"    interface {safe(keepalived.interface)}",
        f"    virtual_router_id {number}",
        f"    priority {priority}",
        f"    advert_int {advert // 100}.{advert % 100:02d}",
    ]
    if keepalived.nopreempt:
        lines.append("    nopreempt")
    lines.append(f'    notify "{notify}"')
    advertised, excluded = _virtual_addresses(keepalived.virtual_addresses)
    for block, entries in (
        ("virtual_ipaddress", advertised),
        ("virtual_ipaddress_excluded", excluded),
        ("virtual_routes", [_virtual_route(*route) for route in keepalived.virtual_routes]),
    ):
        if entries:
            lines += [f"    {block} {{", *(f"        {entry}" for entry in entries), "    }"]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _within(value: int, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"refusing to write {what} {value!r} into a configuration file")
    return value


def _virtual_addresses(addresses: tuple[tuple[str, str], ...]) -> tuple[list[str], list[str]]:
    """The IPv4 addresses VRRP advertises (at most 20), and the others, which keepalived sets
    with them but leaves out of its adverts."""
    advertised: list[str] = []
    excluded: list[str] = []
    for cidr, device in addresses:
        interface = ipaddress.ip_interface(safe(cidr))
        entry = f"{interface} dev {safe(device)}"
        if interface.version == 4 and len(advertised) < ADVERTISED_ADDRESSES:
            advertised.append(entry)
        else:
            excluded.append(entry)
    return advertised, excluded


def _virtual_route(destination: str, gateway: str | None, device: str | None) -> str:
    via = None if gateway is None else ipaddress.ip_address(safe(gateway))
    if destination == "default":
        network = ipaddress.ip_network("::/0" if via and via.version == 6 else "0.0.0.0/0")
    else:
        network = ipaddress.ip_network(safe(destination))
    parts = [str(network)]
    if via is not None:
        parts += ["via", str(via)]
    if device is not None:
        parts += ["dev", safe(device)]
    return " ".join(parts)


# -- load balancers -------------------------------------------------------------------------

CHECK_MODULE = "tasks.drivers.lb_check"
# With IPVS, netfilter sees the balanced connections, so the namespace can masquerade them.
# The sysctl is IPVS's: it is there once the module is loaded, so it is set with the balancer.
IPVS_SYSCTLS = (("net.ipv4.vs.conntrack", "1"),)
_HTTP_PATH = re.compile(r"^/[A-Za-z0-9._~%/?=&+,:@-]{0,255}$")


@dataclass(frozen=True)
class BalancerFiles:
    # The nft ruleset as last written, and (nftables) what the checker is to do.
    ruleset: str
    spec: str
    # The checker's pid, and the members' states as it last saw them.
    pid: str
    states: str
    # keepalived's (ipvs).
    config: str
    checkers_pid: str


def balancer_files(run_dir: str, namespace: str) -> BalancerFiles:
    """Where a load balancer's namespace keeps its files, named by the namespace."""
    stem = f"{run_dir}/lb-{safe(namespace)}"
    return BalancerFiles(
        ruleset=f"{stem}.nft",
        spec=f"{stem}.json",
        pid=f"{stem}.pid",
        states=f"{stem}.states.json",
        config=f"{stem}.conf",
        checkers_pid=f"{stem}.checkers.pid",
    )


def http_path(path: str) -> str:
    """An HTTP check's path, once more held to a path's characters."""
    if not _HTTP_PATH.match(path):
        raise ValueError(f"refusing to write the path {path!r} into a health check")
    return path


def nft_ruleset(balancer: LoadBalancer, healthy: Collection[str] | None = None) -> str:
    """The load balancer's nft table, replaced whole in one transaction: with `nftables`,
    DNAT of VIP:port to the `healthy` members (every member when None) by `numgen inc`,
    round robin or each member as many turns as its weight; either way, masquerading what
    leaves for a member, so its replies come back through the namespace."""
    table = safe(balancer.table)
    vip = ipaddress.IPv4Address(safe(balancer.vip))
    port = _within(balancer.port, 1, 65535, "port")
    members = [
        (ipaddress.IPv4Address(safe(m.address)), _within(m.port, 1, 65535, "port"), m)
        for m in balancer.members
    ]
    lines = [f"table ip {table} {{}}", f"delete table ip {table}", f"table ip {table} {{"]
    if balancer.realisation == "nftables":
        up = [entry for entry in members if healthy is None or entry[2].id in healthy]
        lines += [
            "  chain prerouting {",
            "    type nat hook prerouting priority dstnat; policy accept;",
        ]
        if up:
            lines.append(
                f"    ip daddr {vip} tcp dport {port} dnat ip to {_numgen_map(balancer, up)}"
            )
        lines.append("  }")
    if members:
        targets = ", ".join(f"{address} . {member_port}" for address, member_port, _ in members)
        lines += [
            "  chain postrouting {",
            "    type nat hook postrouting priority srcnat; policy accept;",
            f"    ip daddr . tcp dport {{ {targets} }} masquerade",
            "  }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _numgen_map(
    balancer: LoadBalancer, up: list[tuple[ipaddress.IPv4Address, int, BalancerMember]]
) -> str:
    entries = []
    turn = 0
    for address, port, member in up:
        turns = _within(member.weight, 1, 256, "weight") if balancer.algorithm == "weighted" else 1
        key = str(turn) if turns == 1 else f"{turn}-{turn + turns - 1}"
        entries.append(f"{key} : {address} . {port}")
        turn += turns
    return f"numgen inc mod {turn} map {{ {', '.join(entries)} }}"


def nft_delete_input(balancer: LoadBalancer) -> str:
    table = safe(balancer.table)
    return f"table ip {table} {{}}\ndelete table ip {table}\n"


def check_arguments(files: BalancerFiles) -> list[str]:
    """The checker of an nftables load balancer, run inside its namespace."""
    return [safe(sys.executable), "-m", CHECK_MODULE, safe(files.spec)]


def balancer_keepalived_arguments(files: BalancerFiles) -> list[str]:
    """keepalived in the foreground, health checkers only (the virtual server and its
    checks), logging to its output."""
    return [
        "keepalived",
        "--dont-fork",
        "--log-console",
        "--no-syslog",
        "--check",
        f"--use-file={safe(files.config)}",
        f"--pid={safe(files.pid)}",
        f"--checkers_pid={safe(files.checkers_pid)}",
    ]


def balancer_keepalived_config(balancer: LoadBalancer) -> str:
    """An IPVS virtual server in NAT mode (the namespace masquerades towards the members,
    see `nft_ruleset`) with a real server per member and its TCP or HTTP check. keepalived
    has no `rise`: a member is back after one success; `fall` failures in a row (retries)
    take it out."""
    check = balancer.check
    vip = ipaddress.IPv4Address(safe(balancer.vip))
    port = _within(balancer.port, 1, 65535, "port")
    interval = _within(check.interval_ms, 500, 60000, "check interval")
    timeout = _within(check.timeout_ms, 100, 60000, "check timeout")
    fall = _within(check.fall, 1, 10, "fall")
    lines = [
        f"virtual_server {vip} {port} {{",
        f"    delay_loop {_seconds(interval)}",
        f"    lb_algo {'wrr' if balancer.algorithm == 'weighted' else 'rr'}",
        "    lb_kind NAT",
        "    protocol TCP",
    ]
    for member in balancer.members:
        address = ipaddress.IPv4Address(safe(member.address))
        member_port = _within(member.port, 1, 65535, "port")
        lines += [
            f"    real_server {address} {member_port} {{",
            f"        weight {_within(member.weight, 1, 256, 'weight')}",
        ]
        if check.type == "http":
            lines += [
                "        HTTP_GET {",
                "            url {",
                f"                path {safe(http_path(check.http_path))}",
                "                status_code 200",
                "            }",
            ]
        else:
            lines.append("        TCP_CHECK {")
        lines += [
            f"            connect_timeout {_seconds(timeout)}",
            f"            retry {fall - 1}",
            f"            delay_before_retry {_seconds(interval)}",
            "        }",
            "    }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _seconds(milliseconds: int) -> str:
    return f"{milliseconds // 1000}.{milliseconds % 1000:03d}"

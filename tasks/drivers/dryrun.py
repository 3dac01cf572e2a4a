"""The dry run: a host's plan steps as the ordered commands the linux driver would run, with
the input and files it would hand them, for review and teaching; and the plan preview, what a
deploy will create, change and remove per element and per kind, shown before it is confirmed.

Commands are argument lists, never run through a shell; `render_text` quotes them only for
display. An object planned in the host's own namespace (`namespace=None`) is placed by the
host's binding: plain `ip` on a real host, `ip -n <namespace>` on an emulated one.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from tasks.drivers import HostBinding
from tasks.drivers.kernel_bridge_filter import nft_input
from tasks.drivers.render import (
    IPVS_SYSCTLS,
    balancer_files,
    balancer_keepalived_arguments,
    balancer_keepalived_config,
    check_arguments,
    dnsmasq_config,
    dnsmasq_files,
    iptables_restore_input,
    keepalived_arguments,
    keepalived_config,
    keepalived_files,
    keepalived_test_arguments,
    nft_delete_input,
    nft_ruleset,
    responder_arguments,
    responder_directory,
    responder_stop_arguments,
    vrrp_socket,
)
from tasks.planner.state import (
    Address,
    Attachment,
    Bridge,
    DistributedTunnels,
    Dnsmasq,
    Firewall,
    Keepalived,
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
from tasks.planner.steps import CREATION_ORDER, Action, Step

# The flooding entry of a VXLAN remote: broadcast and unknown traffic go to every remote.
FLOOD_MAC = "00:00:00:00:00:00"


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    # Text given on standard input (iptables-restore's rules).
    stdin: str | None = None
    # A file written just before the command runs, as (path, text): dnsmasq's configuration.
    writes: tuple[str, str] | None = None


def commands(steps: Sequence[Step], binding: HostBinding) -> list[Command]:
    """Every step's commands, in the steps' order."""
    out: list[Command] = []
    for step in steps:
        create, remove, update = _RENDERERS[type(step.obj)]
        if step.action == "create":
            argvs = create(step.obj, binding)
        elif step.action == "remove":
            argvs = remove(step.obj, binding)
        else:
            argvs = update(step.before, step.obj, binding)
        out += [argv if isinstance(argv, Command) else Command(tuple(argv)) for argv in argvs]
    return out


def render_text(commands: Sequence[Command]) -> str:
    """The commands as a person reads them: one per line, arguments quoted as a shell would
    need them, input and files shown as here-documents. For display only."""
    lines = []
    for command in commands:
        if command.writes is not None:
            path, text = command.writes
            lines.append(f"cat > {shlex.quote(path)} <<'EOF'\n{text}EOF")
        line = " ".join(shlex.quote(argument) for argument in command.argv)
        if command.stdin is not None:
            line += f" <<'EOF'\n{command.stdin}EOF"
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


# -- the plan preview -----------------------------------------------------------------------


class Counts(TypedDict):
    create: int
    update: int
    remove: int


class ElementPreview(Counts):
    # What happens to the element as a whole.
    change: Literal["create", "update", "remove"]


class Preview(TypedDict):
    totals: Counts
    kinds: dict[str, Counts]
    elements: dict[str, ElementPreview]


def preview(steps: Sequence[Step]) -> Preview:
    """How many objects each action touches in all, per kind (in creation order) and per
    element; an element whose steps are all creations is created, all removals removed, and
    otherwise changed."""
    totals = _counts()
    kinds: dict[str, Counts] = {}
    owners: dict[str, Counts] = {}
    for step in steps:
        for counts in (
            totals,
            kinds.setdefault(_kind(type(step.obj)), _counts()),
            owners.setdefault(step.obj.owner, _counts()),
        ):
            counts[step.action] += 1
    order = [_kind(kind) for kind in CREATION_ORDER]
    return Preview(
        totals=totals,
        kinds={kind: kinds[kind] for kind in order if kind in kinds},
        elements={owner: _element(owners[owner]) for owner in sorted(owners)},
    )


def _counts() -> Counts:
    return Counts(create=0, update=0, remove=0)


def _kind(kind: type) -> str:
    return kind.__name__.lower()


def _element(counts: Counts) -> ElementPreview:
    total = counts["create"] + counts["update"] + counts["remove"]
    change: Action = "update"
    if counts["create"] == total:
        change = "create"
    elif counts["remove"] == total:
        change = "remove"
    return ElementPreview(change=change, **counts)


# -- where commands run ---------------------------------------------------------------------

# One command as a renderer gives it: its arguments, or a Command when it carries input.
Argv = list[str] | Command


def _ip(binding: HostBinding, namespace: str | None, *arguments: str) -> list[str]:
    where = binding.resolve(namespace)
    return ["ip", *arguments] if where is None else ["ip", "-n", where, *arguments]


def _bridge(binding: HostBinding, namespace: str | None, *arguments: str) -> list[str]:
    where = binding.resolve(namespace)
    return ["bridge", *arguments] if where is None else ["bridge", "-n", where, *arguments]


def _inside(binding: HostBinding, namespace: str | None, *arguments: str) -> list[str]:
    where = binding.resolve(namespace)
    return list(arguments) if where is None else ["ip", "netns", "exec", where, *arguments]


def _mtu(mtu: int | None) -> list[str]:
    return [] if mtu is None else ["mtu", str(mtu)]


def _mac(mac: str | None) -> list[str]:
    return [] if mac is None else ["address", mac]


def _set_master(
    binding: HostBinding, namespace: str | None, name: str, master: str | None
) -> list[str]:
    port = ["master", master] if master is not None else ["nomaster"]
    return _ip(binding, namespace, "link", "set", name, *port)


def _delete_link(obj: Bridge | Vlan | Veth | Vxlan | Macvlan, binding: HostBinding) -> list[Argv]:
    return [_ip(binding, obj.namespace, "link", "del", obj.name)]


# -- namespaces -----------------------------------------------------------------------------


def _create_namespace(obj: Namespace, binding: HostBinding) -> list[Argv]:
    return [
        ["ip", "netns", "add", obj.name],
        ["ip", "-n", obj.name, "link", "set", "lo", "up"],
        *(_set_sysctl(obj.name, key, value) for key, value in obj.sysctls),
    ]


def _set_sysctl(namespace: str, key: str, value: str) -> list[str]:
    return ["ip", "netns", "exec", namespace, "sysctl", "-w", f"{key}={value}"]


def _remove_namespace(obj: Namespace, binding: HostBinding) -> list[Argv]:
    return [["ip", "netns", "del", obj.name]]


def _update_namespace(before: Namespace, after: Namespace, binding: HostBinding) -> list[Argv]:
    had = dict(before.sysctls)
    return [
        _set_sysctl(after.name, key, value) for key, value in after.sysctls if had.get(key) != value
    ]


# -- links ----------------------------------------------------------------------------------


def _create_bridge(obj: Bridge, binding: HostBinding) -> list[Argv]:
    add = ("link", "add", obj.name, *_mtu(obj.mtu), *_mac(obj.mac), "type", "bridge")
    return [
        _ip(binding, obj.namespace, *add),
        _ip(binding, obj.namespace, "link", "set", obj.name, "up"),
    ]


def _update_bridge(before: Bridge, after: Bridge, binding: HostBinding) -> list[Argv]:
    changes = [] if after.mtu is None or after.mtu == before.mtu else _mtu(after.mtu)
    if after.mac is not None and after.mac != before.mac:
        changes += _mac(after.mac)
    if not changes:
        return []
    return [_ip(binding, after.namespace, "link", "set", after.name, *changes)]


def _create_vlan(obj: Vlan, binding: HostBinding) -> list[Argv]:
    add = ("link", "add", obj.name, "link", obj.parent, "type", "vlan", "id", str(obj.vlan_id))
    return [
        _ip(binding, obj.namespace, *add),
        _set_master(binding, obj.namespace, obj.name, obj.master),
        _ip(binding, obj.namespace, "link", "set", obj.name, "up"),
    ]


def _update_vlan(before: Vlan, after: Vlan, binding: HostBinding) -> list[Argv]:
    if after.master == before.master:
        return []
    return [_set_master(binding, after.namespace, after.name, after.master)]


def _create_veth(obj: Veth, binding: HostBinding) -> list[Argv]:
    ends = [
        (obj.namespace, obj.name, obj.mac, obj.master),
        (obj.peer_namespace, obj.peer, obj.peer_mac, obj.peer_master),
    ]
    # Made in one end's namespace with the other moved at birth; never moved into the root
    # namespace of a real host, which has no name to give `netns`.
    if binding.resolve(obj.peer_namespace) is None:
        ends.reverse()
    (near_ns, near, near_mac, _), (far_ns, far, far_mac, _) = ends
    far_where = binding.resolve(far_ns)
    move = [] if far_where in (None, binding.resolve(near_ns)) else ["netns", str(far_where)]
    add = _ip(
        binding,
        near_ns,
        "link",
        "add",
        near,
        *_mac(near_mac),
        *_mtu(obj.mtu),
        "type",
        "veth",
        "peer",
        "name",
        far,
        *_mac(far_mac),
        *_mtu(obj.mtu),
        *move,
    )
    argvs: list[Argv] = [add]
    argvs += [
        _set_master(binding, namespace, name, master)
        for namespace, name, _, master in ends
        if master is not None
    ]
    argvs += [_ip(binding, namespace, "link", "set", name, "up") for namespace, name, _, _ in ends]
    return argvs


def _update_veth(before: Veth, after: Veth, binding: HostBinding) -> list[Argv]:
    argvs: list[Argv] = []
    for namespace, name, old, new in (
        (after.namespace, after.name, before.mac, after.mac),
        (after.peer_namespace, after.peer, before.peer_mac, after.peer_mac),
    ):
        if new is not None and new != old:
            argvs.append(_ip(binding, namespace, "link", "set", name, *_mac(new)))
    if after.mtu is not None and after.mtu != before.mtu:
        argvs.append(_ip(binding, after.namespace, "link", "set", after.name, *_mtu(after.mtu)))
        argvs.append(
            _ip(binding, after.peer_namespace, "link", "set", after.peer, *_mtu(after.mtu))
        )
    if after.master != before.master:
        argvs.append(_set_master(binding, after.namespace, after.name, after.master))
    if after.peer_master != before.peer_master:
        argvs.append(_set_master(binding, after.peer_namespace, after.peer, after.peer_master))
    return argvs


def _create_vxlan(obj: Vxlan, binding: HostBinding) -> list[Argv]:
    device = ["dev", obj.underlay] if obj.underlay else []
    add = _ip(
        binding,
        obj.namespace,
        "link",
        "add",
        obj.name,
        *_mtu(obj.mtu),
        "type",
        "vxlan",
        "id",
        str(obj.vni),
        "local",
        obj.local,
        *device,
        "dstport",
        str(obj.port),
        "nolearning",
    )
    return [
        add,
        *(_flood(binding, obj, "append", remote) for remote in obj.remotes),
        _set_master(binding, obj.namespace, obj.name, obj.master),
        _ip(binding, obj.namespace, "link", "set", obj.name, "up"),
    ]


def _flood(binding: HostBinding, obj: Vxlan, operation: str, remote: str) -> list[str]:
    return _bridge(
        binding, obj.namespace, "fdb", operation, FLOOD_MAC, "dev", obj.name, "dst", remote
    )


def _update_vxlan(before: Vxlan, after: Vxlan, binding: HostBinding) -> list[Argv]:
    argvs: list[Argv] = [
        _flood(binding, after, "del", remote)
        for remote in before.remotes
        if remote not in after.remotes
    ]
    argvs += [
        _flood(binding, after, "append", remote)
        for remote in after.remotes
        if remote not in before.remotes
    ]
    if after.mtu is not None and after.mtu != before.mtu:
        argvs.append(_ip(binding, after.namespace, "link", "set", after.name, *_mtu(after.mtu)))
    if after.master != before.master:
        argvs.append(_set_master(binding, after.namespace, after.name, after.master))
    return argvs


def _create_macvlan(obj: Macvlan, binding: HostBinding) -> list[Argv]:
    # Made on its parent in the host's own namespace, then moved where it belongs.
    add = ("link", "add", obj.name, "link", obj.parent, *_mac(obj.mac))
    argvs: list[Argv] = [_ip(binding, None, *add, "type", "macvlan", "mode", obj.mode)]
    where = binding.resolve(obj.namespace)
    if where != binding.resolve(None):
        argvs.append(_ip(binding, None, "link", "set", obj.name, "netns", str(where)))
    argvs.append(_ip(binding, obj.namespace, "link", "set", obj.name, "up"))
    return argvs


def _update_macvlan(before: Macvlan, after: Macvlan, binding: HostBinding) -> list[Argv]:
    if after.mac is None or after.mac == before.mac:
        return []
    return [_ip(binding, after.namespace, "link", "set", after.name, *_mac(after.mac))]


# -- what sits on links ---------------------------------------------------------------------


def _create_attachment(obj: Attachment, binding: HostBinding) -> list[Argv]:
    return [
        _set_master(binding, obj.namespace, obj.interface, obj.master),
        _ip(binding, obj.namespace, "link", "set", obj.interface, "up"),
    ]


def _remove_attachment(obj: Attachment, binding: HostBinding) -> list[Argv]:
    # The interface is not Netloom's: it is only released from the bridge.
    return [_set_master(binding, obj.namespace, obj.interface, None)]


def _update_attachment(before: Attachment, after: Attachment, binding: HostBinding) -> list[Argv]:
    if after.master == before.master:
        return []
    return [_set_master(binding, after.namespace, after.interface, after.master)]


def _create_address(obj: Address, binding: HostBinding) -> list[Argv]:
    return [_ip(binding, obj.namespace, "addr", "add", obj.cidr, "dev", obj.interface)]


def _remove_address(obj: Address, binding: HostBinding) -> list[Argv]:
    return [_ip(binding, obj.namespace, "addr", "del", obj.cidr, "dev", obj.interface)]


def _route(obj: Route, binding: HostBinding) -> list[Argv]:
    via = [] if obj.gateway is None else ["via", obj.gateway]
    device = [] if obj.device is None else ["dev", obj.device]
    return [_ip(binding, obj.namespace, "route", "replace", obj.destination, *via, *device)]


def _remove_route(obj: Route, binding: HostBinding) -> list[Argv]:
    return [_ip(binding, obj.namespace, "route", "del", obj.destination)]


def _firewall(before: Firewall | None, after: Firewall | None, binding: HostBinding) -> list[Argv]:
    current = after or before
    if current is None:
        raise ValueError("a firewall step without rules")
    restore = _inside(binding, current.namespace, "iptables-restore", "--noflush")
    return [Command(tuple(restore), stdin=iptables_restore_input(before, after))]


def _policy_routing(
    before: PolicyRouting | None, after: PolicyRouting | None, binding: HostBinding
) -> list[Argv]:
    """What goes of `before` and what is set of `after`: neighbours, rules, table routes."""
    current = after or before
    if current is None:
        raise ValueError("a policy routing step without entries")
    old = before or PolicyRouting(current.namespace, current.owner)
    new = after or PolicyRouting(current.namespace, current.owner)

    def ip(*arguments: str) -> list[str]:
        return _ip(binding, current.namespace, *arguments)

    out: list[Argv] = []
    for device, address, _mac in sorted(set(old.neighbours) - set(new.neighbours)):
        out.append(ip("neigh", "del", address, "dev", device))
    for priority, source, _table in sorted(set(old.rules) - set(new.rules)):
        out.append(ip("rule", "del", "priority", str(priority), "from", source))
    for table, destination, _gateway, _device in sorted(set(old.routes) - set(new.routes), key=str):
        out.append(ip("route", "del", destination, "table", str(table)))
    for device, address, mac in sorted(set(new.neighbours) - set(old.neighbours)):
        out.append(
            ip("neigh", "replace", address, "lladdr", mac, "dev", device, "nud", "permanent")
        )
    for priority, source, table in sorted(set(new.rules) - set(old.rules)):
        out.append(
            ip("rule", "add", "priority", str(priority), "from", source, "lookup", str(table))
        )
    for table, destination, gateway, device in sorted(set(new.routes) - set(old.routes), key=str):
        via = [] if gateway is None else ["via", gateway]
        out.append(ip("route", "replace", destination, *via, "dev", device, "table", str(table)))
    return out


def _distributed_tunnels(
    before: DistributedTunnels | None, after: DistributedTunnels | None, binding: HostBinding
) -> list[Argv]:
    """The bridge filter replaced whole, then the forwarding entries that go and come."""
    current = after or before
    if current is None:
        raise ValueError("a distributed tunnels step without entries")
    apply = _inside(binding, current.namespace, "nft", "-f", "-")
    out: list[Argv] = [Command(tuple(apply), stdin=nft_input(binding.prefix, after))]
    old = set(before.forwards) if before else set()
    new = set(after.forwards) if after else set()
    for tunnel, mac, remote in sorted(old - new):
        out.append(
            _bridge(binding, current.namespace, "fdb", "del", mac, "dev", tunnel, "dst", remote)
        )
    for tunnel, mac, remote in sorted(new - old):
        out.append(
            _bridge(
                binding,
                current.namespace,
                "fdb",
                "replace",
                mac,
                "dev",
                tunnel,
                "dst",
                remote,
                "permanent",
            )
        )
    return out


# -- processes ------------------------------------------------------------------------------


def _start_dnsmasq(obj: Dnsmasq, binding: HostBinding) -> list[Argv]:
    files = dnsmasq_files(binding.run_dir, binding.resolve(obj.namespace), obj.interface)
    start = _inside(
        binding, obj.namespace, "dnsmasq", "--keep-in-foreground", f"--conf-file={files.config}"
    )
    return [Command(tuple(start), writes=(files.config, dnsmasq_config(obj, files)))]


def _stop_dnsmasq(obj: Dnsmasq, binding: HostBinding) -> list[Argv]:
    files = dnsmasq_files(binding.run_dir, binding.resolve(obj.namespace), obj.interface)
    return [["pkill", "--pidfile", files.pid]]


def _start_keepalived(obj: Keepalived, binding: HostBinding) -> list[Argv]:
    """The configuration written and checked inside the namespace, then keepalived started
    with the identity its notify program reports transitions as."""
    files = keepalived_files(binding.run_dir, obj.namespace)
    identity = {
        "router": obj.owner,
        "host": binding.host,
        "namespace": obj.namespace,
        "socket": vrrp_socket(binding.run_dir, binding.host, binding.namespace),
    }
    check = _inside(binding, obj.namespace, *keepalived_test_arguments(files))
    start = _inside(binding, obj.namespace, *keepalived_arguments(files))
    return [
        Command(tuple(check), writes=(files.config, keepalived_config(obj, files))),
        Command(tuple(start), writes=(files.identity, json.dumps(identity) + "\n")),
    ]


def _stop_keepalived(obj: Keepalived, binding: HostBinding) -> list[Argv]:
    files = keepalived_files(binding.run_dir, obj.namespace)
    return [["pkill", "--pidfile", files.pid]]


def _start_balancer(obj: LoadBalancer, binding: HostBinding) -> list[Argv]:
    """The nft table written inside the namespace, then keepalived's virtual server (checked
    first) or the checker that keeps the table's DNAT to the healthy members."""
    files = balancer_files(binding.run_dir, obj.namespace)
    table = Command(
        tuple(_inside(binding, obj.namespace, "nft", "-f", files.ruleset)),
        writes=(files.ruleset, nft_ruleset(obj)),
    )
    if obj.realisation == "ipvs":
        check = _inside(
            binding, obj.namespace, "keepalived", "--config-test", f"--use-file={files.config}"
        )
        start = _inside(binding, obj.namespace, *balancer_keepalived_arguments(files))
        return [
            ["modprobe", "ip_vs"],
            *(_set_sysctl(obj.namespace, key, value) for key, value in IPVS_SYSCTLS),
            table,
            Command(tuple(check), writes=(files.config, balancer_keepalived_config(obj))),
            start,
        ]
    spec = {"balancer": "(as planned)", "states": files.states, "pid": files.pid}
    start = _inside(binding, obj.namespace, *check_arguments(files))
    return [table, Command(tuple(start), writes=(files.spec, json.dumps(spec) + "\n"))]


def _stop_balancer(obj: LoadBalancer, binding: HostBinding) -> list[Argv]:
    files = balancer_files(binding.run_dir, obj.namespace)
    delete = _inside(binding, obj.namespace, "nft", "-f", "-")
    return [["pkill", "--pidfile", files.pid], Command(tuple(delete), stdin=nft_delete_input(obj))]


def _start_responder(obj: Responder, binding: HostBinding) -> list[Argv]:
    directory = responder_directory(binding.run_dir, binding.prefix, binding.host)
    return [responder_arguments(obj, directory)]


def _stop_responder(obj: Responder, binding: HostBinding) -> list[Argv]:
    directory = responder_directory(binding.run_dir, binding.prefix, binding.host)
    return [responder_stop_arguments(obj, directory)]


def _update_responder(before: Responder, after: Responder, binding: HostBinding) -> list[Argv]:
    # `add` replaces what a namespace is served.
    return _start_responder(after, binding)


def _restart(
    stop: Callable[[Any, HostBinding], list[Argv]], start: Callable[[Any, HostBinding], list[Argv]]
) -> Callable[[Any, Any, HostBinding], list[Argv]]:
    """A process's update: stopped and started again with its new configuration."""
    return lambda before, after, binding: stop(before, binding) + start(after, binding)


def _nothing(before: Any, after: Any, binding: HostBinding) -> list[Argv]:
    return []


_Renderer = tuple[
    Callable[[Any, HostBinding], list[Argv]],
    Callable[[Any, HostBinding], list[Argv]],
    Callable[[Any, Any, HostBinding], list[Argv]],
]
# Each kind's (create, remove, update).
_RENDERERS: dict[type, _Renderer] = {
    Namespace: (_create_namespace, _remove_namespace, _update_namespace),
    Bridge: (_create_bridge, _delete_link, _update_bridge),
    Vlan: (_create_vlan, _delete_link, _update_vlan),
    Veth: (_create_veth, _delete_link, _update_veth),
    Vxlan: (_create_vxlan, _delete_link, _update_vxlan),
    Macvlan: (_create_macvlan, _delete_link, _update_macvlan),
    Attachment: (_create_attachment, _remove_attachment, _update_attachment),
    Address: (_create_address, _remove_address, _nothing),
    Route: (_route, _remove_route, lambda before, after, binding: _route(after, binding)),
    Firewall: (
        lambda obj, binding: _firewall(None, obj, binding),
        lambda obj, binding: _firewall(obj, None, binding),
        _firewall,
    ),
    PolicyRouting: (
        lambda obj, binding: _policy_routing(None, obj, binding),
        lambda obj, binding: _policy_routing(obj, None, binding),
        _policy_routing,
    ),
    DistributedTunnels: (
        lambda obj, binding: _distributed_tunnels(None, obj, binding),
        lambda obj, binding: _distributed_tunnels(obj, None, binding),
        _distributed_tunnels,
    ),
    Dnsmasq: (_start_dnsmasq, _stop_dnsmasq, _restart(_stop_dnsmasq, _start_dnsmasq)),
    Keepalived: (
        _start_keepalived,
        _stop_keepalived,
        _restart(_stop_keepalived, _start_keepalived),
    ),
    Responder: (_start_responder, _stop_responder, _update_responder),
    LoadBalancer: (_start_balancer, _stop_balancer, _restart(_stop_balancer, _start_balancer)),
}

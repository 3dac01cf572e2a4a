"""The linux driver: observes what one deployment has on one host's kernel, as a `HostState`,
and applies planned steps to it.

Namespaces, links, addresses and routes go through netlink (pyroute2) from this process, which
enters a namespace only to open a socket or write a sysctl there (no process per namespace);
firewalls go through one `iptables-restore --noflush` per table; dnsmasq runs as a supervised
process per DHCP server, keepalived per HA router instance (kernel_keepalived.py), and one
responder process serves every instance of the deployment on the host. Only objects whose
names carry the deployment's prefix are ever read as ours or changed. Every step is
idempotent: creating what exists, or removing what is gone, changes nothing. A step that fails
removes the object it was making and raises a `DriverError`.

What the kernel does not keep (an object's owner, a namespace's role, the firewall and
processes as they were asked for) is kept in the driver's run directory, one per deployment
and host. `observe(desired)` reports the fields a desired state leaves open (MTU, MAC, a
route's device) as that state has them, so observing right after applying plans no steps.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack, suppress
from dataclasses import asdict, replace
from ipaddress import ip_interface, ip_network
from pathlib import Path
from typing import Any

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from tasks.drivers import HostBinding, kernel_bridge_filter, kernel_policy, lanes, render
from tasks.drivers import kernel_firewall as firewall_rules
from tasks.drivers import kernel_process as processes
from tasks.drivers.kernel import (
    NETNS_DIR,
    KernelError,
    Message,
    Sockets,
    create_namespace,
    kind_of,
    link,
    name_of,
    namespace_path,
    namespaces,
    remove_namespace,
    write_sysctls,
)
from tasks.drivers.kernel_keepalived import KeepalivedSupervisor
from tasks.drivers.kernel_lb import BalancerSupervisor
from tasks.drivers.netlink import (
    configure,
    delete_link,
    gone_ok,
    kill_inside,
    link_index,
    pids_by_namespace,
    same_vxlan,
)
from tasks.drivers.observed import (
    process_data,
    process_object,
    route_destination,
)
from tasks.drivers.reading import (
    AF_INET,
    AF_INET6,
    FLOOD_MAC,
    MAIN_TABLE,
    NETLOOM_PROTO,
    KernelReading,
)
from tasks.drivers.responder import Entry, ResponderControl
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
from tasks.planner.steps import Step

REPO = Path(__file__).resolve().parents[2]
# Called with each step as it starts and once it is done.
StepListener = Callable[[Step], None]
# The loopback device of every network namespace.
LOOPBACK_INDEX = 1
# Errors that mean "already so" for a create (see netlink.py for "already gone").
_EXISTS = {errno.EEXIST}
# Threads for runs of independent steps: more than the cores buys nothing.
LANES = min(4, os.cpu_count() or 1)
# How long a destroy waits for the kernel to take removed namespaces' veths off the host.
TEARDOWN_WAIT_SECONDS = 10.0


class DriverError(Exception):
    """A step the kernel refused: which step, and what the kernel said."""

    def __init__(self, step: Step, error: BaseException) -> None:
        self.step = step
        self.error = error
        super().__init__(f"{step.action} {describe(step.obj)}: {error}")


def describe(obj: KernelObject) -> str:
    where = obj.key[1] if len(obj.key) > 2 and obj.key[1] else "host namespace"
    return f"{type(obj).__name__.lower()} {obj.key[-1]} ({where})"


class LinuxDriver(KernelReading):
    def __init__(self, binding: HostBinding, prefix: str, lanes: int = LANES) -> None:
        self.binding = binding
        self.prefix = prefix
        # Threads applying independent steps at once.
        self.lanes = max(1, lanes)
        # What the kernel does not keep, per deployment and host; processes' own files sit in
        # the binding's run directory, where the dry run shows them.
        self.run_dir = Path(binding.run_dir) / prefix / binding.host
        self._responder: ResponderControl | None = None
        # Responder steps not yet handed to the responder process: it takes them up together.
        self._pending: list[Step] = []
        self.keepalived = KeepalivedSupervisor(binding, self.run_dir / "processes", REPO)
        self.balancers = BalancerSupervisor(binding, self.run_dir / "balancers", REPO)

    # -- applying ---------------------------------------------------------------------------

    def apply(
        self,
        steps: Sequence[Step],
        started: StepListener | None = None,
        done: StepListener | None = None,
    ) -> None:
        """Apply steps in order, telling `started` and `done` about each (either may raise to
        stop). A failed step's object is removed before `DriverError`. Runs of independent
        steps (namespaces, veths, addresses, routes) are spread over a few threads; responder
        steps in a row are handed to the responder process together, and are done together."""
        with ExitStack() as stack:
            sockets = stack.enter_context(Sockets(self.binding.namespace))
            pool: lanes.Lanes | None = None
            if self.lanes > 1 and any(lanes.parallel(batch) for batch in lanes.batches(steps)):
                pool = stack.enter_context(
                    lanes.Lanes(self.lanes, self.binding.namespace, self._apply_step)
                )
            if any(isinstance(s.obj, Responder) and s.action != "remove" for s in steps):
                # It takes a moment to start: it does while the namespaces are made.
                self.responder.start()
            try:
                for batch in lanes.batches(steps):
                    if pool is not None and lanes.parallel(batch):
                        self._commit_responders(done)
                        pool.run(batch, started, done)
                    else:
                        self._apply_in_turn(sockets, batch, started, done)
                    if batch[0].action == "remove":
                        sockets.links_changed()
                        if pool is not None:
                            pool.links_changed()
                self._commit_responders(done)
            finally:
                self._pending.clear()
        self._forget_if_empty()

    def _apply_in_turn(
        self,
        sockets: Sockets,
        batch: Sequence[Step],
        started: StepListener | None,
        done: StepListener | None,
    ) -> None:
        for step in batch:
            if started is not None:
                started(step)
            if not isinstance(step.obj, Responder):
                self._commit_responders(done)
            self._apply_step(sockets, step)
            if isinstance(step.obj, Responder):
                self._pending.append(step)
            elif done is not None:
                done(step)

    def _apply_step(self, sockets: Sockets, step: Step) -> None:
        try:
            if step.action == "remove":
                self._remove(sockets, step.obj)
            else:
                self._ensure(sockets, step.obj)
        except (NetlinkError, KernelError, OSError, ValueError) as exc:
            if step.action == "create":
                self._clean_up(sockets, step.obj)
            raise DriverError(step, exc) from exc

    def _commit_responders(self, done: StepListener | None) -> None:
        """Have the responder process serve what the pending steps ask for; a namespace it
        could not serve fails its step (and is not served)."""
        if not self._pending:
            return
        steps, self._pending = self._pending, []
        try:
            failed = self.responder.commit(self.responder.entries)
        except OSError as exc:
            raise DriverError(steps[0], exc) from exc
        for step in steps:
            assert isinstance(step.obj, Responder)
            namespace = step.obj.namespace
            if namespace in failed:
                entries = dict(self.responder.entries)
                entries.pop(namespace, None)
                self.responder.commit(entries)
                raise DriverError(step, OSError(failed[namespace]))
            if done is not None:
                done(step)

    def _forget_if_empty(self) -> None:
        """Once the deployment has nothing left on this host, its records go too."""
        if any(path.is_file() for path in self.run_dir.rglob("*")):
            return
        shutil.rmtree(self.run_dir, ignore_errors=True)
        parent = self.run_dir.parent
        if parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()

    def _clean_up(self, sockets: Sockets, obj: KernelObject) -> None:
        with suppress(NetlinkError, KernelError, OSError, ValueError):
            self._remove(sockets, obj)

    def _ensure(self, sockets: Sockets, obj: KernelObject) -> None:
        handlers: dict[type, Callable[[Sockets, Any], None]] = {
            Namespace: self._ensure_namespace,
            Bridge: self._ensure_bridge,
            Veth: self._ensure_veth,
            Vxlan: self._ensure_vxlan,
            Macvlan: self._ensure_macvlan,
            Vlan: self._ensure_vlan,
            Attachment: self._ensure_attachment,
            Address: self._ensure_address,
            Route: self._ensure_route,
            Firewall: self._ensure_firewall,
            PolicyRouting: lambda s, obj: kernel_policy.apply(s(obj.namespace), obj, self.owns),
            DistributedTunnels: lambda s, obj: self._bridge_filter(s, obj.namespace, obj),
            Dnsmasq: self._ensure_dnsmasq,
            Keepalived: lambda _sockets, obj: self.keepalived.ensure(obj),
            LoadBalancer: lambda _sockets, obj: self.balancers.ensure(obj),
            Responder: self._ensure_responder,
        }
        handlers[type(obj)](sockets, obj)

    def _remove(self, sockets: Sockets, obj: KernelObject) -> None:
        sockets.links_changed()
        handlers: dict[type, Callable[[Sockets, Any], None]] = {
            Namespace: self._remove_namespace,
            Bridge: self._remove_link,
            Veth: self._remove_veth,
            Vxlan: self._remove_link,
            Macvlan: self._remove_link,
            Vlan: self._remove_link,
            Attachment: self._remove_attachment,
            Address: self._remove_address,
            Route: self._remove_route,
            Firewall: self._remove_firewall,
            PolicyRouting: self._remove_policy_routing,
            DistributedTunnels: lambda s, obj: self._bridge_filter(s, obj.namespace, None),
            Dnsmasq: self._stop_dnsmasq,
            Keepalived: lambda _sockets, obj: self.keepalived.stop(obj),
            LoadBalancer: lambda _sockets, obj: self.balancers.stop(obj),
            Responder: self._stop_responder,
        }
        handlers[type(obj)](sockets, obj)

    def _remove_policy_routing(self, sockets: Sockets, obj: PolicyRouting) -> None:
        ipr = self._present(sockets, obj.namespace)
        if ipr is not None:
            kernel_policy.apply(ipr, None, self.owns)

    def _bridge_filter(
        self, sockets: Sockets, namespace: str | None, obj: DistributedTunnels | None
    ) -> None:
        where = sockets.resolve(namespace)
        kernel_bridge_filter.apply(sockets(namespace), where, self.prefix, obj, self.owns)

    def _present(self, sockets: Sockets, namespace: str | None) -> IPRoute | None:
        """The socket of an object's namespace, or None when that namespace is gone."""
        target = sockets.resolve(namespace)
        if target is not None and not (NETNS_DIR / target).exists():
            return None
        return sockets(namespace)

    # namespaces

    def _ensure_namespace(self, sockets: Sockets, obj: Namespace) -> None:
        marker = self._marker(obj.name)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps({"role": obj.role, "owner": obj.owner}))
        create_namespace(obj.name)
        sockets.raw(obj.name).set_up(LOOPBACK_INDEX)
        write_sysctls(obj.name, obj.sysctls)

    def _remove_namespace(
        self, sockets: Sockets, obj: Namespace, pids: dict[int, list[int]] | None = None
    ) -> None:
        if (NETNS_DIR / obj.name).exists():
            kill_inside(obj.name, pids)
            # The kernel frees a removed namespace's links later, on its own; deleted here they
            # are gone (veth peers outside included) before this returns.
            ipr = sockets(obj.name)
            for found in list(ipr.get_links()):
                if name_of(found) != "lo":
                    with suppress(NetlinkError):
                        ipr.link("del", index=found["index"])
            sockets.forget(obj.name)
            remove_namespace(obj.name)
        else:
            sockets.forget(obj.name)
        self._marker(obj.name).unlink(missing_ok=True)
        # Its iptables went with it, with no step of their own: so do their records.
        for record in self.run_dir.glob(f"firewalls/{obj.name}.*.json"):
            record.unlink(missing_ok=True)

    # links

    def _ensure_bridge(self, sockets: Sockets, obj: Bridge) -> None:
        ipr = sockets(obj.namespace)
        existing = link(ipr, obj.name)
        if existing is not None and kind_of(existing) != "bridge":
            sockets.links_changed()
            ipr.link("del", index=existing["index"])
            existing = None
        if existing is None:
            made: dict[str, Any] = {} if obj.mac is None else {"address": obj.mac}
            ipr.link("add", ifname=obj.name, kind="bridge", **made)
        configure(ipr, obj.name, mac=obj.mac, mtu=obj.mtu)

    def _remove_link(self, sockets: Sockets, obj: Bridge | Vxlan | Macvlan | Vlan) -> None:
        ipr = self._present(sockets, obj.namespace)
        if ipr is not None:
            delete_link(ipr, obj.name)

    def _ensure_veth(self, sockets: Sockets, obj: Veth) -> None:
        """Made whole in one request (both ends up, MACs, MTU, bridge port; the far end's
        bridge port is set from its own namespace). Where a link of either name exists, a
        pair that is already the one wanted is only configured; anything else goes first."""
        peer_namespace = sockets.resolve(obj.peer_namespace)
        across = peer_namespace != sockets.resolve(obj.namespace)

        def add() -> None:
            sockets.raw(obj.namespace).add_veth(
                obj.name,
                obj.peer,
                peer_namespace=peer_namespace if across else None,
                mac=obj.mac,
                peer_mac=obj.peer_mac,
                mtu=obj.mtu,
                master=None if obj.master is None else sockets.index(obj.namespace, obj.master),
            )

        try:
            add()
        except NetlinkError as exc:
            if exc.code not in _EXISTS:
                raise
            ipr, peer_ipr = sockets(obj.namespace), sockets(obj.peer_namespace)
            existing = link(ipr, obj.name)
            if existing is not None and self._pairs(sockets, obj, existing):
                configure(ipr, obj.name, master=obj.master, mac=obj.mac, mtu=obj.mtu)
                configure(peer_ipr, obj.peer, master=obj.peer_master, mac=obj.peer_mac, mtu=obj.mtu)
                return
            sockets.links_changed()
            delete_link(ipr, obj.name)
            delete_link(peer_ipr, obj.peer)
            add()
        if obj.peer_master is not None:
            configure(sockets(obj.peer_namespace), obj.peer, master=obj.peer_master)
        else:
            sockets.raw(obj.peer_namespace).set_up_named(obj.peer)

    def _pairs(self, sockets: Sockets, obj: Veth, end: Message) -> bool:
        """Whether an existing link is a veth whose peer is the one `obj` wants."""
        peer = link(sockets(obj.peer_namespace), obj.peer)
        if kind_of(end) != "veth" or peer is None or kind_of(peer) != "veth":
            return False
        return bool(
            end.get_attr("IFLA_LINK") == peer["index"]
            and peer.get_attr("IFLA_LINK") == end["index"]
        )

    def _remove_veth(self, sockets: Sockets, obj: Veth) -> None:
        for namespace, name in ((obj.namespace, obj.name), (obj.peer_namespace, obj.peer)):
            ipr = self._present(sockets, namespace)
            if ipr is not None and name:
                delete_link(ipr, name)

    def _ensure_vxlan(self, sockets: Sockets, obj: Vxlan) -> None:
        ipr = sockets(obj.namespace)
        existing = link(ipr, obj.name)
        settings: dict[str, Any] = {
            "vxlan_id": obj.vni,
            "vxlan_local": obj.local,
            "vxlan_port": obj.port,
        }
        if obj.underlay:
            settings["vxlan_link"] = sockets.index(obj.namespace, obj.underlay)
        if existing is not None and not same_vxlan(existing, settings):
            sockets.links_changed()
            ipr.link("del", index=existing["index"])
            existing = None
        if existing is None:
            ipr.link("add", ifname=obj.name, kind="vxlan", **settings)
        index = configure(ipr, obj.name, master=obj.master, mtu=obj.mtu)
        have = {
            entry.get_attr("NDA_DST")
            for entry in ipr.fdb("dump")
            if entry["ifindex"] == index and entry.get_attr("NDA_LLADDR") == FLOOD_MAC
        }
        for remote in set(obj.remotes) - have:
            ipr.fdb("append", ifindex=index, lladdr=FLOOD_MAC, dst=remote)
        for remote in have - set(obj.remotes) - {None}:
            ipr.fdb("del", ifindex=index, lladdr=FLOOD_MAC, dst=remote)

    def _ensure_macvlan(self, sockets: Sockets, obj: Macvlan) -> None:
        """Made on its parent in the host's own namespace, then moved into `namespace`."""
        ipr = sockets(obj.namespace)
        existing = link(ipr, obj.name)
        if existing is None:
            host = sockets(None)
            sockets.links_changed()
            delete_link(host, obj.name)
            host.link(
                "add",
                ifname=obj.name,
                kind="macvlan",
                link=link_index(host, obj.parent),
                macvlan_mode=obj.mode,
            )
            if obj.namespace is not None:
                host.link(
                    "set",
                    index=link_index(host, obj.name),
                    net_ns_fd=namespace_path(sockets.resolve(obj.namespace)),
                )
        configure(ipr, obj.name, mac=obj.mac)

    def _ensure_vlan(self, sockets: Sockets, obj: Vlan) -> None:
        ipr = sockets(obj.namespace)
        if link(ipr, obj.name) is None:
            ipr.link(
                "add",
                ifname=obj.name,
                kind="vlan",
                link=link_index(ipr, obj.parent),
                vlan_id=obj.vlan_id,
            )
        configure(ipr, obj.name, master=obj.master)

    def _ensure_attachment(self, sockets: Sockets, obj: Attachment) -> None:
        configure(sockets(obj.namespace), obj.interface, master=obj.master)

    def _remove_attachment(self, sockets: Sockets, obj: Attachment) -> None:
        ipr = self._present(sockets, obj.namespace)
        interface = None if ipr is None else link(ipr, obj.interface)
        bridge = None if ipr is None else link(ipr, obj.master)
        if ipr is None or interface is None or bridge is None:
            return
        if interface.get_attr("IFLA_MASTER") == bridge["index"]:
            ipr.link("set", index=interface["index"], master=0)

    # addresses and routes

    def _ensure_address(self, sockets: Sockets, obj: Address) -> None:
        index = sockets.index(obj.namespace, obj.interface)
        try:
            sockets.raw(obj.namespace).add_address(index, obj.cidr)
        except NetlinkError as exc:
            if exc.code not in _EXISTS:
                raise

    def _remove_address(self, sockets: Sockets, obj: Address) -> None:
        ipr = self._present(sockets, obj.namespace)
        existing = None if ipr is None else link(ipr, obj.interface)
        if ipr is None or existing is None:
            return
        cidr = ip_interface(obj.cidr)
        gone_ok(
            lambda: ipr.addr(
                "del",
                index=existing["index"],
                address=str(cidr.ip),
                prefixlen=cidr.network.prefixlen,
            )
        )

    def _route_spec(self, sockets: Sockets, obj: Route) -> dict[str, Any]:
        destination = ip_network(route_destination(obj.destination))
        spec: dict[str, Any] = {
            "dst": str(destination.network_address),
            "dst_len": destination.prefixlen,
            "table": MAIN_TABLE,
            "proto": NETLOOM_PROTO,
            "family": AF_INET if destination.version == 4 else AF_INET6,
        }
        if obj.gateway is not None:
            spec["gateway"] = obj.gateway
        if obj.device is not None:
            spec["oif"] = sockets.index(obj.namespace, obj.device)
        return spec

    def _ensure_route(self, sockets: Sockets, obj: Route) -> None:
        sockets.raw(obj.namespace).replace_route(
            str(ip_network(route_destination(obj.destination))),
            gateway=obj.gateway,
            index=None if obj.device is None else sockets.index(obj.namespace, obj.device),
            table=MAIN_TABLE,
            protocol=NETLOOM_PROTO,
        )

    def _remove_route(self, sockets: Sockets, obj: Route) -> None:
        ipr = self._present(sockets, obj.namespace)
        if ipr is None:
            return
        spec = self._route_spec(sockets, replace(obj, device=None))
        del spec["proto"]
        gone_ok(lambda: ipr.route("del", **spec))

    # firewalls

    def _ensure_firewall(self, sockets: Sockets, obj: Firewall) -> None:
        namespace = sockets.resolve(obj.namespace)
        current = self._current_firewall(namespace, obj)
        firewall_rules.restore(namespace, render.iptables_restore_input(current, obj))
        saved = firewall_rules.read(namespace, self.owns).get(obj.table, _NO_RULES)
        record = self._firewall_record(obj.namespace, obj.table)
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"firewall": asdict(obj), "saved": asdict(saved)}))

    def _remove_firewall(self, sockets: Sockets, obj: Firewall) -> None:
        self._firewall_record(obj.namespace, obj.table).unlink(missing_ok=True)
        if sockets.resolve(obj.namespace) not in (None, *namespaces()):
            return
        namespace = sockets.resolve(obj.namespace)
        current = self._current_firewall(namespace, obj)
        if current is not None:
            firewall_rules.restore(namespace, render.iptables_restore_input(current, None))

    def _current_firewall(self, namespace: str | None, obj: Firewall) -> Firewall | None:
        """What the kernel holds of the deployment's in `obj`'s table, whatever a step says
        was there."""
        rules = firewall_rules.read(namespace, self.owns).get(obj.table)
        if not rules:
            return None
        return Firewall(obj.table, obj.owner, obj.namespace, rules.chains, rules.hooks)

    # processes

    def _process_path(self, obj: Dnsmasq) -> Path:
        name = f"dnsmasq.{obj.namespace or '-'}.{obj.interface}"
        return self.run_dir / "processes" / f"{name}.json"

    def _dnsmasq_files(self, sockets: Sockets, obj: Dnsmasq) -> render.DnsmasqFiles:
        namespace = sockets.resolve(obj.namespace)
        return render.dnsmasq_files(self.binding.run_dir, namespace, obj.interface)

    def _ensure_dnsmasq(self, sockets: Sockets, obj: Dnsmasq) -> None:
        """Start dnsmasq for `obj` unless the one running already realises it."""
        files = self._dnsmasq_files(sockets, obj)
        path = self._process_path(obj)
        record = processes.load(path)
        data = process_data(obj)
        if record is not None and processes.running(record) and record.data == data:
            return
        if record is not None:
            processes.stop(record)
        namespace = sockets.resolve(obj.namespace)
        if namespace is None:
            raise ValueError("dnsmasq runs inside a namespace")
        path.parent.mkdir(parents=True, exist_ok=True)
        Path(self.binding.run_dir).mkdir(parents=True, exist_ok=True)
        Path(files.config).write_text(render.dnsmasq_config(obj, files))
        command = ["dnsmasq", "--keep-in-foreground", f"--conf-file={files.config}"]
        processes.start(path, namespace, command, data, path.with_suffix(".log"), cwd=REPO)

    def _stop_dnsmasq(self, sockets: Sockets, obj: Dnsmasq) -> None:
        path = self._process_path(obj)
        record = processes.load(path)
        if record is not None:
            processes.stop(record)
        files = self._dnsmasq_files(sockets, obj)
        for file in (path, path.with_suffix(".log"), files.config, files.pid, files.leases):
            Path(file).unlink(missing_ok=True)

    def _ensure_responder(self, sockets: Sockets, obj: Responder) -> None:
        """Asked of the responder process with the other responder steps in a row."""
        entry = Entry(obj.tcp_ports, obj.http_port, process_data(obj))
        self.responder.entries[obj.namespace] = entry

    def _stop_responder(self, sockets: Sockets, obj: Responder) -> None:
        self.responder.entries.pop(obj.namespace, None)

    def forget_dead(self, desired: HostState) -> None:
        """Remove the records and files of the processes that died (a crashed keepalived)
        and that `desired` no longer has: observing sees only running processes, so no step
        of a plan ever removes them."""
        wanted = set(desired.by_key())
        with Sockets(self.binding.namespace) as sockets:
            for record in processes.records(self.run_dir / "processes"):
                obj = process_object(record.data)
                if processes.running(record) or obj.key in wanted:
                    continue
                if isinstance(obj, Dnsmasq):
                    self._stop_dnsmasq(sockets, obj)
                elif isinstance(obj, Keepalived):
                    self.keepalived.stop(obj)
                else:
                    processes.stop(record)
        self._forget_if_empty()

    # -- destroying -------------------------------------------------------------------------

    def _owned_links(self, sockets: Sockets, peers_only: bool = False) -> list[str]:
        """The deployment's links in the host's namespace, bridges last; `peers_only`: only
        the veths whose peer is in another namespace."""
        found = [
            link
            for link in sockets.raw(None).links()
            if self.owns(link.name) and (not peers_only or link.netnsid is not None)
        ]
        found.sort(key=lambda link: link.kind == "bridge")
        return [link.name for link in found]

    def destroy(self) -> None:
        """Remove everything the deployment has on this host: processes, the host's firewall
        rules, links and namespaces, and the run directory. What sits inside a namespace goes
        with it; a veth between a namespace and the host goes with its end on the host."""
        self.responder.stop()
        with Sockets(self.binding.namespace) as sockets:
            # Stopped or not, every recorded process goes, and its files with it.
            for record in processes.records(self.run_dir / "processes"):
                obj = process_object(record.data)
                if isinstance(obj, Dnsmasq):
                    self._stop_dnsmasq(sockets, obj)
                elif isinstance(obj, Keepalived):
                    self.keepalived.stop(obj)
                else:
                    processes.stop(record)
            for balancer in self.balancers.recorded():
                self.balancers.stop(balancer)
            host = self.binding.namespace
            for table, rules in firewall_rules.read(host, self.owns).items():
                current = Firewall(table, "", None, rules.chains, rules.hooks)  # type: ignore[arg-type]
                firewall_rules.restore(host, render.iptables_restore_input(current, None))
            kernel_bridge_filter.apply(sockets(None), host, self.prefix, None, self.owns)
            # Namespaces first: the kernel tears a removed namespace's links down in one batch,
            # veth peers on the host included, where deleting link by link waits for the
            # kernel once per link.
            pids = pids_by_namespace()
            for name in self._namespaces():
                kill_inside(name, pids)
                sockets.forget(name)
                remove_namespace(name)
                self._marker(name).unlink(missing_ok=True)
            ipr = sockets(None)
            deadline = time.monotonic() + TEARDOWN_WAIT_SECONDS
            while self._owned_links(sockets, peers_only=True) and time.monotonic() < deadline:
                time.sleep(0.01)
            for name in self._owned_links(sockets):
                delete_link(ipr, name)
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self._forget_if_empty()


_NO_RULES = firewall_rules.TableRules((), ())

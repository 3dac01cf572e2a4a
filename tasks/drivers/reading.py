"""Reading back what a deployment has on one host's kernel, as a `HostState`: its namespaces,
links, addresses and routes (through plain rtnetlink dumps), the firewall rules with its
prefix, and its processes. Only names that carry the deployment's prefix are read as its own.
The linux driver observes with this before it applies anything."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, IPv6Address, ip_interface, ip_network
from pathlib import Path
from typing import cast

from tasks.drivers import HostBinding, kernel_bridge_filter, kernel_policy, render, rtnl_dump
from tasks.drivers import kernel_firewall as firewall_rules
from tasks.drivers import kernel_process as processes
from tasks.drivers.kernel import (
    Message,
    Sockets,
    info_data,
    kind_of,
    name_of,
    namespaces,
    read_sysctl,
)
from tasks.drivers.kernel_keepalived import without_virtual
from tasks.drivers.kernel_lb import BalancerSupervisor
from tasks.drivers.netns import NETNS_DIR, is_namespace
from tasks.drivers.observed import (
    aligned,
    firewall_from_record,
    host_state,
    process_object,
    read_json,
    table_rules,
)
from tasks.drivers.responder import ResponderControl
from tasks.planner.names import NAMESPACE_KINDS, owns
from tasks.planner.state import (
    Address,
    Attachment,
    Bridge,
    Firewall,
    HostState,
    KernelObject,
    Key,
    LoadBalancer,
    Macvlan,
    Namespace,
    Route,
    Veth,
    Vlan,
    Vxlan,
)

MAIN_TABLE = 254
KERNEL_PROTO = 2
# The routing protocol number marking routes the linux driver added in a host's own namespace,
# where other routes are not ours.
NETLOOM_PROTO = 188
AF_INET = 2
AF_INET6 = 10
# The flooding entry of a VXLAN remote.
FLOOD_MAC = "00:00:00:00:00:00"
MACVLAN_MODES = {1: "private", 2: "vepa", 4: "bridge", 8: "passthru"}


@dataclass
class _Place:
    """One namespace as observed: its links by index, as `namespace` fields name it."""

    namespace: str | None
    links: dict[int, Message] = field(default_factory=dict)
    netns_ids: dict[int, str | None] = field(default_factory=dict)

    def name(self, index: int | None) -> str | None:
        msg = self.links.get(index or 0)
        return None if msg is None else name_of(msg)


class KernelReading:
    """What a deployment has on a host, read from the kernel and the driver's records."""

    binding: HostBinding
    prefix: str
    run_dir: Path
    _responder: ResponderControl | None
    balancers: BalancerSupervisor

    @property
    def responder(self) -> ResponderControl:
        """The deployment's responder process on this host."""
        if self._responder is None:
            directory = render.responder_directory(
                self.binding.run_dir, self.prefix, self.binding.host
            )
            self._responder = ResponderControl(Path(directory))
        return self._responder

    # -- ownership --------------------------------------------------------------------------

    def owns(self, name: str) -> bool:
        return owns(self.prefix, name)

    def _marker(self, namespace: str) -> Path:
        return self.run_dir / "namespaces" / f"{namespace}.json"

    def _namespaces(self) -> list[str]:
        """This host's namespaces of the deployment: named with its prefix and made here (in a
        lab fabric every emulated host's namespaces sit side by side in /run/netns)."""
        return sorted(
            name
            for name in namespaces()
            if self.owns(name) and self._marker(name).exists() and is_namespace(NETNS_DIR / name)
        )

    # -- observing --------------------------------------------------------------------------

    def observe(self, desired: HostState | None = None) -> HostState:
        """What the deployment has on this host. With `desired`, fields it leaves open are
        reported as it has them, and owners (which the kernel does not keep) taken from it."""
        want = desired.by_key() if desired is not None else {}
        with Sockets(self.binding.namespace) as sockets:
            owned = self._namespaces()
            places = [
                self._place(sockets, namespace, [None, *owned]) for namespace in [None, *owned]
            ]
            found: list[KernelObject] = [self._observe_namespace(name, want) for name in owned]
            for place in places:
                found += self._observe_links(place, places, sockets)
                found += self._observe_addresses(place, sockets)
                found += self._observe_routes(place, sockets)
            found += self._observe_firewalls(self._firewall_places(owned, want))
            found += self._observe_processes()
            found += self._observe_distributed(sockets, owned)
        # The addresses and routes a running keepalived holds are its, not the kernel objects'.
        found = without_virtual(found)
        state = host_state(self.binding.host, (aligned(obj, want) for obj in found))
        balancers = [cast(LoadBalancer, aligned(obj, want)) for obj in self.balancers.observed()]
        return replace(state, load_balancers=tuple(sorted(balancers, key=lambda obj: obj.key)))

    def _place(self, sockets: Sockets, namespace: str | None, all_: list[str | None]) -> _Place:
        links = {msg["index"]: msg for msg in rtnl_dump.links(sockets.raw(namespace))}
        wanted = {msg.get_attr("IFLA_LINK_NETNSID") for msg in links.values()} - {None}
        # Peers are mostly in the host's own namespace: it is asked about first.
        return _Place(namespace, links, sockets.netns_ids(namespace, wanted, all_))

    def _observe_namespace(self, name: str, want: dict[Key, KernelObject]) -> Namespace:
        record = json.loads(self._marker(name).read_text())
        desired = want.get(("namespace", name))
        names = [key for key, _ in desired.sysctls] if isinstance(desired, Namespace) else []
        values = ((key, read_sysctl(name, key)) for key in names)
        return Namespace(
            name,
            record["role"],
            record["owner"],
            tuple((key, value) for key, value in values if value is not None),
        )

    def _observe_links(
        self, place: _Place, places: list[_Place], sockets: Sockets
    ) -> list[KernelObject]:
        out: list[KernelObject] = []
        for msg in place.links.values():
            name = name_of(msg)
            master = place.name(msg.get_attr("IFLA_MASTER"))
            if not self.owns(name):
                if master is not None and self.owns(master):
                    out.append(Attachment(name, master, "", place.namespace))
                continue
            kind = kind_of(msg)
            mtu, mac = msg.get_attr("IFLA_MTU"), msg.get_attr("IFLA_ADDRESS")
            if kind == "bridge":
                out.append(Bridge(name, "", place.namespace, mtu, mac))
            elif kind == "veth":
                veth = self._veth(place, places, msg, master)
                if veth is not None:
                    out.append(veth)
            elif kind == "vxlan":
                out.append(self._vxlan(place, msg, master, sockets))
            elif kind == "macvlan":
                data = info_data(msg)
                mode = MACVLAN_MODES.get(data.get_attr("IFLA_MACVLAN_MODE") if data else 4)
                parent = _peer_place(place, places, msg)
                parent_name = parent.name(msg.get_attr("IFLA_LINK")) if parent else None
                out.append(
                    Macvlan(name, parent_name or "", mode or "bridge", "", place.namespace, mac)  # type: ignore[arg-type]
                )
            elif kind == "vlan":
                data = info_data(msg)
                out.append(
                    Vlan(
                        name,
                        place.name(msg.get_attr("IFLA_LINK")) or "",
                        data.get_attr("IFLA_VLAN_ID") if data else 0,
                        master or "",
                        "",
                        place.namespace,
                    )
                )
        return out

    def _veth(
        self, place: _Place, places: list[_Place], msg: Message, master: str | None
    ) -> Veth | None:
        """A veth pair seen from one end: reported once, from the end in the host's own
        namespace, or from the end whose name sorts first when both are elsewhere. A peer's
        end is not named, from the end where it is named, when the desired state says so."""
        peer_place = _peer_place(place, places, msg)
        peer = peer_place.links.get(msg.get_attr("IFLA_LINK")) if peer_place else None
        if peer_place is None or peer is None:
            return Veth(
                name_of(msg), "", "", place.namespace, None, master, mtu=msg.get_attr("IFLA_MTU")
            )
        here = (place.namespace is not None, name_of(msg))
        there = (peer_place.namespace is not None, name_of(peer))
        if there < here:
            return None
        return Veth(
            name_of(msg),
            name_of(peer),
            "",
            place.namespace,
            peer_place.namespace,
            master,
            peer_place.name(peer.get_attr("IFLA_MASTER")),
            msg.get_attr("IFLA_ADDRESS"),
            peer.get_attr("IFLA_ADDRESS"),
            msg.get_attr("IFLA_MTU"),
        )

    def _vxlan(self, place: _Place, msg: Message, master: str | None, sockets: Sockets) -> Vxlan:
        data = info_data(msg)
        ipr = sockets(place.namespace)
        remotes = sorted(
            entry.get_attr("NDA_DST")
            for entry in ipr.fdb("dump")
            if entry["ifindex"] == msg["index"]
            and entry.get_attr("NDA_LLADDR") == FLOOD_MAC
            and entry.get_attr("NDA_DST")
        )
        return Vxlan(
            name_of(msg),
            data.get_attr("IFLA_VXLAN_ID"),
            data.get_attr("IFLA_VXLAN_LOCAL") or "",
            place.name(data.get_attr("IFLA_VXLAN_LINK")) or "",
            "",
            master or "",
            tuple(remotes),
            data.get_attr("IFLA_VXLAN_PORT"),
            place.namespace,
            msg.get_attr("IFLA_MTU"),
        )

    def _observe_addresses(self, place: _Place, sockets: Sockets) -> list[Address]:
        out = []
        for msg in rtnl_dump.addresses(sockets.raw(place.namespace)):
            name = place.name(msg["index"])
            address = msg.get_attr("IFA_ADDRESS")
            if name is None or not self.owns(name) or address is None:
                continue
            cidr = ip_interface(f"{address}/{msg['prefixlen']}")
            if cidr.is_link_local and cidr.version == 6:
                continue
            out.append(Address(name, str(cidr), "", place.namespace))
        return out

    def _observe_routes(self, place: _Place, sockets: Sockets) -> list[Route]:
        out = []
        for family in (AF_INET, AF_INET6):
            for msg in rtnl_dump.routes(sockets.raw(place.namespace), family):
                if msg.get_attr("RTA_TABLE") != MAIN_TABLE or msg["proto"] == KERNEL_PROTO:
                    continue
                device = place.name(msg.get_attr("RTA_OIF"))
                if place.namespace is None and not (
                    msg["proto"] == NETLOOM_PROTO and device and self.owns(device)
                ):
                    continue
                if family == AF_INET6 and msg["dst_len"] == 0 and msg["proto"] != NETLOOM_PROTO:
                    continue
                zero = IPv4Address(0) if family == AF_INET else IPv6Address(0)
                destination = ip_network((msg.get_attr("RTA_DST") or zero, msg["dst_len"]))
                gateway = msg.get_attr("RTA_GATEWAY")
                out.append(Route(str(destination), "", place.namespace, gateway, device))
        return out

    def _firewall_record(self, namespace: str | None, table: str) -> Path:
        return self.run_dir / "firewalls" / f"{namespace or '-'}.{table}.json"

    def _firewall_places(self, owned: list[str], want: dict[Key, KernelObject]) -> list[str | None]:
        """The namespaces whose iptables are read: the host's own, and those where a firewall
        was applied or is wanted (reading every instance's would cost a process each)."""
        recorded = {path.name.split(".")[0] for path in self.run_dir.glob("firewalls/*.json")}
        wanted = {key[1] for key in want if key[0] == "firewall"}
        return [None, *(name for name in owned if name in recorded | wanted)]

    def _observe_firewalls(self, where: list[str | None]) -> list[Firewall]:
        """Each table's owned rules; reported as they were asked for while iptables still
        holds exactly what applying them left, as read from the kernel otherwise."""
        out = []
        for namespace in where:
            # `None` is the host's own namespace: in a lab fabric, not this process's.
            kernel_namespace = self.binding.resolve(namespace)
            for table, rules in firewall_rules.read(kernel_namespace, self.owns).items():
                observed = Firewall(table, "", namespace, rules.chains, rules.hooks)  # type: ignore[arg-type]
                record = read_json(self._firewall_record(namespace, table))
                if record is not None and table_rules(record["saved"]) == rules:
                    observed = firewall_from_record(record["firewall"])
                out.append(observed)
        return out

    def _observe_distributed(self, sockets: Sockets, owned: list[str]) -> list[KernelObject]:
        """Distributed routers' policy routing in router namespaces, and what they need of
        the host's tunnels in the host's own."""
        out: list[KernelObject] = []
        routers = f"{self.prefix}-{NAMESPACE_KINDS['router']}-"
        for namespace in owned:
            if namespace.startswith(routers):
                policy = kernel_policy.observe(sockets(namespace), namespace, self.owns)
                out += [] if policy is None else [policy]
        tunnels = kernel_bridge_filter.observe(
            sockets(None), self.binding.namespace, self.prefix, self.owns
        )
        return out + ([] if tunnels is None else [tunnels])

    def _observe_processes(self) -> list[KernelObject]:
        out: list[KernelObject] = []
        for record in processes.records(self.run_dir / "processes"):
            if processes.running(record):
                out.append(process_object(record.data))
        out += [process_object(entry.data) for entry in self.responder.serving().values()]
        return out


# -- where a link's other end is ------------------------------------------------------------------


def _peer_place(place: _Place, places: list[_Place], msg: Message) -> _Place | None:
    """The observed namespace the link's peer (veth) or parent (macvlan) is in."""
    nsid = msg.get_attr("IFLA_LINK_NETNSID")
    if nsid is None:
        return place
    if nsid not in place.netns_ids:
        return None
    target = place.netns_ids[nsid]
    return next((other for other in places if other.namespace == target), None)

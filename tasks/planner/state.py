"""The desired state of a host: every kernel object a deployment wants there, as plain frozen
values. The planner computes it (pure); a driver observes what a host has in the same terms and
applies the difference. Nothing here holds text a person typed: names are kernel names derived
from element ids (see names.py), addresses and numbers come from the parsed document.

`namespace=None` means the host's own namespace: the root namespace of a real host, or the
namespace standing for an emulated host in a lab fabric. Every object has an `owner`, the id of
the element it realises, so progress and drift can be reported per element, and a `key`, its
identity on the host: two objects with the same key are the same kernel object, possibly
changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Literal

Key = tuple[str, ...]
NamespaceRole = Literal["router", "dhcp", "instance", "balancer"]
IptablesTable = Literal["filter", "nat", "raw", "mangle"]


def _ns(namespace: str | None) -> str:
    return namespace or ""


@dataclass(frozen=True)
class Namespace:
    """A network namespace: one per router, DHCP server and instance on a host."""

    name: str
    role: NamespaceRole
    owner: str
    # `net.` sysctls set inside it, e.g. {"net.ipv4.ip_forward": "1"} for a router.
    sysctls: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> Key:
        return ("namespace", self.name)


@dataclass(frozen=True)
class Bridge:
    """A Linux bridge: one per network per host. Its MAC is set: left to the kernel, a bridge
    takes its lowest port's, and changes it as ports come and go, which leaves neighbours
    holding a stale entry for the bridge's own address (a gateway's, say)."""

    name: str
    owner: str
    namespace: str | None = None
    mtu: int | None = None
    mac: str | None = None

    @property
    def key(self) -> Key:
        return ("link", _ns(self.namespace), self.name)


@dataclass(frozen=True)
class Veth:
    """A veth pair. Each end may sit in a namespace and be a port of a bridge there."""

    name: str
    peer: str
    owner: str
    namespace: str | None = None
    peer_namespace: str | None = None
    master: str | None = None
    peer_master: str | None = None
    mac: str | None = None
    peer_mac: str | None = None
    mtu: int | None = None

    @property
    def key(self) -> Key:
        return ("link", _ns(self.namespace), self.name)


@dataclass(frozen=True)
class Vxlan:
    """A VXLAN device carrying one network's VNI between hosts, a port of that network's bridge.
    `remotes` are the other hosts' underlay addresses (flooding entries in the FDB): the full
    mesh for static tunnels, only the hosts with ports on the network for dynamic ones."""

    name: str
    vni: int
    local: str
    underlay: str
    owner: str
    master: str
    remotes: tuple[str, ...] = ()
    port: int = 4789
    namespace: str | None = None
    mtu: int | None = None

    @property
    def key(self) -> Key:
        return ("link", _ns(self.namespace), self.name)


@dataclass(frozen=True)
class Macvlan:
    """A macvlan device on a physical interface, moved into an instance's namespace."""

    name: str
    parent: str
    mode: Literal["bridge", "private", "vepa", "passthru"]
    owner: str
    namespace: str | None = None
    mac: str | None = None

    @property
    def key(self) -> Key:
        return ("link", _ns(self.namespace), self.name)


@dataclass(frozen=True)
class Attachment:
    """A host's physical interface made a port of a provider network's bridge. The interface
    is not Netloom's: teardown only releases it from the bridge."""

    interface: str
    master: str
    owner: str
    namespace: str | None = None

    @property
    def key(self) -> Key:
        return ("attachment", _ns(self.namespace), self.interface)


@dataclass(frozen=True)
class Address:
    """An address with its prefix length (`10.0.0.5/24`) on an interface."""

    interface: str
    cidr: str
    owner: str
    namespace: str | None = None

    @property
    def key(self) -> Key:
        return ("address", _ns(self.namespace), self.interface, self.cidr)


@dataclass(frozen=True)
class Route:
    """A route in a namespace; `gateway` None means on-link through `device`."""

    destination: str
    owner: str
    namespace: str | None = None
    gateway: str | None = None
    device: str | None = None

    @property
    def key(self) -> Key:
        return ("route", _ns(self.namespace), self.destination)


Rule = tuple[str, ...]


@dataclass(frozen=True)
class Firewall:
    """The iptables rules one deployment owns in one table of one namespace, applied as one
    `iptables-restore --noflush`: its own chains (named with the deployment's prefix), whole,
    and the rules that jump to them from built-in chains. Rules are argument tokens (addresses,
    ports, kernel names, numbers), never text a person typed."""

    table: IptablesTable
    owner: str
    namespace: str | None = None
    # chain name -> its rules, in order.
    chains: tuple[tuple[str, tuple[Rule, ...]], ...] = ()
    # (built-in chain, rule) pairs inserted at the top of built-in chains.
    hooks: tuple[tuple[str, Rule], ...] = ()

    @property
    def key(self) -> Key:
        return ("firewall", _ns(self.namespace), self.table)


@dataclass(frozen=True)
class DhcpHost:
    mac: str
    address: str
    hostname: str


@dataclass(frozen=True)
class Dnsmasq:
    """One supervised dnsmasq in a namespace: DHCP for the subnets served on `interface`, and
    DNS by instance name on Docker user-defined networks. Host names are DNS labels derived
    from element names by the planner (letters, digits and '-'), never the names themselves."""

    interface: str
    owner: str
    namespace: str | None = None
    # (first address, last address, prefix length) of each allocation pool served.
    ranges: tuple[tuple[str, str, int], ...] = ()
    hosts: tuple[DhcpHost, ...] = ()
    router: str | None = None
    dns_servers: tuple[str, ...] = ()
    domain: str | None = None
    # (DNS label, address) answered by name.
    records: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> Key:
        return ("dnsmasq", _ns(self.namespace), self.interface)


@dataclass(frozen=True)
class Keepalived:
    """One supervised keepalived in an HA router's namespace on one host: a VRRP instance on
    the HA network's veth (`interface`) electing which of the router's hosts holds the virtual
    addresses and routes. Only kernel names, addresses and numbers: keepalived's configuration
    is rendered from these and nothing else."""

    owner: str
    namespace: str
    interface: str
    virtual_router_id: int
    priority: int
    # The advert interval in hundredths of a second (VRRPv3's unit).
    advert_centiseconds: int
    nopreempt: bool = False
    # (address with prefix length, device) the master holds.
    virtual_addresses: tuple[tuple[str, str], ...] = ()
    # (destination, gateway or None, device or None) the master routes by.
    virtual_routes: tuple[tuple[str, str | None, str | None], ...] = ()

    @property
    def key(self) -> Key:
        return ("keepalived", self.namespace)


@dataclass(frozen=True)
class Responder:
    """The built-in responder in an instance's namespace: TCP echo and HTTP, so published
    ports, floating IPs and DNS can be tested end to end."""

    owner: str
    namespace: str
    tcp_ports: tuple[int, ...] = (7,)
    http_port: int | None = 80

    @property
    def key(self) -> Key:
        return ("responder", self.namespace)


@dataclass(frozen=True)
class Vlan:
    """An 802.1Q sub-interface of a physical interface carrying one VLAN of a provider network,
    a port of that network's bridge. Only where the kernel has 802.1Q: elsewhere the plan
    attaches the lab fabric's segment interface for the VLAN instead."""

    name: str
    parent: str
    vlan_id: int
    master: str
    owner: str
    namespace: str | None = None

    @property
    def key(self) -> Key:
        return ("link", _ns(self.namespace), self.name)


@dataclass(frozen=True)
class PolicyRouting:
    """What a distributed router's copy routes by besides its plain routes, applied whole:
    permanent neighbour entries (so the copy never asks by ARP for an address across the
    tunnels, where its gateway addresses are every other copy's too), rules choosing a table
    by source address, and the routes of those tables."""

    namespace: str
    owner: str
    # (device, IPv4 address, MAC).
    neighbours: tuple[tuple[str, str, str], ...] = ()
    # (priority, source network, table).
    rules: tuple[tuple[int, str, int], ...] = ()
    # (table, destination, gateway or None, device).
    routes: tuple[tuple[int, str, str | None, str], ...] = ()

    @property
    def key(self) -> Key:
        return ("policy_routing", self.namespace)


@dataclass(frozen=True)
class DistributedTunnels:
    """What distributed routers need of a host's tunnels. An nftables table of the bridge
    family, the deployment's, drops ARP naming one of the `drops` addresses on its way into or
    out of the VXLAN device paired with it, so the copies never answer for each other; and the
    VXLAN devices' forwarding entries pin the MACs a copy sends to on other hosts (as
    Neutron's layer-2 population), since no frame from them ever teaches the host where they
    are, and the routed traffic would otherwise flood every tunnel."""

    owner: str
    namespace: str | None = None
    # (VXLAN device, IPv4 address).
    drops: tuple[tuple[str, str], ...] = ()
    # (VXLAN device, MAC, underlay address of its host).
    forwards: tuple[tuple[str, str, str], ...] = ()

    @property
    def key(self) -> Key:
        return ("distributed_tunnels", _ns(self.namespace))


@dataclass(frozen=True)
class BalancerMember:
    """One member of a load balancer: `id` is `instance:port`, what checks report it as."""

    id: str
    address: str
    port: int
    weight: int = 1


@dataclass(frozen=True)
class BalancerCheck:
    """A load balancer's health check, times in milliseconds."""

    type: Literal["tcp", "http"] = "tcp"
    interval_ms: int = 2000
    timeout_ms: int = 1000
    rise: int = 2
    fall: int = 3
    http_path: str = "/"


@dataclass(frozen=True)
class LoadBalancer:
    """A load balancer in its namespace on one host: connections to `vip`:`port` spread over
    the members. `ipvs`: a supervised keepalived's virtual server, with its health checks;
    `nftables`: DNAT in the nft `table` of the namespace, whose member map a supervised
    checker rewrites as members fail and recover. Either way the namespace masquerades what it
    sends to a member, so replies come back through it. The HTTP check's path is the only text
    from the document, held to a path's characters where it is parsed and checked again where
    it is written."""

    owner: str
    namespace: str
    realisation: Literal["ipvs", "nftables"]
    table: str
    vip: str
    port: int
    algorithm: Literal["round_robin", "weighted"]
    members: tuple[BalancerMember, ...] = ()
    check: BalancerCheck = BalancerCheck()

    @property
    def key(self) -> Key:
        return ("balancer", self.namespace)


KernelObject = (
    Namespace
    | Bridge
    | Veth
    | Vxlan
    | Macvlan
    | Attachment
    | Address
    | Route
    | Firewall
    | Dnsmasq
    | Responder
    | Vlan
    | Keepalived
    | PolicyRouting
    | DistributedTunnels
    | LoadBalancer
)


@dataclass(frozen=True)
class HostState:
    """Everything one deployment wants on one host. Each tuple is kept sorted by key by the
    planner, so two equal states compare equal."""

    host: str
    namespaces: tuple[Namespace, ...] = ()
    bridges: tuple[Bridge, ...] = ()
    veths: tuple[Veth, ...] = ()
    vxlans: tuple[Vxlan, ...] = ()
    macvlans: tuple[Macvlan, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    addresses: tuple[Address, ...] = ()
    routes: tuple[Route, ...] = ()
    firewalls: tuple[Firewall, ...] = ()
    dnsmasqs: tuple[Dnsmasq, ...] = ()
    responders: tuple[Responder, ...] = ()
    vlans: tuple[Vlan, ...] = ()
    keepaliveds: tuple[Keepalived, ...] = ()
    policy_routings: tuple[PolicyRouting, ...] = ()
    distributed_tunnels: tuple[DistributedTunnels, ...] = ()
    load_balancers: tuple[LoadBalancer, ...] = ()

    def objects(self) -> Iterator[KernelObject]:
        """Every object, in the order they are created (the reverse of their removal)."""
        for item in fields(self):
            if item.name != "host":
                yield from getattr(self, item.name)

    def by_key(self) -> dict[Key, KernelObject]:
        return {obj.key: obj for obj in self.objects()}


@dataclass(frozen=True)
class Note:
    """Something the plan wants a person to know: how a host carries what its kernel lacks
    (VLANs without 802.1Q), or why an element is not realised."""

    code: str
    message: str
    elements: tuple[str, ...] = ()
    host: str | None = None


@dataclass(frozen=True)
class Plan:
    """A revision's desired state on every host it touches."""

    prefix: str
    hosts: dict[str, HostState]
    # instance id -> host it runs on (pinned in the design or chosen by the scheduler).
    placement: dict[str, str] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()

"""Plan steps: the difference between what a host has and what it should have, in an order the
kernel accepts, with nothing removed twice and nothing left broken. The model test applies the
steps to a small in-memory kernel that removes what Linux removes by itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.planner.state import (
    Address,
    Attachment,
    Bridge,
    Dnsmasq,
    Firewall,
    HostState,
    KernelObject,
    Key,
    Macvlan,
    Namespace,
    Responder,
    Route,
    Veth,
    Vlan,
    Vxlan,
)
from tasks.planner.steps import Step, plan_steps

_FIELDS: dict[type, str] = {
    Namespace: "namespaces",
    Bridge: "bridges",
    Vlan: "vlans",
    Veth: "veths",
    Vxlan: "vxlans",
    Macvlan: "macvlans",
    Attachment: "attachments",
    Address: "addresses",
    Route: "routes",
    Firewall: "firewalls",
    Dnsmasq: "dnsmasqs",
    Responder: "responders",
}

T = TypeVar("T")
R = "nl0001-r-router"
I = "nl0001-i-inst"  # noqa: E741


def host(*objects: KernelObject) -> HostState:
    grouped: dict[str, list[KernelObject]] = {name: [] for name in _FIELDS.values()}
    for obj in sorted(objects, key=lambda obj: obj.key):
        grouped[_FIELDS[type(obj)]].append(obj)
    return HostState("h1", **{name: tuple(objs) for name, objs in grouped.items()})


def summary(steps: list[Step]) -> list[tuple[str, str, Key]]:
    return [(step.action, type(step.obj).__name__, step.obj.key) for step in steps]


# A router and an instance on one network: one of every kind.
NS_R = Namespace(R, "router", "r1", (("net.ipv4.ip_forward", "1"),))
NS_I = Namespace(I, "instance", "i1")
BRIDGE = Bridge("nl0001b1", "n1", mtu=1450)
VLAN = Vlan("nl0001v1", "eth1", 30, "nl0001b1", "n1")
TAP = Veth("nl0001t1", "nl0001p1", "i1", peer_namespace=I, master="nl0001b1")
GW = Veth("nl0001t2", "nl0001p2", "r1", peer_namespace=R, master="nl0001b1")
VXLAN = Vxlan("nl0001x1", 100, "192.0.2.1", "eth0", "n1", "nl0001b1", ("192.0.2.2",))
MACVLAN = Macvlan("nl0001m1", "eth2", "bridge", "i1", namespace=I)
ATTACH = Attachment("eth3", "nl0001b1", "n1")
ADDR_I = Address("nl0001p1", "10.0.0.5/24", "i1", I)
ADDR_R = Address("nl0001p2", "10.0.0.1/24", "r1", R)
ROUTE = Route("0.0.0.0/0", "i1", I, gateway="10.0.0.1")
FIREWALL = Firewall("nat", "r1", R, (("nl0001-snat", (("-j", "MASQUERADE"),)),))
DNSMASQ = Dnsmasq("nl0001p2", "r1", R, ranges=(("10.0.0.10", "10.0.0.99", 24),))
RESPONDER = Responder("i1", I)
EVERYTHING = host(
    NS_R,
    NS_I,
    BRIDGE,
    VLAN,
    TAP,
    GW,
    VXLAN,
    MACVLAN,
    ATTACH,
    ADDR_I,
    ADDR_R,
    ROUTE,
    FIREWALL,
    DNSMASQ,
    RESPONDER,
)
EMPTY = host()


def test_from_nothing_everything_is_created_in_dependency_order() -> None:
    assert summary(plan_steps(EMPTY, EVERYTHING)) == [
        ("create", "Namespace", ("namespace", I)),
        ("create", "Namespace", ("namespace", R)),
        ("create", "Bridge", ("link", "", "nl0001b1")),
        ("create", "Vlan", ("link", "", "nl0001v1")),
        ("create", "Veth", ("link", "", "nl0001t1")),
        ("create", "Veth", ("link", "", "nl0001t2")),
        ("create", "Vxlan", ("link", "", "nl0001x1")),
        ("create", "Macvlan", ("link", I, "nl0001m1")),
        ("create", "Attachment", ("attachment", "", "eth3")),
        ("create", "Address", ("address", I, "nl0001p1", "10.0.0.5/24")),
        ("create", "Address", ("address", R, "nl0001p2", "10.0.0.1/24")),
        ("create", "Route", ("route", I, "0.0.0.0/0")),
        ("create", "Firewall", ("firewall", R, "nat")),
        ("create", "Dnsmasq", ("dnsmasq", R, "nl0001p2")),
        ("create", "Responder", ("responder", I)),
    ]


def test_removing_everything_leaves_the_contents_of_namespaces_to_the_kernel() -> None:
    # Veths with an end in a removed namespace go with it, and so do the addresses, routes
    # and rules inside; a bridge's ports are released with it. Processes are stopped first,
    # since they would keep their namespace alive.
    assert summary(plan_steps(EVERYTHING, EMPTY)) == [
        ("remove", "Responder", ("responder", I)),
        ("remove", "Dnsmasq", ("dnsmasq", R, "nl0001p2")),
        ("remove", "Vxlan", ("link", "", "nl0001x1")),
        ("remove", "Vlan", ("link", "", "nl0001v1")),
        ("remove", "Bridge", ("link", "", "nl0001b1")),
        ("remove", "Namespace", ("namespace", I)),
        ("remove", "Namespace", ("namespace", R)),
    ]


def test_the_same_state_needs_no_step() -> None:
    assert plan_steps(EVERYTHING, EVERYTHING) == []
    assert plan_steps(EMPTY, EMPTY) == []


def test_removing_a_link_takes_what_sits_on_it() -> None:
    tap_address = Address("nl0001t1", "10.0.0.2/24", "i1")
    on_link = Route("10.1.0.0/16", "i1", I, device="nl0001p1")
    before = host(BRIDGE, TAP, NS_I, tap_address, ADDR_I, on_link, ROUTE)
    after = host(BRIDGE, NS_I)
    # The veth goes with both its ends, and the addresses and the route on them with it. A
    # route by gateway alone names no device, so it is removed as such.
    assert summary(plan_steps(before, after)) == [
        ("remove", "Route", ("route", I, "0.0.0.0/0")),
        ("remove", "Veth", ("link", "", "nl0001t1")),
    ]


def test_a_replaced_namespace_has_its_contents_created_again() -> None:
    # A sysctl no longer wanted cannot be set back to a default known here.
    plain = replace(NS_R, sysctls=())
    steps = plan_steps(EVERYTHING, replace(EVERYTHING, namespaces=(NS_I, plain)))
    assert summary(steps) == [
        ("remove", "Dnsmasq", ("dnsmasq", R, "nl0001p2")),
        ("remove", "Namespace", ("namespace", R)),
        ("create", "Namespace", ("namespace", R)),
        ("create", "Veth", ("link", "", "nl0001t2")),
        ("create", "Address", ("address", R, "nl0001p2", "10.0.0.1/24")),
        ("create", "Firewall", ("firewall", R, "nat")),
        ("create", "Dnsmasq", ("dnsmasq", R, "nl0001p2")),
    ]
    assert steps[2].obj == plain


def test_a_new_sysctl_is_set_in_place() -> None:
    more = replace(NS_I, sysctls=(("net.ipv4.conf.all.rp_filter", "0"),))
    steps = plan_steps(host(NS_I, RESPONDER), host(more, RESPONDER))
    assert steps == [Step("update", more, NS_I)]


CHANGES: list[tuple[KernelObject, KernelObject, list[str]]] = [
    (BRIDGE, replace(BRIDGE, mtu=9000), ["update"]),
    (BRIDGE, replace(BRIDGE, owner="n2"), ["update"]),
    (VLAN, replace(VLAN, master="nl0001b2"), ["update"]),
    (VLAN, replace(VLAN, vlan_id=31), ["remove", "create"]),
    (VLAN, replace(VLAN, parent="eth9"), ["remove", "create"]),
    (TAP, replace(TAP, master=None), ["update"]),
    (TAP, replace(TAP, mac="02:00:00:00:00:01", peer_mac="02:00:00:00:00:02"), ["update"]),
    (TAP, replace(TAP, mtu=1400), ["update"]),
    (TAP, replace(TAP, peer_namespace=R), ["remove", "create"]),
    (TAP, replace(TAP, peer="nl0001p9"), ["remove", "create"]),
    (VXLAN, replace(VXLAN, remotes=("192.0.2.3",)), ["update"]),
    (VXLAN, replace(VXLAN, master="nl0001b2"), ["update"]),
    (VXLAN, replace(VXLAN, vni=101), ["remove", "create"]),
    (VXLAN, replace(VXLAN, local="192.0.2.9"), ["remove", "create"]),
    (VXLAN, replace(VXLAN, port=8472), ["remove", "create"]),
    (VXLAN, replace(VXLAN, underlay="eth1"), ["remove", "create"]),
    (MACVLAN, replace(MACVLAN, mac="02:00:00:00:00:03"), ["update"]),
    (MACVLAN, replace(MACVLAN, mode="private"), ["remove", "create"]),
    (MACVLAN, replace(MACVLAN, parent="eth9"), ["remove", "create"]),
    (ATTACH, replace(ATTACH, master="nl0001b2"), ["update"]),
    (ADDR_I, replace(ADDR_I, owner="i2"), ["update"]),
    (ROUTE, replace(ROUTE, gateway="10.0.0.254"), ["update"]),
    (ROUTE, replace(ROUTE, gateway=None, device="nl0001p1"), ["update"]),
    (FIREWALL, replace(FIREWALL, hooks=(("POSTROUTING", ("-j", "nl0001-snat")),)), ["update"]),
    (DNSMASQ, replace(DNSMASQ, router="10.0.0.1"), ["update"]),
    (RESPONDER, replace(RESPONDER, http_port=None), ["update"]),
    (NS_I, replace(NS_I, role="router"), ["remove", "create"]),
    # The same identity, another kind of link.
    (BRIDGE, Macvlan("nl0001b1", "eth2", "bridge", "n1"), ["remove", "create"]),
]


def test_each_kind_is_changed_in_place_only_where_the_kernel_can() -> None:
    for before, after, actions in CHANGES:
        steps = plan_steps(host(before), host(after))
        assert [step.action for step in steps] == actions, (before, after)
        assert steps[-1].obj == after
        if actions == ["update"]:
            assert steps[0].before == before
        else:
            assert steps[0].obj == before


def test_a_veth_on_a_bridge_that_goes_is_released_and_a_vxlan_made_again() -> None:
    # The bridge's name taken by another kind of link: the veth stays, out of the bridge;
    # the VXLAN cannot be without its bridge, so it is removed and made again.
    other = Macvlan("nl0001b1", "eth2", "bridge", "n1")
    steps = plan_steps(host(BRIDGE, TAP, VXLAN), host(other, replace(TAP, master=None), VXLAN))
    assert summary(steps) == [
        ("remove", "Vxlan", ("link", "", "nl0001x1")),
        ("remove", "Bridge", ("link", "", "nl0001b1")),
        ("create", "Vxlan", ("link", "", "nl0001x1")),
        ("create", "Macvlan", ("link", "", "nl0001b1")),
    ]


def test_a_macvlan_on_a_vlan_made_again_is_made_again() -> None:
    on_vlan = Macvlan("nl0001m1", "nl0001v1", "bridge", "i1", namespace=I)
    steps = plan_steps(
        host(NS_I, BRIDGE, VLAN, on_vlan), host(NS_I, BRIDGE, replace(VLAN, vlan_id=31), on_vlan)
    )
    assert summary(steps) == [
        ("remove", "Vlan", ("link", "", "nl0001v1")),
        ("create", "Vlan", ("link", "", "nl0001v1")),
        ("create", "Macvlan", ("link", I, "nl0001m1")),
    ]


def test_removals_come_first_in_reverse_order_then_creations() -> None:
    before = host(NS_I, BRIDGE, TAP, ADDR_I, RESPONDER)
    after = host(NS_R, BRIDGE, GW, ADDR_R, DNSMASQ)
    assert summary(plan_steps(before, after)) == [
        ("remove", "Responder", ("responder", I)),
        ("remove", "Namespace", ("namespace", I)),
        ("create", "Namespace", ("namespace", R)),
        ("create", "Veth", ("link", "", "nl0001t2")),
        ("create", "Address", ("address", R, "nl0001p2", "10.0.0.1/24")),
        ("create", "Dnsmasq", ("dnsmasq", R, "nl0001p2")),
    ]


def test_a_process_on_an_interface_made_again_is_restarted() -> None:
    moved = replace(GW, peer="nl0001q2")
    dnsmasq = replace(DNSMASQ, interface="nl0001t2", namespace=None)
    steps = plan_steps(host(NS_R, GW, dnsmasq), host(NS_R, moved, dnsmasq))
    assert summary(steps) == [
        ("remove", "Dnsmasq", ("dnsmasq", "", "nl0001t2")),
        ("remove", "Veth", ("link", "", "nl0001t2")),
        ("create", "Veth", ("link", "", "nl0001t2")),
        ("create", "Dnsmasq", ("dnsmasq", "", "nl0001t2")),
    ]


# -- the model: a tiny kernel ---------------------------------------------------------------

LinkId = tuple[str, str]


def _ns(namespace: str | None) -> str:
    return namespace or ""


class Kernel:
    """Objects by key, removing with a namespace or a link what Linux removes with it, and
    refusing what Linux refuses: a link on a missing bridge or namespace, a namespace still
    held by a process. What a removal leaves broken is kept in `broken` until removed."""

    def __init__(self, state: HostState) -> None:
        self.objects: dict[Key, KernelObject] = state.by_key()
        self.broken: set[Key] = set()

    def apply(self, step: Step) -> None:
        key = step.obj.key
        if step.action == "remove":
            assert self.objects.get(key) == step.obj, step
            self._remove(step.obj)
            return
        if step.action == "create":
            assert key not in self.objects, step
        else:
            assert self.objects.get(key) == step.before, step
        self._check_needs(step.obj)
        self.objects[key] = step.obj

    def links(self) -> set[LinkId]:
        ends: set[LinkId] = set()
        for obj in self.objects.values():
            if isinstance(obj, Bridge | Vlan | Vxlan | Macvlan | Veth):
                ends.add((_ns(obj.namespace), obj.name))
            if isinstance(obj, Veth):
                ends.add((_ns(obj.peer_namespace), obj.peer))
        return ends

    def _check_needs(self, obj: KernelObject) -> None:
        links = self.links()
        spaces = {o.name for o in self.objects.values() if isinstance(o, Namespace)}
        needed_spaces = {getattr(obj, "namespace", None), getattr(obj, "peer_namespace", None)}
        if isinstance(obj, Namespace):
            needed_spaces = set()
        assert needed_spaces - {None} <= spaces, obj
        needed: list[LinkId] = []
        if isinstance(obj, Veth):
            needed += [(_ns(obj.namespace), m) for m in [obj.master] if m]
            needed += [(_ns(obj.peer_namespace), m) for m in [obj.peer_master] if m]
        if isinstance(obj, Vxlan | Vlan | Attachment):
            needed.append((_ns(obj.namespace), obj.master))
        if isinstance(obj, Address | Dnsmasq):
            needed.append((_ns(obj.namespace), obj.interface))
        if isinstance(obj, Route) and obj.device:
            needed.append((_ns(obj.namespace), obj.device))
        if isinstance(obj, Macvlan) and obj.parent.startswith("nl"):
            needed.append(("", obj.parent))
        assert set(needed) <= links, obj

    def _remove(self, obj: KernelObject) -> None:
        del self.objects[obj.key]
        self.broken.discard(obj.key)
        if isinstance(obj, Namespace):
            held = [o for o in self.objects.values() if isinstance(o, Dnsmasq | Responder)]
            assert not [o for o in held if o.namespace == obj.name], "a process holds it"
            for other in list(self.objects.values()):
                inside = {getattr(other, "namespace", None), getattr(other, "peer_namespace", 0)}
                if other.key in self.objects and obj.name in inside:
                    self._remove(other)
        for end in self._ends(obj):
            self._link_gone(end)

    @staticmethod
    def _ends(obj: KernelObject) -> list[LinkId]:
        if isinstance(obj, Veth):
            return [(_ns(obj.namespace), obj.name), (_ns(obj.peer_namespace), obj.peer)]
        if isinstance(obj, Bridge | Vlan | Vxlan | Macvlan):
            return [(_ns(obj.namespace), obj.name)]
        return []

    def _link_gone(self, end: LinkId) -> None:
        ns, name = end
        for key, other in list(self.objects.items()):
            if key not in self.objects:
                continue
            here = _ns(getattr(other, "namespace", None)) == ns
            if (
                (isinstance(other, Address) and here and other.interface == name)
                or (isinstance(other, Route) and here and other.device == name)
                or (isinstance(other, Attachment) and here and other.master == name)
                or (isinstance(other, Vlan) and here and other.parent == name)
                or (isinstance(other, Vxlan) and here and other.underlay == name)
                or (isinstance(other, Macvlan) and ns == "" and other.parent == name)
            ):
                self._remove(other)
            elif isinstance(other, Veth):
                if here and other.master == name:
                    other = replace(other, master=None)
                if _ns(other.peer_namespace) == ns and other.peer_master == name:
                    other = replace(other, peer_master=None)
                self.objects[key] = other
            elif here and (
                (isinstance(other, Vxlan | Vlan) and other.master == name)
                or (isinstance(other, Dnsmasq) and other.interface == name)
            ):
                self.broken.add(key)


# -- random hosts ---------------------------------------------------------------------------

NAMESPACES = {"nl0001-i-a": "instance", "nl0001-i-b": "instance", "nl0001-r-c": "router"}
SYSCTLS = [(), (("net.ipv4.ip_forward", "1"),), (("net.ipv4.ip_forward", "0"),)]
CHAINS = [(), (("nl0001-a", (("-j", "ACCEPT"),)),), (("nl0001-b", (("-j", "DROP"),)),)]


@st.composite
def hosts(draw: st.DrawFn) -> HostState:
    def pick(*options: T) -> T:
        return draw(st.sampled_from(options))

    def some(options: Sequence[T]) -> list[T]:
        return sorted(draw(st.sets(st.sampled_from(options))), key=repr) if options else []

    def owner() -> str:
        return pick("e1", "e2")

    objects: list[KernelObject] = []
    spaces = [str(name) for name in some(tuple(NAMESPACES))]
    objects += [Namespace(n, NAMESPACES[n], owner(), pick(*SYSCTLS)) for n in spaces]
    places: list[str | None] = [None, *spaces]
    bridges = [str(b) for b in some(("nl0001b1", "nl0001b2"))]
    objects += [Bridge(b, owner(), mtu=pick(None, 1450)) for b in bridges]
    links: list[LinkId] = [("", b) for b in bridges]
    parents = ["eth1"]
    if bridges and draw(st.booleans()):
        vlan = Vlan(
            "nl0001v1", str(pick("eth1", "eth2")), int(pick(10, 20)), str(pick(*bridges)), owner()
        )
        objects.append(vlan)
        links.append(("", vlan.name))
        parents.append(vlan.name)
    masters: list[str | None] = [None, *bridges]
    for i in some((1, 2, 3)):
        peer_ns = pick(*places)
        veth = Veth(
            f"nl0001t{i}",
            str(pick(f"nl0001p{i}", f"nl0001q{i}")),
            owner(),
            peer_namespace=peer_ns,
            master=pick(*masters),
            peer_master=pick(*masters) if peer_ns is None else None,
            mac=pick(None, f"02:00:00:00:00:0{i}"),
            mtu=pick(None, 1450),
        )
        objects.append(veth)
        links += [("", veth.name), (_ns(veth.peer_namespace), veth.peer)]
    if bridges and draw(st.booleans()):
        vxlan = Vxlan(
            "nl0001x1",
            int(pick(10, 20)),
            str(pick("192.0.2.1", "192.0.2.9")),
            "eth0",
            owner(),
            str(pick(*bridges)),
            pick((), ("192.0.2.2",), ("192.0.2.2", "192.0.2.3")),
        )
        objects.append(vxlan)
        links.append(("", vxlan.name))
    if draw(st.booleans()):
        macvlan = Macvlan(
            "nl0001m1",
            str(pick(*parents)),
            pick("bridge", "private"),
            owner(),
            namespace=pick(*places),
            mac=pick(None, "02:00:00:00:01:01"),
        )
        objects.append(macvlan)
        links.append((_ns(macvlan.namespace), macvlan.name))
    if bridges and draw(st.booleans()):
        objects.append(Attachment("eth3", str(pick(*bridges)), owner()))
    for ns, name in some(tuple(links)):
        cidr = str(pick("10.0.0.1/24", "10.0.1.1/24"))
        objects.append(Address(name, cidr, owner(), ns or None))
    for ns, dest in some(tuple((ns, d) for ns in places for d in ("0.0.0.0/0", "10.9.0.0/16"))):
        devices = [name for where, name in links if where == _ns(ns)]
        device = pick(None, *devices)
        gateway = pick("10.0.0.254", *([None] if device else []))
        objects.append(Route(dest, owner(), ns, gateway, device))
    for ns in some(tuple(places)):
        chains = pick(*CHAINS)
        hooks = tuple(("PREROUTING", ("-j", chain)) for chain, _ in chains)
        objects.append(Firewall("nat", owner(), ns, chains, hooks))
    for ns, name in some(tuple(links)):
        ranges = pick((), (("10.0.0.10", "10.0.0.20", 24),))
        objects.append(Dnsmasq(name, owner(), ns or None, ranges))
    for ns in some(tuple(spaces)):
        objects.append(Responder(owner(), str(ns), pick((7,), (7, 8))))
    return host(*objects)


@settings(max_examples=400)
@given(hosts(), hosts())
def test_applying_the_steps_gives_the_desired_state(
    observed: HostState, desired: HostState
) -> None:
    kernel = Kernel(observed)
    steps = plan_steps(observed, desired)
    for step in steps:
        kernel.apply(step)
    assert kernel.objects == desired.by_key()
    assert not kernel.broken
    actions = [step.action for step in steps]
    assert actions == sorted(actions, key=lambda action: action != "remove")
    assert plan_steps(desired, desired) == []


@given(hosts())
def test_from_nothing_and_back_to_nothing(state: HostState) -> None:
    for observed, desired in ((EMPTY, state), (state, EMPTY)):
        kernel = Kernel(observed)
        for step in plan_steps(observed, desired):
            kernel.apply(step)
        assert kernel.objects == desired.by_key()

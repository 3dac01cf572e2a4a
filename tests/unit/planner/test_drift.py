"""Drift: given what a host has and what the deployed revision wants there, which kernel objects
are missing, changed or unexpected, which elements that makes drifted and how, and that a
host has drifted exactly when a repair would take steps."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from tasks.planner.drift import DriftItem, describe, element_drift, host_drift
from tasks.planner.state import (
    Address,
    Attachment,
    Bridge,
    Dnsmasq,
    Firewall,
    HostState,
    KernelObject,
    Namespace,
    Responder,
    Route,
    Veth,
)
from tasks.planner.steps import plan_steps
from tests.unit.planner.test_steps import host

R = "nl0001-r-router"
I = "nl0001-i-inst"  # noqa: E741
NS_R = Namespace(R, "router", "r1", (("net.ipv4.ip_forward", "1"),))
NS_I = Namespace(I, "instance", "vm1")
BRIDGE = Bridge("nl0001b1", "lan", mtu=1450)
TAP = Veth("nl0001t1", "nl0001p1", "p1", peer_namespace=I, master="nl0001b1")
GW = Veth("nl0001t2", "nl0001p2", "r1-p", peer_namespace=R, master="nl0001b1")
ADDR_I = Address("nl0001p1", "10.0.0.5/24", "p1", I)
ADDR_R = Address("nl0001p2", "10.0.0.1/24", "r1-p", R)
ROUTE = Route("0.0.0.0/0", "vm1", I, gateway="10.0.0.1")
FIREWALL = Firewall("nat", "r1", R, (("nl0001-snat", (("-j", "MASQUERADE"),)),))
DNSMASQ = Dnsmasq("nl0001p2", "lan", R, ranges=(("10.0.0.10", "10.0.0.99", 24),))
RESPONDER = Responder("vm1", I)
DEPLOYED = host(NS_R, NS_I, BRIDGE, TAP, GW, ADDR_I, ADDR_R, ROUTE, FIREWALL, DNSMASQ, RESPONDER)


def without(state: HostState, *gone: KernelObject) -> HostState:
    return host(*(obj for obj in state.objects() if obj not in gone))


def changes(items: list[DriftItem]) -> list[tuple[str | None, str, str]]:
    return [(item.element, item.object, item.change) for item in items]


def test_a_host_as_deployed_has_not_drifted() -> None:
    assert host_drift(DEPLOYED, DEPLOYED) == []
    assert element_drift([], [DEPLOYED]) == {}


def test_a_deleted_veth_is_missing_with_what_the_kernel_took_with_it() -> None:
    # Deleting one end of a veth takes the pair, and the address on the namespace end.
    observed = without(DEPLOYED, TAP, ADDR_I)
    items = host_drift(observed, DEPLOYED)
    assert changes(items) == [
        ("p1", f"address 10.0.0.5/24 on nl0001p1 in {I}", "missing"),
        ("p1", "veth nl0001t1", "missing"),
    ]
    assert {item.host for item in items} == {"h1"}
    assert items[1].detail == "not found on the host"
    # Every object of the port is gone: the port is missing.
    assert element_drift(items, [DEPLOYED]) == {"p1": "missing"}


def test_a_killed_dnsmasq_is_missing_and_its_network_changed() -> None:
    # The network has a bridge too, still there: the network is changed, not missing.
    items = host_drift(without(DEPLOYED, DNSMASQ), DEPLOYED)
    assert changes(items) == [("lan", f"dnsmasq on nl0001p2 in {R}", "missing")]
    assert items[0].detail == "not running"
    assert element_drift(items, [DEPLOYED]) == {"lan": "changed"}


def test_an_element_is_missing_only_when_nothing_of_it_is_left_on_any_host() -> None:
    other = HostState("h2", bridges=(Bridge("nl0001b1", "lan"),))
    items = host_drift(without(DEPLOYED, BRIDGE, DNSMASQ), DEPLOYED)
    assert element_drift(items, [DEPLOYED]) == {"lan": "missing"}
    # Its bridge on another host is still there.
    assert element_drift(items, [DEPLOYED, other]) == {"lan": "changed"}


def test_a_changed_object_says_which_fields_differ() -> None:
    loose = replace(TAP, master=None)
    rules = replace(FIREWALL, chains=())
    observed = host(*(obj for obj in DEPLOYED.objects() if obj not in (TAP, FIREWALL)))
    observed = host(*observed.objects(), loose, rules)
    items = host_drift(observed, DEPLOYED)
    assert changes(items) == [
        ("p1", "veth nl0001t1", "changed"),
        ("r1", f"firewall nat table in {R}", "changed"),
    ]
    assert items[0].detail == "master none, wanted nl0001b1"
    assert items[1].detail == "chains differ"
    assert element_drift(items, [DEPLOYED]) == {"p1": "changed", "r1": "changed"}


def test_what_the_revision_does_not_want_is_unexpected_and_told_by_where_it_sits() -> None:
    # The kernel keeps no owner: an extra address is the element's whose link it is on, an
    # extra link the element's whose namespace it is in, and a stray bridge nobody's.
    extra_address = Address("nl0001p2", "10.9.9.9/24", "", R)
    extra_link = Bridge("nl0001b9", "", namespace=I)
    stray = Bridge("nl0001b8", "")
    observed = host(*DEPLOYED.objects(), extra_address, extra_link, stray)
    items = host_drift(observed, DEPLOYED)
    assert changes(items) == [
        (None, "bridge nl0001b8", "unexpected"),
        ("r1-p", f"address 10.9.9.9/24 on nl0001p2 in {R}", "unexpected"),
        ("vm1", f"bridge nl0001b9 in {I}", "unexpected"),
    ]
    assert items[0].detail == "not in the deployed revision"
    assert element_drift(items, [DEPLOYED]) == {"r1-p": "unexpected", "vm1": "unexpected"}


def test_an_element_shows_its_worst_change() -> None:
    extra = Address("nl0001p1", "10.9.9.9/24", "", I)
    observed = host(*without(DEPLOYED, ROUTE).objects(), extra)
    items = host_drift(observed, DEPLOYED)
    # The instance lost its route (changed: its namespace is still there) and has an extra
    # address on its port (unexpected, told to the port).
    assert element_drift(items, [DEPLOYED]) == {"p1": "unexpected", "vm1": "changed"}


def test_a_deleted_namespace_takes_everything_in_it() -> None:
    observed = without(DEPLOYED, NS_I, ADDR_I, ROUTE, RESPONDER, TAP)
    items = host_drift(observed, DEPLOYED)
    assert {item.object for item in items} == {
        f"namespace {I}",
        f"address 10.0.0.5/24 on nl0001p1 in {I}",
        f"route 0.0.0.0/0 in {I}",
        f"responder in {I}",
        "veth nl0001t1",
    }
    assert element_drift(items, [DEPLOYED]) == {"p1": "missing", "vm1": "missing"}


def test_objects_are_described_by_kernel_names_only() -> None:
    assert describe(NS_R) == f"namespace {R}"
    assert describe(BRIDGE) == "bridge nl0001b1"
    assert describe(Attachment("eth3", "nl0001b1", "flat")) == "attachment of eth3 to nl0001b1"
    assert describe(ROUTE) == f"route 0.0.0.0/0 in {I}"


def test_items_are_plain_json() -> None:
    (item,) = host_drift(without(DEPLOYED, BRIDGE), DEPLOYED)
    assert item.as_dict() == {
        "host": "h1",
        "element": "lan",
        "object": "bridge nl0001b1",
        "change": "missing",
        "detail": "not found on the host",
    }


@given(
    st.sets(st.sampled_from(list(DEPLOYED.objects()))),
    st.sets(st.sampled_from(list(DEPLOYED.objects()))),
)
def test_a_host_has_drifted_exactly_when_a_repair_takes_steps(
    observed_objects: set[KernelObject], desired_objects: set[KernelObject]
) -> None:
    observed, desired = host(*observed_objects), host(*desired_objects)
    assert (host_drift(observed, desired) == []) == (plan_steps(observed, desired) == [])

"""Allocation: open fixed IPs take the first free address of the pools (or of the subnet less
network, broadcast and gateway), in port-id order; MACs are the port's or derived from its id."""

from __future__ import annotations

import re

from tasks.planner.allocation import allocate, mac_for
from tasks.planner.collect import Collector
from tasks.planner.index import PlanIndex
from tests.builders import document, net, port, subnet


def _allocated(**lists: object) -> tuple[dict[str, list[str]], Collector, PlanIndex]:
    index = PlanIndex(document(**lists))
    collector = Collector([])
    allocation = allocate(index, collector)
    addresses = {
        port_id: [str(address) for _subnet, address in found]
        for port_id, found in allocation.ports.items()
    }
    return addresses, collector, index


def test_open_addresses_skip_network_gateway_and_taken_in_port_id_order() -> None:
    addresses, collector, _ = _allocated(
        networks=[net("n")],
        subnets=[subnet("s", "n", "10.0.0.0/29", gateway_ip="10.0.0.1", enable_dhcp=False)],
        ports=[
            port("p3", "n", None, ("s", None)),
            port("p1", "n", None, ("s", None)),
            port("p2", "n", None, ("s", "10.0.0.2")),
            port("p4", "n", None, ("s", None)),
        ],
    )
    assert addresses == {
        "p1": ["10.0.0.3"],
        "p2": ["10.0.0.2"],
        "p3": ["10.0.0.4"],
        "p4": ["10.0.0.5"],
    }
    assert collector.notes() == ()


def test_pools_are_used_in_order_and_exhaustion_is_noted() -> None:
    addresses, collector, _ = _allocated(
        networks=[net("n")],
        subnets=[
            subnet(
                "s",
                "n",
                "10.0.0.0/24",
                gateway_ip="10.0.0.1",
                enable_dhcp=False,
                allocation_pools=[
                    {"start": "10.0.0.200", "end": "10.0.0.200"},
                    {"start": "10.0.0.100", "end": "10.0.0.101"},
                ],
            )
        ],
        ports=[port(f"p{i}", "n", None, ("s", None)) for i in range(1, 5)],
    )
    assert addresses == {"p1": ["10.0.0.200"], "p2": ["10.0.0.100"], "p3": ["10.0.0.101"], "p4": []}
    assert [(n.code, n.elements) for n in collector.notes()] == [
        ("plan.pool_exhausted", ("p4", "s"))
    ]


def test_broadcast_is_never_allocated() -> None:
    addresses, collector, _ = _allocated(
        networks=[net("n")],
        subnets=[subnet("s", "n", "10.0.0.0/30", gateway_ip="10.0.0.1", enable_dhcp=False)],
        ports=[port("p1", "n", None, ("s", None)), port("p2", "n", None, ("s", None))],
    )
    assert addresses == {"p1": ["10.0.0.2"], "p2": []}
    assert [n.code for n in collector.notes()] == ["plan.pool_exhausted"]


def test_a_router_port_takes_the_gateway_address_an_instance_port_never_does() -> None:
    addresses, _, _ = _allocated(
        networks=[net("n")],
        subnets=[subnet("s", "n", "10.0.0.0/24", gateway_ip="10.0.0.1", enable_dhcp=False)],
        ports=[
            port("a-vm", "n", "vm", ("s", None)),
            port("b-router", "n", "r", ("s", None)),
            port("c-router", "n", "r2", ("s", None)),
        ],
        instances=[{"id": "vm"}],
        routers=[{"id": "r"}, {"id": "r2"}],
    )
    assert addresses == {"a-vm": ["10.0.0.2"], "b-router": ["10.0.0.1"], "c-router": ["10.0.0.3"]}


def test_dhcp_server_takes_the_first_free_address_before_ports() -> None:
    index = PlanIndex(
        document(
            networks=[net("n")],
            subnets=[subnet("s", "n", "10.0.0.0/24", gateway_ip="10.0.0.1")],
            ports=[port("p", "n", "vm", ("s", None)), port("q", "n", "vm", ("s", "10.0.0.2"))],
            instances=[{"id": "vm"}],
        )
    )
    allocation = allocate(index, Collector([]))
    assert str(allocation.dhcp["s"]) == "10.0.0.3"
    assert [str(a) for _s, a in allocation.ports["p"]] == ["10.0.0.4"]


def test_a_dhcp_port_in_the_design_gives_the_server_its_address() -> None:
    index = PlanIndex(
        document(
            networks=[net("n")],
            subnets=[subnet("s", "n", "10.0.0.0/24", gateway_ip="10.0.0.1")],
            ports=[port("dhcp-port", "n", None, ("s", "10.0.0.53"))],
        )
    )
    assert str(allocate(index, Collector([])).dhcp["s"]) == "10.0.0.53"


def test_floating_ips_and_gateways_without_address_are_allocated() -> None:
    index = PlanIndex(
        document(
            networks=[net("ext", "provider", physical_network="external", external=True)],
            subnets=[
                subnet(
                    "ext-v4",
                    "ext",
                    "203.0.113.0/24",
                    gateway_ip="203.0.113.1",
                    enable_dhcp=False,
                    allocation_pools=[{"start": "203.0.113.10", "end": "203.0.113.20"}],
                )
            ],
            routers=[{"id": "r", "external_gateway": {"network": "ext"}}],
            floating_ips=[
                {"id": "fip-b", "network": "ext"},
                {"id": "fip-a", "network": "ext", "floating_ip_address": "203.0.113.10"},
            ],
        )
    )
    allocation = allocate(index, Collector([]))
    assert [str(a) for _s, a in allocation.gateways["r"]] == ["203.0.113.11"]
    assert {k: str(v[1]) for k, v in allocation.floating_ips.items()} == {
        "fip-a": "203.0.113.10",
        "fip-b": "203.0.113.12",
    }


def test_macs_are_the_ports_own_or_derived_from_the_id_in_neutrons_range() -> None:
    index = PlanIndex(
        document(
            networks=[net("n")],
            ports=[
                {"id": "own", "network": "n", "mac_address": "02:00:00:00:00:01"},
                {"id": "derived", "network": "n"},
            ],
        )
    )
    macs = allocate(index, Collector([])).macs
    assert macs["own"] == "02:00:00:00:00:01"
    assert re.fullmatch(r"fa:16:3e(:[0-9a-f]{2}){3}", macs["derived"])
    assert macs["derived"] == allocate(index, Collector([])).macs["derived"]


def test_derived_macs_never_repeat_one_in_use() -> None:
    used: set[str] = set()
    first = mac_for("p1", used)
    assert mac_for("p1", used) != first
    assert len({mac_for(f"p{i}", used) for i in range(2000)}) == 2000

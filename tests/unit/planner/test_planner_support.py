"""Builders shared by the planner's tests: hosts, a plan of a small document, and the objects of
one kind on one host. (No tests here.)"""

from __future__ import annotations

from typing import Any, TypeVar

from tasks.planner.hosts import HostFacts, HostRole
from tasks.planner.planner import plan
from tasks.planner.state import Plan
from tests.builders import document

TOPOLOGY = 42
PREFIX = "nl0016"
T = TypeVar("T")


def facts(
    name: str,
    role: HostRole = "both",
    address: str = "198.18.0.1",
    physical_networks: dict[str, str] | None = None,
    *,
    vlan_devices: bool = True,
    vlan_segments: dict[tuple[str, int], str] | None = None,
) -> HostFacts:
    return HostFacts(
        name,
        role,
        address,
        physical_networks or {},
        vlan_devices=vlan_devices,
        vlan_segments=vlan_segments or {},
    )


# Two networking nodes and two compute nodes, as `make run` builds its lab fabric.
FABRIC = (
    facts("network-1", "network", "198.18.0.11/24", {"external": "ext0", "physnet1": "phy1"}),
    facts("network-2", "network", "198.18.0.12/24", {"external": "ext0", "physnet1": "phy1"}),
    facts("compute-1", "compute", "198.18.0.101/24", {"physnet1": "phy1"}),
    facts("compute-2", "compute", "198.18.0.102/24", {"physnet1": "phy1"}),
)


def plan_of(hosts: tuple[HostFacts, ...] = FABRIC, **lists: Any) -> Plan:
    return plan(document(**lists), TOPOLOGY, hosts)


def objects(result: Plan, host: str, kind: type[T]) -> list[T]:
    return [obj for obj in result.hosts[host].objects() if isinstance(obj, kind)]


def codes(result: Plan) -> list[str]:
    return [note.code for note in result.notes]


def instance(id: str, host: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"id": id, "name": id, "host": host, **fields}

"""A registered host as the planner sees it: its row in the host registry turned into
`HostFacts`. Shared by the deploy tasks and the plan preview, so both plan with the same facts."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tasks.fabric.spec import MAX_VLAN, MIN_VLAN, PHYSICAL_NETWORKS
from tasks.planner.hosts import HostFacts, HostRole

if TYPE_CHECKING:
    from designer.models import Host

# The registry's role choices, by value.
ROLES: dict[str, HostRole] = {"network": "network", "compute": "compute", "both": "both"}


class FabricSegments(Mapping[tuple[str, int], str]):
    """The VLAN segments a lab fabric can give one of its hosts: for every VLAN of a physical
    network the host has, the interface that will carry it in the host's namespace (the
    deploy attaches the segment before it applies the host's steps)."""

    def __init__(self, physical_networks: Mapping[str, str]) -> None:
        self.tags = {
            network.name: network.tag
            for network in PHYSICAL_NETWORKS
            if network.name in physical_networks
        }

    def __getitem__(self, key: tuple[str, int]) -> str:
        physical_network, vlan = key
        if physical_network not in self.tags or not MIN_VLAN <= vlan <= MAX_VLAN:
            raise KeyError(key)
        return f"{self.tags[physical_network]}v{vlan}"

    def __iter__(self) -> Iterator[tuple[str, int]]:
        for name in self.tags:
            for vlan in range(MIN_VLAN, MAX_VLAN + 1):
                yield name, vlan

    def __len__(self) -> int:
        return len(self.tags) * (MAX_VLAN - MIN_VLAN + 1)


def host_facts(host: Host) -> HostFacts:
    emulated = bool(host.namespace)
    return HostFacts(
        name=host.name,
        role=ROLES[host.role],
        # A host without an underlay address carries no tunnels; the planner says so.
        underlay_address=host.underlay_address or "",
        physical_networks=dict(host.physical_networks),
        # Every host of a lab fabric shares this machine's kernel.
        vlan_devices=Path("/proc/net/vlan").is_dir(),
        # A lab fabric's host carries each VLAN on a segment of the fabric's own.
        vlan_segments=FabricSegments(host.physical_networks) if emulated else {},
        ipvs=ipvs_available(),
    )


def ipvs_available() -> bool:
    """Whether this machine's kernel has IPVS: loaded (its /proc table is there) or a module
    it can load. Every host of a lab fabric shares this machine's kernel."""
    if Path("/proc/net/ip_vs").exists():
        return True
    release = os.uname().release
    modules = Path("/lib/modules") / release
    for listing in ("modules.builtin", "modules.dep"):
        try:
            text = (modules / listing).read_text()
        except OSError:
            continue
        if "/ip_vs.ko" in text:
            return True
    return False

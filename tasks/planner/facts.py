"""A registered host as the planner sees it: its row in the host registry turned into
`HostFacts`. Shared by the deploy tasks and the plan preview, so both plan with the same facts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tasks.planner.hosts import HostFacts, HostRole

if TYPE_CHECKING:
    from designer.models import Host

# The registry's role choices, by value.
ROLES: dict[str, HostRole] = {"network": "network", "compute": "compute", "both": "both"}


def host_facts(host: Host) -> HostFacts:
    return HostFacts(
        name=host.name,
        role=ROLES[host.role],
        # A host without an underlay address carries no tunnels; the planner says so.
        underlay_address=host.underlay_address or "",
        physical_networks=dict(host.physical_networks),
        # Every host of a lab fabric shares this machine's kernel.
        vlan_devices=Path("/proc/net/vlan").is_dir(),
    )

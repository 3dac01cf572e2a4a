"""What the planner knows about the hosts a deployment may use: their role, underlay address,
physical networks and how their kernel carries a VLAN. Filled from the host registry (or a lab
fabric) by the caller; the planner itself does no I/O."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

HostRole = Literal["network", "compute", "both"]


@dataclass(frozen=True)
class HostFacts:
    name: str
    role: HostRole
    # The address other hosts reach this one on (tunnel endpoints); a prefix length is allowed.
    # Empty: the host has no underlay and carries no tunnels.
    underlay_address: str
    # physical network name -> the host's interface on it.
    physical_networks: dict[str, str] = field(default_factory=dict)
    # Whether the kernel has 802.1Q sub-interfaces.
    vlan_devices: bool = True
    # (physical network, VLAN id) -> the interface carrying that VLAN untagged: a lab fabric's
    # segment, for kernels without 802.1Q.
    vlan_segments: Mapping[tuple[str, int], str] = field(default_factory=dict)
    # The interface VXLAN traffic leaves by; empty lets the kernel choose by route.
    underlay_interface: str = ""
    # Whether the kernel has IPVS: load balancers there use it, else nftables.
    ipvs: bool = False

    @property
    def is_networking_node(self) -> bool:
        return self.role in ("network", "both")

    @property
    def is_compute_node(self) -> bool:
        return self.role in ("compute", "both")

    @property
    def tunnel_address(self) -> str | None:
        """The underlay address without its prefix length; None without a usable one."""
        try:
            return str(ipaddress.ip_interface(self.underlay_address).ip)
        except ValueError:
            return None

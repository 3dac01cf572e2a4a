"""What validation knows besides the document: the host registry, the project's VLAN policy
and quotas, what the project's other topologies already use, and who made the change.

Plain frozen data, so the rules stay pure functions; `designer.services.validation` builds it
from the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from designer.spec import Document

HOST_ROLES = frozenset({"network", "compute"})


@dataclass(frozen=True, slots=True)
class HostInfo:
    name: str
    roles: frozenset[str]  # subset of HOST_ROLES
    physical_networks: frozenset[str] = frozenset()
    external: bool = False  # has external connectivity

    @property
    def is_networking_node(self) -> bool:
        return "network" in self.roles

    @property
    def is_compute_node(self) -> bool:
        return "compute" in self.roles


# Neutron's default quotas.
DEFAULT_QUOTAS: Mapping[str, int] = {
    "networks": 100,
    "subnets": 100,
    "ports": 500,
    "routers": 10,
    "floating_ips": 50,
    "instances": 100,
}


@dataclass(frozen=True, slots=True)
class VlanPolicy:
    """Which VLANs each traffic role may use, and which roles must never be routed together."""

    ranges: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    forbidden_pairs: frozenset[frozenset[str]] = frozenset()

    def allows(self, role: str, vlan: int) -> bool:
        return any(low <= vlan <= high for low, high in self.ranges.get(role, ()))


@dataclass(frozen=True, slots=True)
class ValidationContext:
    # None means "not known here": the rules that need it are skipped, not guessed.
    hosts: Mapping[str, HostInfo] | None = None
    policy: VlanPolicy | None = None
    quotas: Mapping[str, int] | None = None
    # Elements of each quota kind in the project's other topologies.
    usage_elsewhere: Mapping[str, int] = field(default_factory=dict)
    # Whether the author of the change is an admin; None skips the ownership rules.
    author_is_admin: bool | None = None
    # The revision the change was made on, to tell what the author added.
    base: Document | None = None

"""Parsing of the project settings that validation reads: the VLAN segmentation policy and a
host's physical-network mapping. Errors name the field they are about."""

from __future__ import annotations

import re
from typing import Any

from designer.spec.fields import PHYSNET_PATTERN, ROLE_PATTERN
from designer.validation.context import VlanPolicy

# Existing interfaces on a host (the admin names them); never an interface Netloom creates.
INTERFACE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$"
MAX_ROLES = 64


class PolicyError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def parse_policy(ranges: Any, forbidden_pairs: Any) -> VlanPolicy:
    if not isinstance(ranges, dict):
        raise PolicyError("ranges", "must be an object of role: [[low, high], ...]")
    if len(ranges) > MAX_ROLES:
        raise PolicyError("ranges", f"at most {MAX_ROLES} roles")
    parsed: dict[str, tuple[tuple[int, int], ...]] = {}
    for role, role_ranges in ranges.items():
        if not isinstance(role, str) or not re.fullmatch(ROLE_PATTERN, role):
            raise PolicyError(
                "ranges", f"'{role}' is not a role name (lower-case letters, digits, - and _)"
            )
        if not isinstance(role_ranges, list) or len(role_ranges) > 64:
            raise PolicyError(f"ranges.{role}", "must be a list of [low, high] pairs")
        pairs = []
        for i, pair in enumerate(role_ranges):
            ok = (
                isinstance(pair, list)
                and len(pair) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
            )
            if not ok or not 1 <= pair[0] <= pair[1] <= 4094:
                raise PolicyError(
                    f"ranges.{role}[{i}]", "must be [low, high] with 1 <= low <= high <= 4094"
                )
            pairs.append((pair[0], pair[1]))
        parsed[role] = tuple(pairs)
    if not isinstance(forbidden_pairs, list) or len(forbidden_pairs) > 1000:
        raise PolicyError("forbidden_pairs", "must be a list of [role, role] pairs")
    forbidden = set()
    for i, pair in enumerate(forbidden_pairs):
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(r, str) and re.fullmatch(ROLE_PATTERN, r) for r in pair)
            or pair[0] == pair[1]
        ):
            raise PolicyError(f"forbidden_pairs[{i}]", "must be two different role names")
        forbidden.add(frozenset(pair))
    return VlanPolicy(ranges=parsed, forbidden_pairs=frozenset(forbidden))


def parse_physical_networks(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) > 64:
        raise PolicyError("physical_networks", "must be an object of name: interface")
    for name, interface in value.items():
        if not isinstance(name, str) or not re.fullmatch(PHYSNET_PATTERN, name):
            raise PolicyError("physical_networks", f"'{name}' is not a physical network name")
        if not isinstance(interface, str) or not re.fullmatch(INTERFACE_PATTERN, interface):
            raise PolicyError(
                f"physical_networks.{name}", "must be an interface name of at most 15 characters"
            )
    return dict(value)

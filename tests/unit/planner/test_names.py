"""Kernel names: derived from ids, short enough for the kernel, stable across runs, carrying the
deployment's prefix, and never made of what a person typed."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.planner.names import (
    LINK_KINDS,
    MAX_INTERFACE,
    deployment_prefix,
    dns_label,
    interface_name,
    namespace_name,
    owns,
)

IFNAME = r"^[a-z0-9]{1,15}$"


def test_prefixes_are_unique_per_topology_and_refuse_what_does_not_fit() -> None:
    assert deployment_prefix(1) == "nl0001"
    assert deployment_prefix(36**4 - 1) == "nlzzzz"
    assert len({deployment_prefix(n) for n in range(1, 5000)}) == 4999
    for bad in (0, -1, 36**4):
        with pytest.raises(ValueError, match="has no 4-digit prefix"):
            deployment_prefix(bad)


@given(st.sampled_from(sorted(LINK_KINDS)), st.lists(st.text(), min_size=1, max_size=3))
def test_interface_names_fit_the_kernel_and_are_stable(kind: str, parts: list[str]) -> None:
    prefix = deployment_prefix(42)
    name = interface_name(prefix, kind, *parts)
    assert len(name.encode()) <= MAX_INTERFACE
    assert re.fullmatch(IFNAME, name)
    assert name == interface_name(prefix, kind, *parts)
    assert owns(prefix, name)
    assert not owns(deployment_prefix(43), name)


def test_hostile_text_never_shows_in_a_name() -> None:
    prefix = deployment_prefix(7)
    hostile = "x'; rm -rf / $(reboot)\n" + "y" * 200
    for name in (
        interface_name(prefix, "tap", hostile, "compute-1"),
        namespace_name(prefix, "instance", "compute-1", hostile),
    ):
        assert re.fullmatch(r"[a-z0-9-]+", name), name
        assert len(name) <= 32


def test_namespaces_name_their_host() -> None:
    prefix = deployment_prefix(7)
    one = namespace_name(prefix, "router", "network-1", "r1")
    two = namespace_name(prefix, "router", "network-2", "r1")
    assert one != two
    assert one.startswith(f"{prefix}-r-")
    assert owns(prefix, one)


@pytest.mark.parametrize(
    ("name", "fallback", "label"),
    [
        ("Web Server #1", "vm1", "web-server-1"),
        ("db", "vm2", "db"),
        ("日本", "vm_3", "vm-3"),
        ("--", "A", "a"),
        ("x" * 80, "vm", "x" * 63),
    ],
)
def test_dns_labels(name: str, fallback: str, label: str) -> None:
    assert dns_label(name, fallback) == label

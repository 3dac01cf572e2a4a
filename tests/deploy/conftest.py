"""Deploy tests build real network namespaces, bridges and veth pairs, so they need root (CI
runs them as root) and iproute2, procps and iputils-ping. Without root they fail and say so:
a skip would hide that the kernel part never ran.

They build fabrics with the prefixes below, never the default `nlfab`, so a fabric a person
runs on the same machine is never touched; every test fabric is removed after each test,
whether it passed or not."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tasks.fabric import kernel
from tasks.fabric.spec import FabricSpec

TEST_PREFIX = "nltst"
# A second fabric, whose prefix begins the first one's: neither may touch the other.
OTHER_PREFIX = "nlts"
TOOLS = {"ip": "iproute2", "sysctl": "procps", "ping": "iputils-ping"}


def _remove_test_fabrics() -> None:
    for prefix in (TEST_PREFIX, OTHER_PREFIX):
        kernel.down(FabricSpec(prefix=prefix))


@pytest.fixture
def root() -> None:
    if os.geteuid() != 0:
        pytest.fail(
            "tests/deploy build real network namespaces and need root: run them as root, "
            "as CI does.",
            pytrace=False,
        )
    missing = [package for tool, package in TOOLS.items() if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"tests/deploy need the Debian packages {', '.join(missing)}", pytrace=False)


@pytest.fixture
def make_fabric(root: None) -> Iterator[Callable[..., FabricSpec]]:
    """`make_fabric(network_nodes=2, ...)`: a test fabric's spec (nothing built yet). Every
    test fabric is removed before the test, in case an earlier run was killed, and after it."""

    def spec(prefix: str = TEST_PREFIX, **layout: Any) -> FabricSpec:
        return FabricSpec(prefix=prefix, **{"network_nodes": 1, "compute_nodes": 1, **layout})

    _remove_test_fabrics()
    try:
        yield spec
    finally:
        _remove_test_fabrics()


@pytest.fixture
def fabric(make_fabric: Callable[..., FabricSpec]) -> FabricSpec:
    """A test fabric that is up: one networking node and one compute node."""
    spec = make_fabric()
    kernel.up(spec)
    return spec

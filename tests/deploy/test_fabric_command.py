"""`manage.py fabric up|status|down` as an admin runs it: the kernel objects and the registry
rows appear and go, and without root it says so and does nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from designer.models import Host
from tasks.fabric.spec import FabricSpec
from tests.deploy import probe
from tests.deploy.conftest import TEST_PREFIX

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
LAYOUT = ["--prefix", TEST_PREFIX, "--network-nodes", "1", "--compute-nodes", "1"]


def fabric(*arguments: str) -> str:
    out = StringIO()
    call_command("fabric", *arguments, *LAYOUT, stdout=out)
    return out.getvalue()


def test_up_status_down(make_fabric: Callable[..., FabricSpec]) -> None:
    spec = make_fabric()

    up = fabric("up")

    assert f"Lab fabric {TEST_PREFIX} is up" in up
    assert "host registry: network-1 created" in up
    assert {f"{TEST_PREFIX}-n1", f"{TEST_PREFIX}-c1", f"{TEST_PREFIX}-out"} <= probe.namespaces()
    assert sorted(Host.objects.values_list("name", flat=True)) == ["compute-1", "network-1"]
    assert "(0 kernel changes)" in fabric("up")

    status = fabric("status")
    assert (
        f"network-1 (network): namespace {TEST_PREFIX}-n1 present; underlay 198.18.0.11/24 "
        "present; forwarding on; registered, queue host.network-1"
    ) in status
    assert "interfaces: ul0 up, ext0 up, phy1 up" in status
    assert (
        f"Outside host: namespace {TEST_PREFIX}-out present, eth0 203.0.113.1/24 present" in status
    )
    assert "State: up" in status

    down = fabric("down")

    assert "host registry: network-1 removed" in down
    assert not Host.objects.exists()
    assert not any(spec.owns_namespace(name) for name in probe.namespaces())
    assert "State: down" in fabric("status")


def test_bad_options_are_named(make_fabric: Callable[..., FabricSpec]) -> None:
    with pytest.raises(CommandError, match="the prefix must be 2 to 5 lower-case letters"):
        call_command("fabric", "up", "--prefix", "x$(reboot)")
    with pytest.raises(CommandError, match="--underlay must be an IPv4 range"):
        call_command("fabric", "up", "--prefix", TEST_PREFIX, "--underlay", "fd00::/64")
    assert not any(name.startswith(TEST_PREFIX) for name in probe.namespaces())


def test_without_root_it_says_so_and_does_nothing(make_fabric: Callable[..., FabricSpec]) -> None:
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    result = subprocess.run(
        [*nobody, sys.executable, "manage.py", "fabric", "up", "--prefix", TEST_PREFIX],
        cwd=REPO,
        env={**os.environ, "NETLOOM_SECRET_KEY": "only-for-a-command-that-stops-at-once"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1, result.stderr
    assert "the lab fabric needs root" in result.stderr
    assert not any(name.startswith(TEST_PREFIX) for name in probe.namespaces())

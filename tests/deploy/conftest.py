"""Deploy tests build real network namespaces, bridges and veth pairs, so they need root (CI
runs them as root) and iproute2, procps and iputils-ping. Without root they fail and say so:
a skip would hide that the kernel part never ran.

They build fabrics with the prefixes below, never the default `nlfab`, so a fabric a person
runs on the same machine is never touched; every test fabric is removed after each test (the
lab's after its module), whether it passed or not.

The `lab` fixture and the helpers after it serve the end-to-end deploys: a registered fabric, a
worker in this process, deploys requested as a person would, and what a deployment owns on
the machine, which must be nothing once it is destroyed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from channels.layers import channel_layers
from django.contrib.auth.models import User
from django.db import connection

from designer.models import Deployment, DeploymentState, Host, Revision, Topology
from designer.services.deployments import request_deploy, request_destroy
from designer.services.fabric import register_fabric
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from designer.spec import Document
from tasks.app import app
from tasks.drivers import RUN_DIR, HostBinding
from tasks.drivers.linux import LinuxDriver
from tasks.embedded import WorkerThread
from tasks.fabric import kernel
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix
from tests.deploy import probe

TEST_PREFIX = "nltst"
# A second fabric, whose prefix begins the first one's: neither may touch the other.
OTHER_PREFIX = "nlts"
# The lab's fabric, shared by the tests of a module: a prefix of its own, so the fabric tests,
# which remove the two above before and after each test, never take it down under them.
# Two runs of the suite on one machine (two checkouts, each with a database of its own) keep
# apart by lane, NETLOOM_TEST_LANE (0 unless set): each lane has its own lab fabric and its own
# topology numbers. The fabric tests' fabrics above are not laned: run them in one lane only.
LANE = int(os.environ.get("NETLOOM_TEST_LANE", "0"))
# Fabric prefixes are letters only: lane 1 is `nlsca`, lane 2 `nlscb`, and so on.
LAB_PREFIX = "nlsc" if LANE == 0 else f"nlsc{'abcdefghijklmnopqrstuvwxyz'[LANE - 1]}"
TOOLS = {"ip": "iproute2", "sysctl": "procps", "ping": "iputils-ping", "dnsmasq": "dnsmasq"}
# Topologies in the lab are numbered from here, far from 1: a deployment's kernel objects are
# named from its topology's id (`nl` and the id in base 36), and another run of the suite on
# the same machine (CI, whose test database numbers topologies 1, 2, ...) must never own, or
# destroy, this run's objects. The driver tests use the ids just below 36**4 (less 1,000 a lane).
FIRST_TOPOLOGY_ID = 36**4 - 5000 * (LANE + 1)
FINISHED = {
    DeploymentState.DEPLOYED,
    DeploymentState.DESTROYED,
    DeploymentState.FAILED,
    DeploymentState.CANCELLED,
}


def _remove_test_fabrics() -> None:
    for prefix in (TEST_PREFIX, OTHER_PREFIX):
        kernel.down(FabricSpec(prefix=prefix))


def _require_root() -> None:
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
def root() -> None:
    _require_root()


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


# -- the lab: deploys end to end -------------------------------------------------------------


@contextmanager
def fabric_up(spec: FabricSpec) -> Iterator[FabricSpec]:
    """A lab fabric in the kernel while the block runs, removed after it (and before, in case
    a run was killed). A module that needs another layout than the lab's overrides
    `lab_fabric` with one of these, under a prefix of its own."""
    _require_root()
    kernel.down(spec)
    try:
        kernel.up(spec)
        yield spec
    finally:
        kernel.down(spec)


@pytest.fixture(scope="module")
def lab_fabric() -> Iterator[FabricSpec]:
    """The lab's fabric in the kernel: one networking node and two compute nodes, up for the
    tests of one module."""
    with fabric_up(FabricSpec(prefix=LAB_PREFIX, network_nodes=1, compute_nodes=2)) as spec:
        yield spec


def number_topologies_from(first: int) -> None:
    table = Topology._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, first]
            )
        elif connection.vendor == "sqlite":
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, first - 1]
            )
        else:
            raise NotImplementedError(f"numbering topologies on {connection.vendor}")


@pytest.fixture
def lab(lab_fabric: FabricSpec, transactional_db: None) -> Iterator[FabricSpec]:
    """The lab's fabric, registered, with a worker in this process as the embedded mode runs
    one; topologies numbered from FIRST_TOPOLOGY_ID. Afterwards every topology is destroyed on
    every host, whether the test passed or not."""
    number_topologies_from(FIRST_TOPOLOGY_ID)
    # Started before the fabric's hosts are registered, as when a fabric is brought up while
    # the app runs: it must take up their queues when work is sent to them.
    worker = WorkerThread(queues=[app.conf.task_default_queue], hostname="deploy-test@netloom")
    worker.start()
    register_fabric(lab_fabric)
    try:
        yield lab_fabric
    finally:
        worker.stop()
        # A deployment's namespaces are the machine's, not the fabric's: a test that failed
        # half way leaves them, and the fabric going down would not remove them.
        for topology in Topology.objects.all():
            for host in Host.objects.all():
                binding = HostBinding(host.name, host.namespace or None)
                LinuxDriver(binding, deployment_prefix(topology.pk)).destroy()


def wait_until_finished(deployment: Deployment, timeout: float = 90) -> Deployment:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deployment.refresh_from_db()
        if deployment.state in FINISHED:
            return deployment
        time.sleep(0.1)
    raise AssertionError(f"deployment still {deployment.state} after {timeout} s: {deployment.log}")


def in_namespace(namespace: str, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ip", "netns", "exec", namespace, *command], capture_output=True, text=True, timeout=20
    )


def python_in(namespace: str, code: str, *arguments: str) -> str:
    """What Python code run inside a namespace prints (`arguments` in `sys.argv[1:]`)."""
    result = in_namespace(namespace, sys.executable, "-c", code, *arguments)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# What the TCP echo of the responder at argv[1] sends back.
ECHO = (
    "import socket, sys; s = socket.create_connection((sys.argv[1], 7), timeout=5); "
    "s.sendall(b'netloom'); print(s.recv(64).decode())"
)


def _processes_naming(prefix: str) -> list[str]:
    """The processes whose command line carries the prefix (dnsmasq's and the responder's
    files are named after the deployment's namespaces and links)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if prefix in cmdline:
            found.append(f"process {entry.name}: {cmdline.replace(chr(0), ' ').strip()}")
    return found


def owned_objects(prefix: str, spec: FabricSpec) -> list[str]:
    """Every namespace, every link and iptables rule in a fabric host, every process and every
    record file that carries the deployment's prefix."""
    found = [name for name in probe.namespaces() if name.startswith(prefix)]
    found += [str(path) for path in Path(RUN_DIR).glob(f"{prefix}*")]
    found += [str(path) for path in Path(RUN_DIR).glob(f"*-{prefix}*")]
    for host in spec.hosts:
        found += [
            f"{host.namespace}:{n}" for n in probe.links(host.namespace) if n.startswith(prefix)
        ]
        rules = probe.run("ip", "netns", "exec", host.namespace, "iptables-save").stdout
        found += [f"{host.namespace}: {line}" for line in rules.splitlines() if prefix in line]
    return found + _processes_naming(prefix)


def make_topology(doc: Document, owner_name: str = "ada") -> tuple[User, Topology]:
    """A topology in a new project of a new admin called `owner_name`; (the admin, it)."""
    # An admin: only admins may put provider networks in a design.
    owner = User.objects.create_user(owner_name, is_staff=True)
    project = create_project(f"Lab of {owner_name}", owner)
    topology = create_topology(project, "Campus", owner, document=doc)
    assert topology.pk >= FIRST_TOPOLOGY_ID, "the lab numbers topologies far from 1"
    return owner, topology


def deploy(topology: Topology, owner: User, revision: Revision | None = None) -> Deployment:
    """Deploy `revision` (the head by default) and wait until it is deployed."""
    target = revision or topology.head
    assert target is not None
    deployment = wait_until_finished(request_deploy(topology, target, owner))
    assert deployment.state == DeploymentState.DEPLOYED, deployment.log
    return deployment


def destroy_leaving_nothing(topology: Topology, owner: User, spec: FabricSpec) -> None:
    """Destroy the topology; nothing of it may remain on the machine."""
    gone = wait_until_finished(request_destroy(topology, owner))
    assert gone.state == DeploymentState.DESTROYED, gone.log
    assert owned_objects(deployment_prefix(topology.pk), spec) == []


def deploy_again_changes_nothing(topology: Topology, owner: User) -> None:
    """Deploying what is deployed takes no step on any host."""
    again = deploy(topology, owner)
    assert {host: entry["total"] for host, entry in again.hosts.items()} == dict.fromkeys(
        again.hosts, 0
    )


async def close_channel_layers() -> None:
    """Close the channel layer a test's WebSocket client used, and forget it. With Redis, the
    layer also holds connections a worker thread opened on its own event loop to publish; those
    cannot be closed from this loop and are left to go with the layer."""
    for layer in channel_layers.backends.values():
        close = getattr(layer, "close_pools", None)
        if close is not None:
            with suppress(RuntimeError):
                await close()
    channel_layers.backends.clear()

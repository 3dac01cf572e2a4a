"""Deploys end to end: a request recorded by the service, the orchestration task fanning out to
one task per host on that host's queue, a worker consuming them, the planner and the linux
driver building a lab fabric's hosts for real, traffic proving it, and a destroy that leaves
nothing. A step that fails rolls every host back."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from designer.models import Deployment, DeploymentState, Host, Topology
from designer.services.deployments import request_deploy, request_destroy
from designer.services.fabric import register_fabric
from designer.services.projects import create_project
from designer.services.topologies import create_topology, save_revision
from designer.spec import Document
from tasks.app import app
from tasks.drivers import RUN_DIR, HostBinding
from tasks.drivers.linux import LinuxDriver
from tasks.embedded import WorkerThread
from tasks.fabric import kernel
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy import probe

FINISHED = {
    DeploymentState.DEPLOYED,
    DeploymentState.DESTROYED,
    DeploymentState.FAILED,
    DeploymentState.CANCELLED,
}


@pytest.fixture
def lab(make_fabric: Callable[..., FabricSpec], transactional_db: None) -> Iterator[FabricSpec]:
    """A fabric of one networking node and two compute nodes, registered, with a worker in
    this process, as the embedded mode runs one."""
    spec = make_fabric(network_nodes=1, compute_nodes=2)
    # Started before the fabric's hosts exist, as when a fabric is brought up while the app
    # runs: it must take up their queues when work is sent to them.
    worker = WorkerThread(queues=[app.conf.task_default_queue], hostname="deploy-test@netloom")
    worker.start()
    kernel.up(spec)
    register_fabric(spec)
    try:
        yield spec
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


def owned_objects(prefix: str, spec: FabricSpec) -> list[str]:
    """Every namespace, every link in a fabric host and every record file that carries the
    deployment's prefix."""
    found = [name for name in probe.namespaces() if name.startswith(prefix)]
    found += [str(path) for path in Path(RUN_DIR).glob(f"{prefix}*")]
    for host in spec.hosts:
        found += [
            f"{host.namespace}:{n}" for n in probe.links(host.namespace) if n.startswith(prefix)
        ]
    return found


def two_hosts_one_network(**more: list[dict[str, Any]]) -> Document:
    """Two instances on two compute nodes, on one self-service network; `more` elements added
    to each list named."""
    return document(
        networks=[net("lan", name="lan", tunnels="static"), *more.get("networks", [])],
        subnets=[subnet("lan-v4", "lan", "10.50.0.0/24"), *more.get("subnets", [])],
        instances=[
            {"id": "vm1", "name": "Web (front) #1", "host": "compute-1"},
            {"id": "vm2", "name": "db: primary @ rack 2", "host": "compute-2"},
        ],
        ports=[
            port("p1", "lan", "vm1", ("lan-v4", "10.50.0.11")),
            port("p2", "lan", "vm2", ("lan-v4", "10.50.0.12")),
            *more.get("ports", []),
        ],
    )


def make_topology(doc: Document) -> tuple[User, Topology]:
    # An admin: only admins may put provider networks in a design.
    owner = User.objects.create_user("ada", is_staff=True)
    project = create_project("Lab", owner)
    return owner, create_topology(project, "Campus", owner, document=doc)


def test_deploy_across_two_hosts_then_destroy_leaves_nothing(lab: FabricSpec) -> None:
    owner, topology = make_topology(two_hosts_one_network())
    prefix = deployment_prefix(topology.pk)

    deployment = wait_until_finished(request_deploy(topology, topology.head, owner))
    assert deployment.state == DeploymentState.DEPLOYED, deployment.log
    assert deployment.progress == 100
    assert set(deployment.elements) >= {"vm1", "vm2", "lan"}
    assert all(state == "up" for state in deployment.elements.values())

    # The instances reach each other through the VXLAN tunnel between the compute nodes.
    vm1 = namespace_name(prefix, "instance", "compute-1", "vm1")
    assert in_namespace(vm1, "ping", "-c", "1", "-W", "2", "10.50.0.12").returncode == 0
    echo = in_namespace(
        vm1,
        sys.executable,
        "-c",
        "import socket; s = socket.create_connection(('10.50.0.12', 7), timeout=5); "
        "s.sendall(b'netloom'); print(s.recv(64).decode())",
    )
    assert echo.stdout.strip() == "netloom", echo.stderr

    # Deploying the same revision again changes nothing.
    again = wait_until_finished(request_deploy(topology, topology.head, owner))
    assert again.state == DeploymentState.DEPLOYED
    assert all(entry["total"] == 0 for entry in again.hosts.values()), again.hosts

    gone = wait_until_finished(request_destroy(topology, owner))
    assert gone.state == DeploymentState.DESTROYED, gone.log
    assert owned_objects(prefix, lab) == []


def test_a_failed_step_rolls_every_host_back(lab: FabricSpec) -> None:
    owner, topology = make_topology(two_hosts_one_network())
    prefix = deployment_prefix(topology.pk)
    first = wait_until_finished(request_deploy(topology, topology.head, owner))
    assert first.state == DeploymentState.DEPLOYED, first.log
    before = sorted(owned_objects(prefix, lab))

    # A provider network on an interface compute-2 does not have: its attachment fails there.
    Host.objects.filter(name="compute-2").update(
        physical_networks={"physnet1": "phy1", "physnet9": "nosuch0"}
    )
    Host.objects.filter(name="compute-1").update(
        physical_networks={"physnet1": "phy1", "physnet9": "phy1"}
    )
    broken = two_hosts_one_network(
        networks=[net("flat", kind="provider", physical_network="physnet9")],
        subnets=[subnet("flat-v4", "flat", "10.60.0.0/24")],
        ports=[
            port("p3", "flat", "vm1", ("flat-v4", "10.60.0.11")),
            port("p4", "flat", "vm2", ("flat-v4", "10.60.0.12")),
        ],
    )
    assert topology.head is not None
    revision = save_revision(topology, topology.head.number, broken, owner, message="flat")
    failed = wait_until_finished(request_deploy(topology, revision, owner))

    assert failed.state == DeploymentState.FAILED, failed.log
    assert "compute-2" in failed.error
    # Every host is back where the last deploy left it: nothing of the attempt remains.
    assert sorted(owned_objects(prefix, lab)) == before
    vm1 = namespace_name(prefix, "instance", "compute-1", "vm1")
    assert in_namespace(vm1, "ping", "-c", "1", "-W", "2", "10.50.0.12").returncode == 0

    wait_until_finished(request_destroy(topology, owner))
    assert owned_objects(prefix, lab) == []

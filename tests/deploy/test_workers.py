"""A deploy carried out by real Celery worker processes over the real Redis, one per host queue,
as production runs them: `celery -A tasks worker -Q host.<name>` on each host."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from designer.models import DeploymentState, Host, Topology
from designer.services.deployments import request_deploy
from designer.services.fabric import register_fabric
from tasks.app import app
from tasks.drivers import HostBinding
from tasks.drivers.linux import LinuxDriver
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy.conftest import (
    FIRST_TOPOLOGY_ID,
    destroy_leaving_nothing,
    in_namespace,
    make_topology,
    number_topologies_from,
    wait_until_finished,
)
from tests.e2e.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]
VISIBILITY_TIMEOUT = 8


class Worker:
    """A `celery worker` process consuming `queues`, its output kept in a file."""

    def __init__(self, name: str, queues: list[str], log: Path) -> None:
        self.log = log
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": str(settings.REDIS_URL),
            "DJANGO_SETTINGS_MODULE": "designer.settings",
            # A task left unacknowledged by a killed worker goes back to its queue this soon.
            "NETLOOM_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        }
        command = [sys.executable, "-m", "celery", "-A", "tasks", "worker"]
        command += ["-Q", ",".join(queues), "-n", f"{name}@netloom-test", "--pool", "solo"]
        command += ["--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "info"]
        self.output = log.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.output, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while "ready." not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker did not start:\n{self.log.read_text()}")
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.output.close()

    def succeeded(self, task: str, at_least: int = 1, timeout: float = 10) -> int:
        """How many `task` tasks this worker ran to the end. A task ends the deployment before
        it returns, and the worker logs it after: up to `timeout` seconds are given for at
        least `at_least` to show."""
        deadline = time.monotonic() + timeout
        while True:
            count = sum(
                f"Task {task}[" in line and "] succeeded" in line
                for line in self.log.read_text().splitlines()
            )
            if count >= at_least or time.monotonic() > deadline:
                return count
            time.sleep(0.05)


@pytest.fixture
def workers(
    lab_fabric: FabricSpec, transactional_db: None, tmp_path: Path
) -> Iterator[dict[str, Worker]]:
    """The lab's hosts registered, and three worker processes on Redis: one for each compute
    node's queue, one for the default queue and the networking node."""
    if not settings.REDIS_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must set REDIS_URL: this test runs workers over Redis")
        pytest.skip("needs REDIS_URL: separate worker processes share work through Redis")
    number_topologies_from(FIRST_TOPOLOGY_ID + 2000)
    register_fabric(lab_fabric)
    queues = {
        "compute-1": ["host.compute-1"],
        "compute-2": ["host.compute-2"],
        "default": [app.conf.task_default_queue, "host.network-1"],
    }
    running = {name: Worker(name, q, tmp_path / f"{name}.log") for name, q in queues.items()}
    try:
        for worker in running.values():
            worker.wait_ready()
        yield running
    finally:
        for worker in running.values():
            worker.stop()
        for topology in Topology.objects.all():
            for host in Host.objects.all():
                binding = HostBinding(host.name, host.namespace or None)
                LinuxDriver(binding, deployment_prefix(topology.pk)).destroy()


def test_two_worker_processes_deploy_one_host_each(
    workers: dict[str, Worker], lab_fabric: FabricSpec
) -> None:
    owner, topology = make_topology(
        document(
            networks=[net("lan", name="lan")],
            subnets=[subnet("lan-v4", "lan", "10.80.0.0/24")],
            instances=[
                {"id": "vm1", "name": "web", "host": "compute-1"},
                {"id": "vm2", "name": "db", "host": "compute-2"},
            ],
            ports=[
                port("p1", "lan", "vm1", ("lan-v4", "10.80.0.11")),
                port("p2", "lan", "vm2", ("lan-v4", "10.80.0.12")),
            ],
        )
    )
    assert topology.head is not None
    deployment = wait_until_finished(request_deploy(topology, topology.head, owner))
    assert deployment.state == DeploymentState.DEPLOYED, deployment.log

    # Each compute node's work was done by the process consuming its queue (this process runs
    # no worker); the orchestration and the networking node's by the third.
    assert workers["compute-1"].succeeded("netloom.reconcile_host") == 1
    assert workers["compute-2"].succeeded("netloom.reconcile_host") == 1
    assert workers["default"].succeeded("netloom.reconcile_host") == 1
    assert workers["default"].succeeded("netloom.deploy") == 1
    assert set(deployment.hosts) == {"compute-1", "compute-2", "network-1"}
    vm1 = namespace_name(deployment_prefix(topology.pk), "instance", "compute-1", "vm1")
    assert in_namespace(vm1, "ping", "-c", "1", "-W", "2", "10.80.0.12").returncode == 0

    destroy_leaving_nothing(topology, owner, lab_fabric)


def instance_namespaces(prefix: str) -> list[str]:
    """The deployment's instance namespaces on the machine, read straight from /run/netns."""
    return [name for name in os.listdir("/run/netns") if name.startswith(f"{prefix}-i-")]


def test_a_worker_killed_mid_deploy_is_replaced_and_the_deploy_completes(
    workers: dict[str, Worker], lab_fabric: FabricSpec, tmp_path: Path
) -> None:
    count = 96
    owner, topology = make_topology(
        document(
            networks=[net("lan", name="lan")],
            subnets=[subnet("lan-v4", "lan", "10.81.0.0/22")],
            instances=[
                {"id": f"vm{n}", "name": f"vm {n}", "host": "compute-1"} for n in range(count)
            ],
            ports=[
                port(f"p{n}", "lan", f"vm{n}", ("lan-v4", f"10.81.{n // 200}.{20 + n % 200}"))
                for n in range(count)
            ],
        )
    )
    assert topology.head is not None
    prefix = deployment_prefix(topology.pk)
    deployment = request_deploy(topology, topology.head, owner)
    # SIGKILL the worker of compute-1 half way through its steps, as the kernel shows them:
    # some of its instances' namespaces made, not all (the driver is quicker than the
    # progress written to the database).
    deadline = time.monotonic() + 60
    while not 0 < len(made := instance_namespaces(prefix)) < count // 2:
        assert time.monotonic() < deadline, deployment.hosts
        time.sleep(0.001)
    killed = workers["compute-1"]
    killed.process.send_signal(signal.SIGKILL)
    killed.process.wait()
    made_when_killed = len(instance_namespaces(prefix))

    # Another worker takes the queue; the task comes back to it and finishes the host.
    workers["compute-1"] = Worker("compute-1b", ["host.compute-1"], tmp_path / "compute-1b.log")
    workers["compute-1"].wait_ready()
    deployment = wait_until_finished(deployment, timeout=VISIBILITY_TIMEOUT * 3 + 60)
    assert deployment.state == DeploymentState.DEPLOYED, deployment.log
    assert workers["compute-1"].succeeded("netloom.reconcile_host") == 1
    # It was killed half way, and the second run made the rest.
    assert 0 < made_when_killed < count, made
    assert len(instance_namespaces(prefix)) == count
    vm0 = namespace_name(deployment_prefix(topology.pk), "instance", "compute-1", "vm0")
    last = f"10.81.{(count - 1) // 200}.{20 + (count - 1) % 200}"
    assert in_namespace(vm0, "ping", "-c", "1", "-W", "2", last).returncode == 0

    destroy_leaving_nothing(topology, owner, lab_fabric)

"""Deploys end to end: a request recorded by the service, the orchestration task fanning out to
one task per host on that host's queue, a worker consuming them, the planner and the linux
driver building a lab fabric's hosts for real, traffic proving it, and a destroy that leaves
nothing. A step that fails rolls every host back."""

from __future__ import annotations

import sys
from typing import Any

from designer.models import DeploymentState, Host
from designer.services.deployments import request_deploy, request_destroy
from designer.services.topologies import save_revision
from designer.spec import Document
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy.conftest import in_namespace, make_topology, owned_objects, wait_until_finished


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

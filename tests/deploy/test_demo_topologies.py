"""The demo topologies deployed end to end on a fabric laid out as `make run` lays it out (two
networking nodes, two compute nodes), loaded as `manage.py createdemo` loads them and
deployed by the demo's user as from the browser; then the reachability matrix, run as the
connectivity panel runs it, compared with what each design says, and a destroy that leaves
nothing behind. The Docker demo is also edited while it runs: only the new container is
built, and it finds the web server by name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from designer.demo import DEMO, PROJECT_NAME, TOPOLOGIES, create_demo
from designer.models import ConnectivityCheck, Deployment, Host, Topology
from designer.spec import Document, parse_document
from tasks.fabric.spec import FabricSpec
from tasks.planner.allocation import bridge_mac as planned_bridge_mac
from tasks.planner.facts import host_facts
from tasks.planner.names import deployment_prefix, interface_name, namespace_name
from tasks.planner.planner import plan
from tests.deploy import probe
from tests.deploy.conftest import (
    LANE,
    deploy,
    deploy_again_changes_nothing,
    destroy_leaving_nothing,
    fabric_up,
    python_in,
)
from tests.deploy.test_checks import run
from tests.deploy.test_scenarios_docker import DNS_QUERY
from tests.deploy.test_scenarios_edit import redeploy, snapshot, steps_per_host

# A fabric of this module's own, laid out as `make run`'s: the lab's (`nlsc...`) has one
# networking node, and the default (`nlfab`) is a person's. Letters only, one a lane.
DEMO_PREFIX = "nldm" if LANE == 0 else f"nldm{'abcdefghijklmnopqrstuvwxyz'[LANE - 1]}"
HOSTS = ("compute-1", "compute-2", "network-1", "network-2")


@pytest.fixture(scope="module")
def lab_fabric() -> Iterator[FabricSpec]:
    """Two networking nodes and two compute nodes, as `make run` brings up; the `lab`
    fixture registers them and runs a worker, as the app does."""
    with fabric_up(FabricSpec(prefix=DEMO_PREFIX, network_nodes=2, compute_nodes=2)) as spec:
        yield spec


@pytest.fixture
def demo_user(lab: FabricSpec) -> User:
    """The demo as createdemo makes it, on the registered fabric (its hosts keep the fabric's
    registration, as after `make run`); the demo's user, who owns the Demo project."""
    create_demo()
    return User.objects.get(username=DEMO.username)


def demo_topology(filename: str) -> Topology:
    (demo,) = [topology for topology in TOPOLOGIES if topology.filename == filename]
    return Topology.objects.select_related("head").get(project__name=PROJECT_NAME, name=demo.name)


def plan_notes(topology: Topology) -> set[tuple[str, str | None]]:
    """(code, host) of each note of the plan the deploy made, as the plan preview shows it."""
    assert topology.head is not None
    hosts = [host_facts(host) for host in Host.objects.order_by("name")]
    return {(n.code, n.host) for n in plan(topology.head.parsed(), topology.pk, hosts).notes}


def matrix(topology: Topology, user: User) -> tuple[ConnectivityCheck, set[tuple[str, str]]]:
    """The reachability matrix as the connectivity panel asks for it; the check and the
    (source, target) pairs that reached each other."""
    check = run(topology, user, "matrix")
    return check, {(r["source"], r["target"]) for r in check.results if r["reachable"]}


def busy_hosts(deployment: Deployment) -> set[str]:
    """The hosts where the deploy took a step."""
    return {host for host, steps in steps_per_host(deployment).items() if steps}


def disagreements(check: ConnectivityCheck) -> list[dict[str, Any]]:
    return [result for result in check.results if not result["agrees"]]


# -- Docker user-defined bridges -------------------------------------------------------------

WORKER = "172.20.0.30"


def with_worker(doc: Document) -> Document:
    """The Docker demo with a `worker` container added on app-bridge, beside web and db."""
    data = doc.to_json()
    data["instances"].append(
        {
            "id": "worker",
            "name": "worker",
            "kind": "container",
            "image": "python:3.12",
            "host": "compute-1",
        }
    )
    data["ports"].append(
        {
            "id": "worker-eth0",
            "name": "worker-eth0",
            "network": "app-bridge",
            "device": "worker",
            "fixed_ips": [{"subnet": "app-bridge-v4", "ip_address": WORKER}],
        }
    )
    data["layout"]["positions"]["worker"] = {"x": 0, "y": 300}
    return parse_document(data)


def test_the_docker_demo_keeps_its_bridges_apart_and_takes_an_edit(
    lab: FabricSpec, demo_user: User
) -> None:
    topology = demo_topology("docker-bridge.yaml")
    prefix = deployment_prefix(topology.pk)
    assert plan_notes(topology) == set()
    # Every container is on compute-1; the other hosts have nothing of it.
    assert busy_hosts(deploy(topology, demo_user)) == {"compute-1"}
    deploy_again_changes_nothing(topology, demo_user)

    # web and db share app-bridge; cache is alone on cache-bridge, and Docker keeps bridges
    # apart: both as the design says, so no finding.
    check, reached = matrix(topology, demo_user)
    assert len(check.results) == 3 * 2
    assert reached == {("web", "db"), ("db", "web")}
    assert disagreements(check) == []
    assert check.findings == []
    assert check.hosts == {"compute-1": {"done": 6, "total": 6, "state": "done"}}

    # Edit the running topology: a worker joins app-bridge. Only compute-1 has work: the
    # worker's namespace, port, address, route and responder, and app-bridge's DNS server
    # restarted to learn its name. The other containers are left as they were, down to their
    # links' indexes and their responders' sockets.
    containers = {
        name: namespace_name(prefix, "instance", "compute-1", name)
        for name in ("web", "db", "cache", "worker")
    }
    before = {name: snapshot(containers[name]) for name in ("web", "db", "cache")}
    assert topology.head is not None
    edited = redeploy(topology, demo_user, with_worker(topology.head.parsed()), "add a worker")
    assert steps_per_host(edited) == {"compute-1": 6, **dict.fromkeys(HOSTS[1:], 0)}
    assert set(edited.elements) == {"worker", "worker-eth0", "app-bridge"}
    assert all(state == "up" for state in edited.elements.values()), edited.elements
    assert {name: snapshot(containers[name]) for name in before} == before
    deploy_again_changes_nothing(topology, demo_user)

    # The worker finds web by name at its bridge's gateway, which knows the worker's name
    # too; the worker reaches web and db, and not cache.
    assert python_in(containers["worker"], DNS_QUERY, "172.20.0.1", "web") == "172.20.0.10"
    assert python_in(containers["worker"], DNS_QUERY, "172.20.0.1", "worker") == WORKER
    check, reached = matrix(topology, demo_user)
    assert len(check.results) == 4 * 3
    app = {"web", "db", "worker"}
    assert reached == {(a, b) for a in app for b in app if a != b}
    assert check.findings == []

    destroy_leaving_nothing(topology, demo_user, lab)


def mac_of(namespace: str, bridge: str) -> tuple[str, str]:
    """A bridge's MAC address, and how the kernel came by it (`addr_assign_type`: 1 random,
    3 set for it; a bridge whose MAC was never set takes a port's, and changes it as ports
    come and go)."""
    how = probe.run(
        "ip", "netns", "exec", namespace, "cat", f"/sys/class/net/{bridge}/addr_assign_type"
    )
    return probe.links(namespace)[bridge]["address"], how.stdout.strip()


def test_a_container_joining_a_running_bridge_leaves_its_gateway_where_it_was(
    lab: FabricSpec, demo_user: User
) -> None:
    topology = demo_topology("docker-bridge.yaml")
    prefix = deployment_prefix(topology.pk)
    deploy(topology, demo_user)
    host = lab.host_named("compute-1").namespace
    bridge = interface_name(prefix, "bridge", "app-bridge")
    db = namespace_name(prefix, "instance", "compute-1", "db")
    assert python_in(db, DNS_QUERY, "172.20.0.1", "web") == "172.20.0.10"
    before = mac_of(host, bridge)

    assert topology.head is not None
    redeploy(topology, demo_user, with_worker(topology.head.parsed()), "add a worker")
    try:
        # db, which had asked its gateway before, still reaches it, and finds the worker.
        assert probe.pings(db, "172.20.0.1")
        assert python_in(db, DNS_QUERY, "172.20.0.1", "worker") == WORKER
        # Whichever MAC the worker's port drew: the bridge's was set, and stays. (Left to the
        # kernel, it would be its lowest port's, and move when a lower one joins.)
        assert before == (planned_bridge_mac("compute-1", bridge), "3")
        assert mac_of(host, bridge) == before
    finally:
        destroy_leaving_nothing(topology, demo_user, lab)


# -- HA router with floating IPs -------------------------------------------------------------


def test_the_ha_demo_deploys_its_vms_which_reach_each_other(
    lab: FabricSpec, demo_user: User
) -> None:
    """The HA demo's VMs and their self-service network (VXLAN between the compute nodes,
    DHCP on a networking node) deploy, and the VMs reach each other across the compute
    nodes, as the design says. Its router is not judged here: one network joins the VMs, so
    no packet of the matrix crosses it, and what it adds (VRRP on network-1 and network-2,
    the gateway, SNAT, the floating IPs) is for the HA router's own tests to prove."""
    topology = demo_topology("ha-router.yaml")
    prefix = deployment_prefix(topology.pk)
    assert {"compute-1", "compute-2"} <= busy_hosts(deploy(topology, demo_user))
    deploy_again_changes_nothing(topology, demo_user)

    app_1 = namespace_name(prefix, "instance", "compute-1", "app-1")
    app_2 = namespace_name(prefix, "instance", "compute-2", "app-2")
    assert {app_1, app_2} <= probe.namespaces()

    check, reached = matrix(topology, demo_user)
    assert reached == {("app-1", "app-2"), ("app-2", "app-1")}
    assert disagreements(check) == []
    assert check.findings == []
    assert [r["path"] for r in check.results] == [
        ["app-1", "app-v4", "app-2"],
        ["app-2", "app-v4", "app-1"],
    ]

    destroy_leaving_nothing(topology, demo_user, lab)


# -- Routed provider network -----------------------------------------------------------------


def test_the_routed_provider_demo_joins_its_segments(lab: FabricSpec, demo_user: User) -> None:
    """Each VM is alone on its segment's VLAN and reaches the other through the router on
    network-1, as the design says. The lab fabric carries a VLAN on an 802.1Q device where
    the kernel has them, and on a fabric segment of its own otherwise."""
    topology = demo_topology("routed-provider.yaml")
    notes = plan_notes(topology)
    deploy(topology, demo_user)
    deploy_again_changes_nothing(topology, demo_user)

    check, reached = matrix(topology, demo_user)
    assert [(r["source"], r["target"], r["address"], r["expected"]) for r in check.results] == [
        ("vm-1", "vm-2", "10.22.0.10", True),
        ("vm-2", "vm-1", "10.21.0.10", True),
    ]
    assert [r["path"] for r in check.results] == [
        ["vm-1", "segment-1-v4", "joiner", "segment-2-v4", "vm-2"],
        ["vm-2", "segment-2-v4", "joiner", "segment-1-v4", "vm-1"],
    ]
    destroy_leaving_nothing(topology, demo_user, lab)

    # Every host carries the VLANs it needs: on an 802.1Q device, or on this kernel, which
    # has none, on the fabric's segment for each.
    assert not [host for code, host in notes if code == "plan.no_vlan_carrier"]
    assert reached == {("vm-1", "vm-2"), ("vm-2", "vm-1")}
    assert check.findings == []


def test_the_demo_lab_is_played_through_as_a_student(demo_user: User) -> None:
    """The demo class's lab, as a student plays it: join with the code, start, check (the
    legacy router fails the HA goals), make the router HA with fast failover as the
    instructions say, deploy, check again: every goal passes, the drill's included."""
    import time

    from designer.demo import INVITE_CODE, LAB_TITLE, STUDENT
    from designer.models import LabCopy
    from designer.models.labs import Lab
    from designer.services.labs import check_copy, join_class, start_lab
    from designer.services.topologies import save_revision

    student = User.objects.get(username=STUDENT.username)
    join_class(student, INVITE_CODE)
    copy, _ = start_lab(Lab.objects.get(title=LAB_TITLE), student)
    assert [r.status for r in check_copy(copy, student)] == [
        *("pass", "pass", "pass", "fail", "fail", "pending")
    ]
    topology = copy.topology
    assert topology.head is not None
    body = topology.head.document
    (edge,) = body["routers"]
    edge.update(mode="ha", hosts=["network-1", "network-2"], vrrp={"advert_interval": 0.1})
    save_revision(topology, topology.head.number, parse_document(body), student, "HA edge")
    topology.refresh_from_db()
    deploy(topology, demo_user)
    check_copy(copy, student)
    deadline = time.monotonic() + 90
    copy = LabCopy.objects.get(pk=copy.pk)
    while copy.checking:
        assert time.monotonic() < deadline, copy.results
        time.sleep(0.2)
        copy.refresh_from_db()
    assert [(r["status"], r["by"]) for r in copy.results] == [
        ("pass", "design"),
        ("pass", "deployment"),
        ("pass", "design"),
        ("pass", "design"),
        ("pass", "design"),
        ("pass", "drill"),
    ], copy.results

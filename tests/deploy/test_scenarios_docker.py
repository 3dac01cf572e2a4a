"""Docker networks deployed end to end on the lab fabric and proved with real traffic: a
user-defined bridge publishing a container's port (DNAT from the host's port, reached from the
host itself and from another host over the underlay) and answering its containers' names; and
isolation, between two user-defined bridges of one topology and between two projects'
networks, where traffic must fail although the hosts forward everything else."""

from __future__ import annotations

from typing import Any

from designer.models import Topology
from designer.spec import Document
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy import probe
from tests.deploy.conftest import (
    deploy,
    deploy_again_changes_nothing,
    destroy_leaving_nothing,
    make_topology,
    python_in,
)

HOST_PORT = 8080
# A DNS query for an A record of argv[2], sent to argv[1]; prints the answer's address.
DNS_QUERY = (
    "import socket, struct, sys; name = sys.argv[2].encode(); "
    "q = struct.pack('>HHHHHH', 7, 0x100, 1, 0, 0, 0) + bytes([len(name)]) + name + b'\\x00'"
    " + struct.pack('>HH', 1, 1); "
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3); "
    "s.sendto(q, (sys.argv[1], 53)); r = s.recv(512); "
    "print('.'.join(str(b) for b in r[-4:]) if struct.unpack('>H', r[6:8])[0] else 'none')"
)
HTTP_GET = (
    "import sys, urllib.request as u; "
    "print(u.urlopen(f'http://{sys.argv[1]}{sys.argv[2]}', timeout=5).read().decode())"
)


def container(id: str, host: str = "compute-1", **fields: Any) -> dict[str, Any]:
    return {"id": id, "name": id, "kind": "container", "host": host, **fields}


def bridges(*cidrs: str) -> dict[str, list[dict[str, Any]]]:
    """One user-defined bridge per CIDR (`br1`, `br2`, ...; gateway .1), each with a container
    at .11 on compute-1 (`c1`, `c2`, ...)."""
    lists: dict[str, list[dict[str, Any]]] = {
        kind: [] for kind in ("networks", "subnets", "instances", "ports")
    }
    for number, cidr in enumerate(cidrs, start=1):
        base = cidr.rsplit(".", 1)[0]
        lists["networks"].append(net(f"br{number}", kind="docker_user_bridge"))
        lists["subnets"].append(subnet(f"s{number}", f"br{number}", cidr, gateway_ip=f"{base}.1"))
        lists["instances"].append(container(f"c{number}"))
        lists["ports"].append(
            port(f"p{number}", f"br{number}", f"c{number}", (f"s{number}", f"{base}.11"))
        )
    return lists


def test_published_port_and_names_on_a_user_defined_bridge(lab: FabricSpec) -> None:
    doc = document(
        networks=[net("web", kind="docker_user_bridge")],
        subnets=[subnet("web-v4", "web", "172.30.0.0/24", gateway_ip="172.30.0.1")],
        instances=[
            container(
                "api",
                name="API server",
                published_ports=[{"host_port": HOST_PORT, "container_port": 80}],
            ),
            container("db", name="db"),
        ],
        ports=[
            port("p1", "web", "api", ("web-v4", "172.30.0.11")),
            port("p2", "web", "db", ("web-v4", "172.30.0.12")),
        ],
    )
    owner, topology = make_topology(doc)
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    deploy_again_changes_nothing(topology, owner)

    compute_1, compute_2 = (lab.host_named(name) for name in ("compute-1", "compute-2"))
    published = f"{compute_1.underlay_address.ip}:{HOST_PORT}"
    # From another host over the underlay, and from the host itself, to the host's port.
    assert python_in(compute_2.namespace, HTTP_GET, published, "/") == "netloom responder"
    assert python_in(compute_2.namespace, HTTP_GET, published, "/peer") == str(
        compute_2.underlay_address.ip
    )
    assert python_in(compute_1.namespace, HTTP_GET, published, "/") == "netloom responder"

    # Each container finds the other by its name (as a DNS label) at the bridge's gateway.
    api = namespace_name(prefix, "instance", "compute-1", "api")
    db = namespace_name(prefix, "instance", "compute-1", "db")
    assert python_in(api, DNS_QUERY, "172.30.0.1", "db") == "172.30.0.12"
    assert python_in(db, DNS_QUERY, "172.30.0.1", "api-server") == "172.30.0.11"
    assert python_in(db, DNS_QUERY, "172.30.0.1", "nosuch") == "none"

    destroy_leaving_nothing(topology, owner, lab)


def reaches_the_underlay(namespace: str, lab: FabricSpec) -> bool:
    """Whether a container gets out of its host (masqueraded) to another host's underlay
    address: the host forwards, so a failure elsewhere is isolation, not a dead end."""
    return probe.pings(namespace, str(lab.host_named("compute-2").underlay_address.ip))


def test_two_user_defined_bridges_cannot_reach_each_other(lab: FabricSpec) -> None:
    owner, topology = make_topology(document(**bridges("172.31.1.0/24", "172.31.2.0/24")))
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    deploy_again_changes_nothing(topology, owner)

    c1 = namespace_name(prefix, "instance", "compute-1", "c1")
    c2 = namespace_name(prefix, "instance", "compute-1", "c2")
    assert reaches_the_underlay(c1, lab)
    assert reaches_the_underlay(c2, lab)
    assert probe.pings(c1, "172.31.1.1")
    assert not probe.pings(c1, "172.31.2.11")
    assert not probe.pings(c2, "172.31.1.11")

    destroy_leaving_nothing(topology, owner, lab)


def project_lan(bridge_cidr: str, vm: dict[str, Any], address: str) -> Document:
    """A project's user-defined bridge (a container on compute-1) and its self-service network
    10.40.0.0/24 (the same range in every project) with `vm` at `address`."""
    lists = bridges(bridge_cidr)
    lists["networks"].append(net("lan"))
    lists["subnets"].append(subnet("lan-v4", "lan", "10.40.0.0/24", enable_dhcp=False))
    lists["instances"].append(vm)
    lists["ports"].append(port("pv", "lan", vm["id"], ("lan-v4", address)))
    return document(**lists)


def test_two_projects_networks_cannot_reach_each_other(lab: FabricSpec) -> None:
    topologies: list[tuple[Any, Topology]] = [
        make_topology(
            project_lan("172.32.1.0/24", container("vm", "compute-1"), "10.40.0.11"), "ada"
        ),
        make_topology(
            project_lan("172.32.2.0/24", container("vm", "compute-2"), "10.40.0.12"), "bob"
        ),
    ]
    for owner, topology in topologies:
        deploy(topology, owner)
    first, second = (deployment_prefix(topology.pk) for _, topology in topologies)

    # Docker bridges of two projects on one host: the host would route between them.
    c1_first = namespace_name(first, "instance", "compute-1", "c1")
    c1_second = namespace_name(second, "instance", "compute-1", "c1")
    assert reaches_the_underlay(c1_first, lab)
    assert reaches_the_underlay(c1_second, lab)
    assert not probe.pings(c1_first, "172.32.2.11")
    assert not probe.pings(c1_second, "172.32.1.11")
    # Self-service networks with the same range on two hosts: each its own VNI.
    vm_first = namespace_name(first, "instance", "compute-1", "vm")
    vm_second = namespace_name(second, "instance", "compute-2", "vm")
    assert not probe.pings(vm_first, "10.40.0.12")
    assert not probe.pings(vm_second, "10.40.0.11")

    for owner, topology in topologies:
        destroy_leaving_nothing(topology, owner, lab)

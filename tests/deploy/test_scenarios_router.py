"""A legacy router deployed end to end on the lab fabric, proved with real traffic to and from
the fabric's outside host: SNAT of a self-service network to the router's gateway address on
the external provider network, and a floating IP by which the outside host reaches an
instance."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from designer.spec import Document
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy import probe
from tests.deploy.conftest import (
    ECHO,
    deploy,
    deploy_again_changes_nothing,
    destroy_leaving_nothing,
    in_namespace,
    make_topology,
    python_in,
)

REPO = Path(__file__).resolve().parents[2]
OUTSIDE_HTTP = 8080
GATEWAY = "203.0.113.10"
FLOATING = "203.0.113.20"
# An HTTP GET of `/peer` (which answers the address the connection came from) and a TCP echo.
PEER = (
    "import sys, urllib.request as u; "
    "print(u.urlopen(f'http://{sys.argv[1]}/peer', timeout=5).read().decode())"
)


@pytest.fixture
def outside_responder(lab: FabricSpec) -> Iterator[str]:
    """The built-in responder run on the outside host, answering HTTP on OUTSIDE_HTTP;
    yields its `address:port`."""
    outside = lab.outside_host
    command = [sys.executable, "-m", "tasks.drivers.responder", f"--http={OUTSIDE_HTTP}"]
    process = subprocess.Popen(
        ["ip", "netns", "exec", outside.namespace, *command],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    target = f"{outside.address.ip}:{OUTSIDE_HTTP}"
    try:
        deadline = time.monotonic() + 10
        while "LISTEN" not in in_namespace(outside.namespace, "ss", "-ltnH").stdout:
            assert time.monotonic() < deadline, "the outside responder did not start"
            time.sleep(0.05)
        yield target
    finally:
        process.terminate()
        process.wait(timeout=10)


def routed_lan() -> Document:
    """vm1 (compute-1) and vm2 (compute-2) on a self-service network behind router r1, whose
    gateway is on the external provider network (the fabric's outside, 203.0.113.0/24 with
    the outside host as its gateway); vm2 has a floating IP."""
    return document(
        networks=[
            net("ext", kind="provider", physical_network="external", external=True),
            net("lan"),
        ],
        subnets=[
            subnet("ext-v4", "ext", "203.0.113.0/24", gateway_ip="203.0.113.1", enable_dhcp=False),
            subnet("lan-v4", "lan", "10.60.0.0/24", gateway_ip="10.60.0.1"),
        ],
        routers=[
            {
                "id": "r1",
                "name": "r1",
                "external_gateway": {
                    "network": "ext",
                    "fixed_ips": [{"subnet": "ext-v4", "ip_address": GATEWAY}],
                },
            }
        ],
        instances=[
            {"id": "vm1", "name": "vm1", "host": "compute-1"},
            {"id": "vm2", "name": "vm2", "host": "compute-2"},
        ],
        ports=[
            port("r1-lan", "lan", "r1", ("lan-v4", None)),
            port("p1", "lan", "vm1", ("lan-v4", "10.60.0.11")),
            port("p2", "lan", "vm2", ("lan-v4", "10.60.0.12")),
        ],
        floating_ips=[
            {"id": "fip1", "network": "ext", "floating_ip_address": FLOATING, "port": "p2"}
        ],
    )


def test_router_snat_shows_its_gateway_address_to_the_outside(
    lab: FabricSpec, outside_responder: str
) -> None:
    owner, topology = make_topology(routed_lan())
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    deploy_again_changes_nothing(topology, owner)
    assert namespace_name(prefix, "router", "network-1", "r1") in probe.namespaces()

    vm1 = namespace_name(prefix, "instance", "compute-1", "vm1")
    assert probe.pings(vm1, str(lab.outside_host.address.ip))
    assert python_in(vm1, PEER, outside_responder) == GATEWAY

    destroy_leaving_nothing(topology, owner, lab)


def test_floating_ip_reaches_the_instance_from_outside(
    lab: FabricSpec, outside_responder: str
) -> None:
    owner, topology = make_topology(routed_lan())
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    deploy_again_changes_nothing(topology, owner)

    outside = lab.outside_host
    assert python_in(outside.namespace, ECHO, FLOATING) == "netloom"
    # The instance sees the outside host as it is (no SNAT inward)...
    assert python_in(outside.namespace, PEER, FLOATING) == str(outside.address.ip)
    # ...and the outside host sees the instance's own traffic come from its floating IP.
    vm2 = namespace_name(prefix, "instance", "compute-2", "vm2")
    assert python_in(vm2, PEER, outside_responder) == FLOATING

    destroy_leaving_nothing(topology, owner, lab)
